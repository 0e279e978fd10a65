// LDA: exact identities with sampling 1, hand-computed sampling rules and flow weights, and
// the signed-sum spread estimators against their closed-form mean and variance over seeds.

#include "models/lda/lda.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/metrics/delay_moments.hpp"
#include "sim/core/rng.hpp"
#include "tests/models/taps.hpp"

namespace rlisim::models::lda {
namespace {

using core::FlowKey;
using core::Packet;
using core::PacketKind;
using core::Time;

constexpr std::int64_t kUs = 1'000'000;  // ps

FlowKey flow(std::uint32_t i) {
  return FlowKey::ipv4(0x0a000000u + i, 0x0b000000u, 1000, 80, 6);
}

LdaConfig fixed_sampling(std::vector<double> p, std::uint32_t buckets, std::uint64_t seed = 1) {
  LdaConfig c;
  c.sampling = std::move(p);
  c.buckets = buckets;
  c.interval = core::microseconds(1000);
  c.seed = seed;
  return c;
}

// Feeds one LDA packet by packet, in the router's order (ingress, then egress or drop).
class Driver {
 public:
  explicit Driver(const LdaConfig& config) : lda(config), taps(lda) {}

  void deliver(std::uint32_t f, std::int64_t arrival, std::int64_t delay) {
    taps.pass(make(f, arrival), 0, Time{arrival + delay});
  }
  void drop(std::uint32_t f, std::int64_t arrival) { taps.pass(make(f, arrival), 0, Time{}, true); }
  FlowDelayEstimate estimate(std::uint32_t f) const {
    const auto e = lda.estimate(flow(f));
    EXPECT_TRUE(e.has_value());
    return e.value_or(FlowDelayEstimate{});
  }

  Lda lda;
  test::Taps taps;

 private:
  Packet make(std::uint32_t f, std::int64_t arrival) {
    Packet p;
    p.flow = flow(f);
    p.arrival = Time{arrival};
    p.wire_bytes = 500;
    p.seq = seq_++;
    return p;
  }
  std::uint64_t seq_ = 0;
};

std::int64_t uniform_int(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(core::uniform01(rng) * static_cast<double>(hi - lo));
}

TEST(Lda, SamplingOneWithoutLossGivesTheExactMeanPerIntervalAndOverall) {
  for (const BankChoice choice : {BankChoice::kMostUsable, BankChoice::kCombine}) {
    LdaConfig c = fixed_sampling({1.0, 1.0}, 32);
    c.bank_choice = choice;
    Driver d(c);
    auto rng = core::make_rng(7, 0);
    DelayMoments all;
    std::vector<DelayMoments> per_interval(3);
    std::int64_t t = 0;
    for (int i = 0; i < 3000; ++i) {
      t += uniform_int(rng, 1, 1900000);  // about 2.85 ms in all: 3 intervals
      const std::int64_t delay = uniform_int(rng, 0, 5'000'000'000);
      d.deliver(static_cast<std::uint32_t>(i % 17), t, delay);
      all.add(Time{delay});
      per_interval.at(static_cast<std::size_t>(t / (1000 * kUs))).add(Time{delay});
    }
    d.lda.finalize();
    EXPECT_EQ(d.lda.aggregate().mean_ps, all.mean_ps());
    EXPECT_EQ(d.lda.aggregate().loss_rate, 0.0);
    ASSERT_EQ(d.lda.intervals().size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
      const LdaInterval& iv = d.lda.intervals()[k];
      EXPECT_EQ(iv.mean_ps, per_interval[k].mean_ps()) << k;
      EXPECT_EQ(iv.sent, per_interval[k].count());
      const std::uint64_t banks_used = choice == BankChoice::kCombine ? 2 : 1;
      EXPECT_EQ(iv.usable_packets, banks_used * per_interval[k].count());
      EXPECT_EQ(iv.chosen_bank, choice == BankChoice::kCombine ? kAllBanks : 0);
    }
  }
}

TEST(Lda, ADroppedPacketSpoilsItsBucketInEveryBank) {
  Driver d(fixed_sampling({1.0, 1.0, 1.0}, 16));
  for (int i = 0; i < 200; ++i) {
    if (i == 123)
      d.drop(1, i * kUs);
    else
      d.deliver(1, i * kUs, 3 * kUs);
  }
  d.lda.finalize();
  for (const LdaBankTotals& b : d.lda.bank_totals()) {
    EXPECT_EQ(b.sampled, 200u);
    EXPECT_EQ(b.received, 199u);
    EXPECT_EQ(b.occupied_buckets, 16u);
    EXPECT_EQ(b.usable_buckets, 15u);
    EXPECT_LT(b.usable_packets, 199u);  // the spoiled bucket held delivered packets too
  }
  EXPECT_EQ(d.lda.aggregate().mean_ps, 3.0 * kUs);
}

// Delay ramps up as a queue fills and the drops come at the top of the ramp: a mean that let
// the dropped packets' sender timestamps in, or kept buckets by their receiver count, would
// be far off. Usable buckets are a hash-random subset, so over seeds the estimate centres on
// the mean over delivered packets.
TEST(Lda, EstimateOverUsableBucketsIsUnbiasedOverSeedsWhenLossFollowsDelay) {
  constexpr int kSeeds = 200;
  auto trace_rng = core::make_rng(3, 1);
  struct Pkt {
    std::int64_t arrival;
    std::int64_t delay;  // < 0: dropped
  };
  std::vector<Pkt> trace;
  DelayMoments truth;
  for (int i = 0; i < 400; ++i) {
    const std::int64_t delay = 10 * kUs + i * kUs / 4;
    const bool dropped = i > 300 && core::uniform01(trace_rng) < 0.1;
    trace.push_back({i * kUs, dropped ? -1 : delay});
    if (!dropped)
      truth.add(Time{delay});
  }
  ASSERT_GT(trace.size() - truth.count(), 5u);
  double sum = 0;
  double sum_sq = 0;
  for (int s = 0; s < kSeeds; ++s) {
    Driver d(fixed_sampling({1.0}, 64, static_cast<std::uint64_t>(s) + 1));
    for (const Pkt& p : trace) {
      if (p.delay < 0)
        d.drop(0, p.arrival);
      else
        d.deliver(0, p.arrival, p.delay);
    }
    d.lda.finalize();
    ASSERT_LT(d.lda.aggregate().usable_packets, truth.count());
    const double e = d.lda.aggregate().mean_ps;
    sum += e;
    sum_sq += e * e;
  }
  const double mean = sum / kSeeds;
  const double sd = std::sqrt((sum_sq - kSeeds * mean * mean) / (kSeeds - 1));
  EXPECT_GT(sd, 0.0);
  EXPECT_NEAR(mean, truth.mean_ps(), 3 * sd / std::sqrt(double{kSeeds}));
}

TEST(Lda, ConstantDelayGivesEveryFlowThatDelayAndNoSpread) {
  LdaConfig c;
  c.buckets = 64;  // p = 1, 1 and 32/101 in the first interval
  c.interval = core::microseconds(500);
  Driver d(c);
  const std::int64_t delay = 7 * kUs + 3;
  for (int i = 0; i < 5000; ++i) {
    const auto f = static_cast<std::uint32_t>((i * 7) % 23);
    if (i % 97 == 0)
      d.drop(f, i * kUs / 2);
    else
      d.deliver(f, i * kUs / 2, delay);
  }
  d.lda.finalize();
  for (std::uint32_t f = 0; f < 23; ++f) {
    const FlowDelayEstimate e = d.estimate(f);
    EXPECT_EQ(e.mean_ps, static_cast<double>(delay)) << f;
    EXPECT_EQ(e.std_ps, 0.0) << f;
  }
  EXPECT_EQ(d.lda.aggregate().std_ps, 0.0);
  EXPECT_FALSE(d.lda.estimate(flow(99)).has_value());
}

// Closed form for random signs and uniform buckets, no loss, sampling 1: the estimate
// sum_j (sum_{i in j} s_i e_i)^2 / n has mean sum e^2 / n and variance
// 2 [(sum e^2)^2 - sum e^4] / (m n^2), with e = d - mean (centered) or e = d (second moment,
// before subtracting the exact mean^2).
void check_spread_over_seeds(StdMethod method, std::int64_t base_delay) {
  constexpr int kSeeds = 200;
  constexpr std::uint32_t kBuckets = 256;
  constexpr int kPackets = 1024;
  auto rng = core::make_rng(11, 2);
  std::vector<std::int64_t> delays;
  DelayMoments truth;
  for (int i = 0; i < kPackets; ++i) {
    delays.push_back(base_delay + static_cast<std::int64_t>(core::exponential(rng, 1e6)));
    truth.add(Time{delays.back()});
  }
  const double mean = truth.mean_ps();
  long double s2 = 0;
  long double s4 = 0;
  for (const std::int64_t d : delays) {
    const long double e = method == StdMethod::kCentered ? d - mean : d;
    s2 += e * e;
    s4 += e * e * e * e;
  }
  const double n = kPackets;
  const double expected_var = static_cast<double>(2 * (s2 * s2 - s4) / (kBuckets * n * n));
  double sum = 0;
  double sum_sq = 0;
  for (int s = 0; s < kSeeds; ++s) {
    LdaConfig c = fixed_sampling({1.0}, kBuckets, static_cast<std::uint64_t>(s) + 100);
    c.std_method = method;
    Driver dr(c);
    for (int i = 0; i < kPackets; ++i)
      dr.deliver(static_cast<std::uint32_t>(i % 5), i * 100, delays[static_cast<std::size_t>(i)]);
    dr.lda.finalize();
    const double v = dr.lda.aggregate().variance_ps2;
    sum += v;
    sum_sq += v * v;
  }
  const double avg = sum / kSeeds;
  const double sample_var = (sum_sq - kSeeds * avg * avg) / (kSeeds - 1);
  EXPECT_NEAR(avg, truth.variance_ps2(), 4 * std::sqrt(expected_var / kSeeds));
  // Sample variance of 200 near-normal draws: within about +-4 standard errors (0.1 each).
  EXPECT_GT(sample_var / expected_var, 0.6);
  EXPECT_LT(sample_var / expected_var, 1.5);
}

TEST(Lda, CenteredSignedSumsEstimateTheVarianceWithTheDerivedSpread) {
  check_spread_over_seeds(StdMethod::kCentered, 20 * kUs);
}

TEST(Lda, SecondMomentSignedSumsEstimateTheVarianceWithTheDerivedSpread) {
  check_spread_over_seeds(StdMethod::kSecondMoment, 0);
}

TEST(Lda, OnePacketPerBucketGivesTheExactSpread) {
  for (const StdMethod method : {StdMethod::kCentered, StdMethod::kSecondMoment}) {
    LdaConfig c = fixed_sampling({1.0}, 1u << 16);  // 10 packets: collision chance ~7e-4
    c.std_method = method;
    Driver d(c);
    DelayMoments truth;
    for (int i = 0; i < 10; ++i) {
      const std::int64_t delay = (i + 1) * (i + 2) * kUs;
      d.deliver(0, i * kUs, delay);
      truth.add(Time{delay});
    }
    d.lda.finalize();
    EXPECT_EQ(d.lda.aggregate().usable_buckets, 10u);
    EXPECT_NEAR(d.lda.aggregate().std_ps, truth.stddev_ps(), 1e-9 * truth.stddev_ps());
  }
}

TEST(Lda, LossRateWithSamplingOneIsExactlyDroppedOverSent) {
  Driver d(fixed_sampling({1.0, 1.0}, 8));
  std::uint64_t dropped = 0;
  std::uint64_t sent = 0;
  for (int i = 0; i < 3000; ++i) {
    ++sent;
    if (i % 7 == 3 || (i > 2000 && i % 3 == 0)) {
      ++dropped;
      d.drop(0, i * kUs);
    } else {
      d.deliver(0, i * kUs, kUs);
    }
  }
  d.lda.finalize();
  EXPECT_EQ(d.lda.aggregate().loss_rate, static_cast<double>(dropped) / static_cast<double>(sent));
  const LdaInterval& first = d.lda.intervals().at(0);
  EXPECT_EQ(first.loss_rate,
            static_cast<double>(first.sent - first.received) / static_cast<double>(first.sent));
  EXPECT_EQ(first.sent - first.received, 143u);  // i = 3, 10, ..., 997
}

TEST(Lda, PacketsStraddlingABoundaryAreFiledUnderTheirIngressInterval) {
  Driver d(fixed_sampling({1.0}, 4));
  const std::int64_t t = 1000 * kUs;
  d.deliver(0, t - 1, 6);   // enters in interval 0, leaves in 1
  d.deliver(0, t + 1, 9);   // interval 1
  d.deliver(1, t + 2, 15);  // interval 1
  d.lda.finalize();
  ASSERT_EQ(d.lda.intervals().size(), 2u);
  EXPECT_EQ(d.lda.intervals()[0].sent, 1u);
  EXPECT_EQ(d.lda.intervals()[0].received, 1u);
  EXPECT_EQ(d.lda.intervals()[0].mean_ps, 6.0);
  EXPECT_EQ(d.lda.intervals()[1].received, 2u);
  EXPECT_EQ(d.lda.intervals()[1].mean_ps, 12.0);
  EXPECT_EQ(d.lda.intervals()[1].start, Time{t});
  // Flow 0: one packet at interval 0's (6, var 0), one at interval 1's (12, var 9):
  // mean 9, variance (0 + 9) / 2 + 3^2 = 13.5.
  EXPECT_DOUBLE_EQ(d.estimate(0).mean_ps, 9.0);
  EXPECT_DOUBLE_EQ(d.estimate(0).std_ps, std::sqrt(13.5));
  EXPECT_EQ(d.estimate(0).samples, 2u);
}

TEST(Lda, FlowEstimatesWeightIntervalsByTheFlowsPacketsAndFallBackWithoutUsableBuckets) {
  Driver d(fixed_sampling({1.0}, 1));  // one bucket: any drop spoils the interval
  const std::int64_t t = 1000 * kUs;
  for (int i = 0; i < 3; ++i)
    d.deliver(0, i * kUs, 10 * kUs);  // interval 0: flow 0 x3 at 10 us
  d.deliver(1, 5 * kUs, 10 * kUs);
  d.deliver(0, t + kUs, 30 * kUs);  // interval 1: flow 0 x1 at 30 us
  d.deliver(1, t + 2 * kUs, 30 * kUs);
  d.deliver(2, 3 * t, 50 * kUs);  // interval 3: spoiled by a drop
  d.drop(2, 3 * t + kUs);
  d.lda.finalize();
  ASSERT_EQ(d.lda.intervals().size(), 4u);
  EXPECT_EQ(d.lda.intervals()[2].sent, 0u);
  EXPECT_TRUE(std::isnan(d.lda.intervals()[2].mean_ps));
  EXPECT_EQ(d.lda.intervals()[3].usable_packets, 0u);
  // Aggregate over usable packets: (4 * 10 + 2 * 30) / 6 us.
  const double agg = 100.0 / 6 * kUs;
  EXPECT_DOUBLE_EQ(d.lda.aggregate().mean_ps, agg);
  EXPECT_EQ(d.lda.aggregate().intervals_without_estimate, 2u);
  // Flow 0: (3 * 10 + 30) / 4 = 15 us; std sqrt(3/4 * 1/4) * 20 us.
  EXPECT_DOUBLE_EQ(d.estimate(0).mean_ps, 15.0 * kUs);
  EXPECT_NEAR(d.estimate(0).std_ps, std::sqrt(3.0) / 4 * 20 * kUs, 1e-6);
  EXPECT_DOUBLE_EQ(d.estimate(1).mean_ps, 20.0 * kUs);
  EXPECT_NEAR(d.estimate(2).mean_ps, agg, 1e-6);
  EXPECT_NEAR(d.estimate(2).std_ps, d.lda.aggregate().std_ps, 1e-6);
  EXPECT_EQ(d.lda.fallback_packets(), 1u);
}

// A flow is final once every interval its packets entered has closed, and interval k closes
// at the first ingress of interval k + 2 or later: LDA is settled through the end of the last
// closed interval, and no longer at all once a closed interval left packets on the fallback.
// Also once a packet fell back on the run aggregate: its flow is settled all the same, with
// its estimate pending until finalize (FlowEstimator::estimate_pending).
TEST(Lda, SettledThroughTheLastClosedIntervalAlsoAfterAPacketFallsBack) {
  Driver d(fixed_sampling({1.0}, 1));  // one bucket: any drop spoils the interval
  const std::int64_t t = 1000 * kUs;
  EXPECT_EQ(d.lda.settled_through(), Time::max());  // nothing seen, nothing pending
  d.deliver(0, 100 * kUs, 10 * kUs);
  EXPECT_LT(d.lda.settled_through(), Time{100 * kUs});
  d.deliver(0, t + 500 * kUs, 10 * kUs);  // interval 1: interval 0 stays open
  EXPECT_LT(d.lda.settled_through(), Time{100 * kUs});
  d.deliver(1, 2 * t + 100 * kUs, 10 * kUs);  // interval 2 closes interval 0
  EXPECT_EQ(d.lda.settled_through(), Time{t - 1});
  d.deliver(1, 3 * t + 100 * kUs, 10 * kUs);  // closes interval 1
  EXPECT_EQ(d.lda.settled_through(), Time{2 * t - 1});
  d.drop(1, 3 * t + 200 * kUs);   // spoils interval 3, which still has a delivered packet
  d.deliver(2, 5 * t, 10 * kUs);  // closes 2 and 3
  EXPECT_EQ(d.lda.settled_through(), Time{4 * t - 1});
  d.lda.on_flow_final(0);
  d.lda.on_flow_final(1);
  EXPECT_FALSE(d.lda.estimate_pending(0));
  EXPECT_TRUE(d.lda.estimate_pending(1));  // its packet of interval 3 takes the aggregate
  EXPECT_TRUE(d.lda.estimate(0).has_value());
  d.lda.finalize();
  EXPECT_FALSE(d.lda.estimate_pending(1));
  EXPECT_EQ(d.lda.fallback_packets(), 1u);
}

TEST(Lda, SamplingRuleFollowsTheSendersCountOfThePreviousNonEmptyInterval) {
  LdaConfig c;
  c.buckets = 16;
  c.a = 0.1;  // a m = 1.6
  c.interval = core::microseconds(1000);
  Driver d(c);
  const std::int64_t t = 1000 * kUs;
  for (int i = 0; i < 20000; ++i)
    d.deliver(0, i * t / 20000, kUs);
  for (int i = 0; i < 4000; ++i)
    d.deliver(0, t + i * t / 4000, kUs);
  for (int i = 0; i < 10; ++i)
    d.deliver(0, 3 * t + i, kUs);
  d.lda.finalize();
  ASSERT_EQ(d.lda.intervals().size(), 4u);
  // Interval 0, L = 1e-5, 1e-4, 1e-3 x 100000 = 1, 10, 100.
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(0, 0), 0.8);
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(0, 1), 1.6 / 11);
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(0, 2), 1.6 / 101);
  // Interval 1 from 20000 packets: L = 0.2, 2, 20.
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(1, 0), 1.0);
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(1, 1), 1.6 / 3);
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(1, 2), 1.6 / 21);
  EXPECT_TRUE(std::isnan(d.lda.sampling_probability(2, 0)));
  // Interval 3 after the empty interval 2: from interval 1's 4000 packets, L = 4 for bank 2.
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(3, 1), 1.0);
  EXPECT_DOUBLE_EQ(d.lda.sampling_probability(3, 2), 1.6 / 5);
  EXPECT_DOUBLE_EQ(Lda::sampling_rule(0.5, 1024, 1e-3, 1'000'000), 512.0 / 1001);
  EXPECT_EQ(d.lda.cost().export_bytes, 4u * 3 * 16 * Lda::kBucketStateBytes);
  EXPECT_EQ(d.lda.cost().state_bytes, 2u * 3 * 16 * Lda::kBucketStateBytes * 2);
}

TEST(Lda, HashSamplingTakesTheConfiguredFractionAtBothTaps) {
  Driver d(fixed_sampling({0.25}, 64));
  for (int i = 0; i < 40000; ++i)
    d.deliver(static_cast<std::uint32_t>(i % 101), i * 10, kUs);
  d.lda.finalize();
  const LdaBankTotals& b = d.lda.bank_totals()[0];
  EXPECT_NEAR(static_cast<double>(b.sampled), 10000.0, 4 * std::sqrt(40000 * 0.25 * 0.75));
  EXPECT_EQ(b.received, b.sampled);
  EXPECT_EQ(d.lda.aggregate().sampled_packets, b.sampled);
}

TEST(Lda, ReferencePacketsAreIgnored) {
  Driver d(fixed_sampling({1.0}, 4));
  d.deliver(0, 0, 5);
  Packet ref;
  ref.kind = PacketKind::kReference;
  ref.arrival = Time{1};
  d.taps.pass(ref, 0, Time{1000});
  d.lda.finalize();
  EXPECT_EQ(d.lda.intervals().at(0).sent, 1u);
  EXPECT_EQ(d.lda.aggregate().mean_ps, 5.0);
}

TEST(Lda, CountersNameTheSummaryFields) {
  Driver d(fixed_sampling({1.0, 0.5}, 4));
  d.deliver(0, 0, 5);
  d.lda.finalize();
  std::vector<std::string> names;
  for (const NamedCounter& c : d.lda.counters())
    names.push_back(c.name);
  const std::vector<std::string> expected = {"intervals",        "intervals_without_estimate",
                                             "sampled_packets",  "usable_packets",
                                             "usable_buckets",   "total_buckets",
                                             "loss_rate",        "aggregate_mean_ns",
                                             "aggregate_std_ns", "sampling_bank0",
                                             "sampling_bank1",   "fallback_packets"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(d.lda.name(), "lda");
  EXPECT_TRUE(d.lda.estimates_std());
}

void expect_invalid(const LdaConfig& c, const std::string& field) {
  try {
    c.validate();
    ADD_FAILURE() << "accepted a bad " << field;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

TEST(LdaConfig, ValidateNamesTheField) {
  LdaConfig c;
  EXPECT_NO_THROW(c.validate());
  c.buckets = 0;
  expect_invalid(c, "buckets");
  c = {};
  c.design_loss_rates = {1e-4, 1.0};
  expect_invalid(c, "design_loss_rates[1]");
  c = {};
  c.design_loss_rates.clear();
  expect_invalid(c, "design_loss_rates");
  c = {};
  c.sampling = {0.5, 0.0};
  expect_invalid(c, "sampling[1]");
  c = {};
  c.a = 0;
  expect_invalid(c, "a must be in (0, 10]");
  c.a = 10.5;
  expect_invalid(c, "a must be in (0, 10]");
  c = {};
  c.interval = Time{0};
  expect_invalid(c, "interval");
  c = {};
  c.buckets = 1u << 22;
  expect_invalid(c, "banks x buckets");
  c = {};
  c.buckets = 0;
  EXPECT_THROW(Lda{c}, std::invalid_argument);
}

}  // namespace
}  // namespace rlisim::models::lda
