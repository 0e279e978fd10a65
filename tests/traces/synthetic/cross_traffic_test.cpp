#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "traces/synthetic/on_off_source.hpp"
#include "traces/synthetic/poisson_source.hpp"

namespace rlisim::traces {
namespace {

using ::testing::HasSubstr;

std::vector<core::Packet> drain(core::PacketSource& source) {
  std::vector<core::Packet> out;
  core::Packet p;
  while (source.next(p))
    out.push_back(p);
  return out;
}

double total_bytes(const std::vector<core::Packet>& packets) {
  double sum = 0;
  for (const auto& p : packets)
    sum += p.wire_bytes;
  return sum;
}

TEST(PoissonSource, HitsTheRateWithExponentialGaps) {
  CrossTrafficConfig c;
  c.seed = 3;
  c.rate = core::BitsPerSecond{100'000'000};
  c.duration = core::seconds(10);
  PoissonSource src(c);
  EXPECT_NEAR(src.packet_rate(), 1e8 / (8 * 969.6), 1e-6);
  const auto packets = drain(src);
  // ~129k packets: relative sd of the byte count sqrt(E[L^2] / E[L]^2 / n) = 0.34 %.
  EXPECT_NEAR(total_bytes(packets) * 8 / 10 / 1e8, 1.0, 0.015);
  std::vector<double> gaps;
  for (std::size_t i = 1; i < packets.size(); ++i) {
    ASSERT_GE(packets[i].arrival, packets[i - 1].arrival);
    gaps.push_back(static_cast<double>((packets[i].arrival - packets[i - 1].arrival).count()));
  }
  double sum = 0;
  double sum2 = 0;
  std::uint64_t above_mean = 0;
  for (double g : gaps) {
    sum += g;
    sum2 += g * g;
  }
  const double mean = sum / static_cast<double>(gaps.size());
  for (double g : gaps)
    above_mean += g > mean ? 1 : 0;
  const double cv = std::sqrt(sum2 / static_cast<double>(gaps.size()) - mean * mean) / mean;
  EXPECT_NEAR(cv, 1.0, 0.02);  // sd of the estimate ~0.004
  // P(gap > mean) = 1/e for an exponential (binomial sd 0.0013).
  EXPECT_NEAR(static_cast<double>(above_mean) / static_cast<double>(gaps.size()), std::exp(-1.0),
              0.006);
}

TEST(PoissonSource, RespectsTheStartOffsetAndDuration) {
  CrossTrafficConfig c;
  c.start_offset = core::milliseconds(30);
  c.duration = core::milliseconds(20);
  PoissonSource src(c);
  const auto packets = drain(src);
  ASSERT_FALSE(packets.empty());
  EXPECT_GE(packets.front().arrival, core::milliseconds(30));
  EXPECT_LT(packets.back().arrival, core::milliseconds(50));
  for (const auto& p : packets)
    EXPECT_EQ(p.kind, core::PacketKind::kCross);
}

TEST(PoissonSource, SpreadsPacketsOverItsFlowKeys) {
  CrossTrafficConfig c;
  c.flows = 4;
  c.duration = core::milliseconds(200);
  PoissonSource src(c);
  ASSERT_EQ(src.flow_keys().size(), 4u);
  std::map<core::FlowKey, int> counts;
  const auto packets = drain(src);
  for (const auto& p : packets)
    ++counts[p.flow];
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [key, n] : counts) {
    EXPECT_NEAR(n, packets.size() / 4.0, 0.1 * packets.size() / 4.0);
    EXPECT_EQ(key.src[0], 198);
    EXPECT_EQ(key.src[1], 18);
    EXPECT_EQ(key.dst[1], 19);
    EXPECT_EQ(key.protocol, 17);
  }
}

TEST(PoissonSource, IsDeterministicPerSeed) {
  CrossTrafficConfig c;
  c.duration = core::milliseconds(10);
  PoissonSource a(c);
  PoissonSource b(c);
  c.seed = 2;
  PoissonSource other(c);
  const auto pa = drain(a);
  const auto pb = drain(b);
  const auto po = drain(other);
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    ASSERT_EQ(pa[i].arrival, pb[i].arrival);
    ASSERT_EQ(pa[i].wire_bytes, pb[i].wire_bytes);
  }
  EXPECT_NE(pa.front().arrival, po.front().arrival);
  EXPECT_NE(pa.front().flow, po.front().flow);
}

TEST(PoissonSource, InvalidConfigurationsNameTheKey) {
  const auto message = [](CrossTrafficConfig c) -> std::string {
    try {
      PoissonSource s(c);
    } catch (const core::ConfigError& e) {
      return e.what();
    }
    return "no exception";
  };
  CrossTrafficConfig c;
  c.rate = core::BitsPerSecond{0};
  EXPECT_THAT(message(c), HasSubstr("poisson.rate"));
  c = {};
  c.flows = 0;
  EXPECT_THAT(message(c), HasSubstr("poisson.flows = 0"));
  c = {};
  c.protocol = 1;
  EXPECT_THAT(message(c), HasSubstr("poisson.protocol = 1"));
  c = {};
  c.rate = core::BitsPerSecond{1'000'000'000'001};
  EXPECT_THAT(message(c), HasSubstr("poisson.rate = 1000000000001 b/s"));
  EXPECT_THAT(message(c), HasSubstr("1 Tb/s"));
  c.rate = core::BitsPerSecond{1'000'000'000'000};
  c.duration = core::Time{1'000};
  EXPECT_EQ(message(c), "no exception");
  c.duration = core::Time{999};
  EXPECT_THAT(message(c), HasSubstr("poisson.duration"));
  EXPECT_THAT(message(c), HasSubstr(">= 1 ns"));
  c = {};
  c.start_offset = core::Time{-1};
  EXPECT_THAT(message(c), HasSubstr("poisson.start_offset"));
  c = {};
  c.protocol = 6;
  c.size_mix = SizeMix({{28, 1}});
  EXPECT_THAT(message(c), HasSubstr("at least 40 B"));
}

TEST(PoissonSource, SummaryCountersMatchWhatWasEmitted) {
  CrossTrafficConfig c;
  c.duration = core::milliseconds(10);
  PoissonSource s(c);
  const auto packets = drain(s);
  ASSERT_GT(packets.size(), 100u);
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"packets", packets.size()},
      {"wire_bytes", static_cast<std::uint64_t>(total_bytes(packets))}};
  EXPECT_EQ(s.summary_counters(), expected);
}

TEST(PoissonSource, RateTooLowForAnyPacketGivesAnEmptyStream) {
  CrossTrafficConfig c;
  c.rate = core::BitsPerSecond{1};
  c.duration = core::Time{1'000};
  PoissonSource s(c);
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.summary_counters().front(), (std::pair<std::string, std::uint64_t>{"packets", 0}));
}

OnOffConfig light_tails(OnMode mode) {
  // alpha 10: Pareto periods with small variance, so the long-run rate converges quickly.
  OnOffConfig o;
  o.alpha_on = 10;
  o.alpha_off = 10;
  o.mean_on = core::milliseconds(1);
  o.mean_off = core::milliseconds(4);
  o.on_mode = mode;
  return o;
}

TEST(OnOffSource, SummaryCountersMatchWhatWasEmitted) {
  CrossTrafficConfig c;
  c.duration = core::milliseconds(200);
  OnOffSource s(c, light_tails(OnMode::kBackToBack));
  const auto packets = drain(s);
  ASSERT_GT(packets.size(), 100u);
  // Back to back, a packet follows its predecessor after one serialisation at the peak rate
  // (to the picosecond floor); a longer gap is an OFF period, so it starts a new ON period.
  std::uint64_t bursts = 1;
  for (std::size_t i = 1; i < packets.size(); ++i) {
    const double serialise_ps = 8.0 * packets[i - 1].wire_bytes / s.peak_rate_bps() * 1e12;
    if (static_cast<double>((packets[i].arrival - packets[i - 1].arrival).count()) >
        serialise_ps + 2)
      ++bursts;
  }
  const auto counters = s.summary_counters();
  ASSERT_EQ(counters.size(), 3u);
  EXPECT_EQ(counters[0], (std::pair<std::string, std::uint64_t>{"packets", packets.size()}));
  EXPECT_EQ(counters[1], (std::pair<std::string, std::uint64_t>{
                             "wire_bytes", static_cast<std::uint64_t>(total_bytes(packets))}));
  EXPECT_EQ(counters[2].first, "on_periods");
  // Every burst is one ON period; the last period may begin after the end, with no packet.
  EXPECT_GE(counters[2].second, bursts);
  EXPECT_LE(counters[2].second, bursts + 1);
}

TEST(OnOffSource, PeakRateFollowsTheDutyCycle) {
  CrossTrafficConfig c;
  c.rate = core::BitsPerSecond{100'000'000};
  OnOffSource src(c, light_tails(OnMode::kBackToBack));
  EXPECT_NEAR(src.peak_rate_bps(), 5e8, 1e-3);  // (1 + 4) / 1
}

TEST(OnOffSource, LongRunRateMatchesTheRequest) {
  // Measured over 20 seeds (20 s): sd 0.14 % back-to-back, 0.31 % Poisson; means 0.9996 and
  // 0.9980.
  for (OnMode mode : {OnMode::kBackToBack, OnMode::kPoisson}) {
    CrossTrafficConfig c;
    c.rate = core::BitsPerSecond{100'000'000};
    c.duration = core::seconds(20);
    OnOffSource src(c, light_tails(mode));
    const auto packets = drain(src);
    EXPECT_NEAR(total_bytes(packets) * 8 / 20 / 1e8, 1.0, 0.012) << to_string(mode);
    EXPECT_GT(src.on_periods(), 3000u);
  }
}

TEST(OnOffSource, OvershootDebtKeepsTheRateExactForTinyOnPeriods) {
  // ON periods of 10 us are shorter than a 1500 B packet at the 500 Mb/s peak (24 us): without
  // the carried debt every ON period would send a whole packet and overshoot the rate.
  OnOffConfig o = light_tails(OnMode::kBackToBack);
  o.mean_on = core::microseconds(10);
  o.mean_off = core::microseconds(40);
  CrossTrafficConfig c;
  c.rate = core::BitsPerSecond{100'000'000};
  c.duration = core::seconds(5);
  OnOffSource src(c, o);
  EXPECT_NEAR(total_bytes(drain(src)) * 8 / 5 / 1e8, 1.0, 0.005);
}

TEST(OnOffSource, HeavyTailedPeriodsStillAverageToTheRate) {
  // alpha 2.5 (finite variance), 4 seeds of 20 s: measured sd of one seed 1.6 %.
  double sum = 0;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    CrossTrafficConfig c;
    c.seed = seed;
    c.rate = core::BitsPerSecond{100'000'000};
    c.duration = core::seconds(20);
    OnOffConfig o = light_tails(OnMode::kBackToBack);
    o.alpha_on = 2.5;
    o.alpha_off = 2.5;
    OnOffSource src(c, o);
    sum += total_bytes(drain(src)) * 8 / 20 / 1e8;
  }
  EXPECT_NEAR(sum / 4, 1.0, 0.035);
}

TEST(OnOffSource, BackToBackPacketsAreSpacedBySerialisationAtPeak) {
  CrossTrafficConfig c;
  c.rate = core::BitsPerSecond{100'000'000};
  c.duration = core::milliseconds(200);
  OnOffSource src(c, light_tails(OnMode::kBackToBack));
  const auto packets = drain(src);
  std::uint64_t back_to_back = 0;
  for (std::size_t i = 1; i < packets.size(); ++i) {
    const auto gap = (packets[i].arrival - packets[i - 1].arrival).count();
    // Serialising L bytes at 500 Mb/s takes 16 ns per byte.
    const std::int64_t serial = 16'000 * packets[i - 1].wire_bytes;
    ASSERT_GE(gap, serial - 1) << i;  // never faster than the peak
    if (gap <= serial + 1)
      ++back_to_back;
  }
  // Roughly all but one packet per ON period are back to back.
  EXPECT_GT(back_to_back, packets.size() * 8 / 10);
}

TEST(OnOffSource, InvalidConfigurationsNameTheKey) {
  const auto message = [](OnOffConfig o) -> std::string {
    try {
      OnOffSource s(CrossTrafficConfig{}, o);
    } catch (const core::ConfigError& e) {
      return e.what();
    }
    return "no exception";
  };
  OnOffConfig o;
  o.alpha_on = 1.0;
  EXPECT_THAT(message(o), HasSubstr("on_off.alpha_on = 1"));
  o = {};
  o.alpha_off = 0.5;
  EXPECT_THAT(message(o), HasSubstr("on_off.alpha_off = 0.5"));
  o = {};
  o.mean_off = core::Time{0};
  EXPECT_THAT(message(o), HasSubstr("on_off.mean_off"));
  CrossTrafficConfig c;
  c.duration = core::Time{0};
  EXPECT_THROW(OnOffSource(c, OnOffConfig{}), core::ConfigError);
  c = {};
  c.rate = core::BitsPerSecond{2'000'000'000'000};
  try {
    OnOffSource s(c, OnOffConfig{});
    ADD_FAILURE() << "2 Tb/s accepted";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("on_off.rate = 2000000000000 b/s"));
  }
}

}  // namespace
}  // namespace rlisim::traces
