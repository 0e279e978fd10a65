#include "traces/analysis/profile_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "traces/synthetic/flow_generator.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::traces {
namespace {

TEST(CompactSizeHistogram, FoldsRareSizesIntoTheNearestKeptSize) {
  // 1000 packets, threshold 0.5 % = 5 packets: 40, 300 and 1500 are kept. 44 goes to 40;
  // 420 to 300 (120 B away rather than 1080); 900 is 600 B from both 300 and 1500 and goes to
  // the smaller.
  const std::map<std::uint32_t, std::uint64_t> counts = {{40, 500}, {44, 2},  {300, 200},
                                                         {420, 4},  {900, 4}, {1500, 290}};
  const auto mix = compact_size_histogram(counts, 0.005);
  ASSERT_EQ(mix.size(), 3u);
  EXPECT_EQ(mix[0].wire_bytes, 40u);
  EXPECT_EQ(mix[0].probability, 502);
  EXPECT_EQ(mix[1].wire_bytes, 300u);
  EXPECT_EQ(mix[1].probability, 208);
  EXPECT_EQ(mix[2].wire_bytes, 1500u);
  EXPECT_EQ(mix[2].probability, 290);
}

TEST(CompactSizeHistogram, KeepsTheMostFrequentSizeWhenNoneReachesTheShare) {
  const auto mix = compact_size_histogram({{100, 1}, {200, 3}, {300, 2}}, 0.9);
  ASSERT_EQ(mix.size(), 1u);
  EXPECT_EQ(mix[0].wire_bytes, 200u);
  EXPECT_EQ(mix[0].probability, 6);
  EXPECT_TRUE(compact_size_histogram({}, 0.005).empty());
}

// ln of the truncated Pareto density, written out independently of the fitter.
double log_likelihood(const std::vector<double>& x, double low, double high, double alpha) {
  double sum = 0;
  for (double v : x) {
    sum += std::log(alpha * std::pow(low, alpha) * std::pow(v, -alpha - 1) /
                    (1 - std::pow(low / high, alpha)));
  }
  return sum;
}

TEST(TruncatedParetoMle, MatchesABruteForceLikelihoodMaximisation) {
  const std::vector<double> x = {1, 1, 2, 1, 3, 7, 1, 2, 15, 4, 1, 1, 2, 40, 1, 5, 2, 1, 9, 100};
  const double low = 1;
  const double high = 100;
  const auto alpha = truncated_pareto_alpha_mle(x, low, high);
  ASSERT_TRUE(alpha.has_value());
  double best = 0;
  double best_ll = -1e300;
  for (double a = 0.001; a < 5; a += 0.0005) {
    const double ll = log_likelihood(x, low, high, a);
    if (ll > best_ll) {
      best_ll = ll;
      best = a;
    }
  }
  EXPECT_NEAR(*alpha, best, 0.001);
}

TEST(TruncatedParetoMle, IsHillsClosedFormWithoutTruncation) {
  const std::vector<double> x = {5, 6, 8, 13, 5, 7, 30, 5, 11, 9};
  double s = 0;
  for (double v : x)
    s += std::log(v / 5);
  const auto alpha = truncated_pareto_alpha_mle(x, 5, std::numeric_limits<double>::infinity());
  ASSERT_TRUE(alpha.has_value());
  EXPECT_DOUBLE_EQ(*alpha, 10 / s);
  // A very high bound barely changes it.
  EXPECT_NEAR(*truncated_pareto_alpha_mle(x, 5, 1e12), 10 / s, 1e-6);
  EXPECT_FALSE(truncated_pareto_alpha_mle(std::vector<double>{5, 5, 5}, 5, 10).has_value());
  EXPECT_THROW((void)truncated_pareto_alpha_mle(x, 0, 10), std::invalid_argument);
}

// Feeds `config`'s trace straight from the generator into a fitter.
ProfileFit fit_generated(const SyntheticTrafficConfig& config) {
  FlowGenerator generator(config);
  ProfileFitter fitter;
  core::Packet p;
  while (generator.next(p))
    fitter.add(p);
  return fitter.fit("generated");
}

SyntheticTrafficConfig known_config(std::uint64_t seed) {
  SyntheticTrafficConfig c = profile("default");
  c.seed = seed;
  c.rate = core::BitsPerSecond{20'000'000};
  c.duration = core::seconds(60);
  c.flow_size.alpha = 1.3;
  c.flow_size.min_packets = 5;
  c.flow_size.max_packets = 1000;
  c.size_mix = SizeMix({{40, 0.4}, {576, 0.2}, {1500, 0.4}}, "trimodal-test");
  c.tcp_fraction = 0.7;
  // Short, fast connections: no flow outlasts the warm-up or is cut, so every flow is seen
  // whole (except those crossing the trace's two ends, a few milliseconds' worth).
  c.tcp.rtt_median = core::milliseconds(1);
  c.tcp.rtt_sigma = 0;
  c.tcp.app_limited_fraction = 0;
  c.pacing.min_bps = 1e7;
  c.pacing.median_bps = 1e8;
  c.pacing.max_bps = 1e9;
  c.udp.on_off_fraction = 0;
  return c;
}

TEST(ProfileFitter, RecoversTheParametersOfAGeneratedTrace) {
  for (std::uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(seed);
    const auto config = known_config(seed);
    const ProfileFit fit = fit_generated(config);
    const auto& c = fit.config;
    // Flow sizes: the smallest flow is x_m, and alpha is within 4 standard errors of the
    // truth (the asymptotic spread of the MLE with this many flows).
    EXPECT_EQ(c.flow_size.min_packets, 5);
    EXPECT_LE(c.flow_size.max_packets, 1001);
    const double se = truncated_pareto_alpha_standard_error(fit.flows, 5, 1000, 1.3);
    EXPECT_NEAR(c.flow_size.alpha, 1.3, 4 * se) << "flows " << fit.flows << ", se " << se;
    // Exactly the trimodal support; 576 vs 1500 in the configured 1:2 ratio (binomial sd).
    ASSERT_EQ(c.size_mix.entries().size(), 3u);
    EXPECT_EQ(c.size_mix.entries()[0].wire_bytes, 40u);
    EXPECT_EQ(c.size_mix.entries()[1].wire_bytes, 576u);
    EXPECT_EQ(c.size_mix.entries()[2].wire_bytes, 1500u);
    const double p576 = c.size_mix.probability(576);
    const double p1500 = c.size_mix.probability(1500);
    const double share = p576 / (p576 + p1500);
    const double data_packets = static_cast<double>(fit.packets) * (p576 + p1500);
    EXPECT_NEAR(share, 1.0 / 3, 4 * std::sqrt(2.0 / 9 / data_packets));
    // The header-only share is the configured one up to the generator's own approximation.
    EXPECT_NEAR(c.size_mix.probability(40), 0.4, 0.03);
    // TCP share of data flows (binomial sd over the data flows, at most fit.flows).
    const double data_flows = static_cast<double>(fit.flows) * 0.6;
    EXPECT_NEAR(c.tcp_fraction, 0.7, 4 * std::sqrt(0.21 / data_flows));
    EXPECT_TRUE(c.tcp.ack_streams);
    // Fast connections that never wait for their application: none is application-limited.
    EXPECT_EQ(c.tcp.app_limited_fraction, 0) << "no data pause of 200 ms in this trace";
    // Rate and duration of the trace itself.
    EXPECT_NEAR(core::to_seconds(c.duration), 60, 0.1);
    EXPECT_NEAR(static_cast<double>(c.rate.value), 2e7, 0.05 * 2e7);
  }
}

// A raw-IP pcap (LINKTYPE_RAW) of header-only IPv4/TCP packets.
class RawPcap {
 public:
  explicit RawPcap(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    const std::uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101};
    std::fwrite(header, sizeof header, 1, file_);
  }
  ~RawPcap() { std::fclose(file_); }
  RawPcap(const RawPcap&) = delete;
  RawPcap& operator=(const RawPcap&) = delete;

  // `us` microseconds; addresses and ports of the client and server; TCP flags byte.
  void tcp(std::int64_t us, bool from_client, std::uint8_t flags, std::uint8_t host) {
    std::uint8_t p[40] = {};
    p[0] = 0x45;
    p[3] = 40;
    p[8] = 64;
    p[9] = 6;
    const std::uint8_t client[4] = {10, 0, 0, host};
    const std::uint8_t server[4] = {192, 0, 2, 1};
    for (int i = 0; i < 4; ++i) {
      p[12 + i] = from_client ? client[i] : server[i];
      p[16 + i] = from_client ? server[i] : client[i];
    }
    const std::uint16_t cport = 40000;
    const std::uint16_t sport = 80;
    const std::uint16_t src = from_client ? cport : sport;
    const std::uint16_t dst = from_client ? sport : cport;
    p[20] = static_cast<std::uint8_t>(src >> 8);
    p[21] = static_cast<std::uint8_t>(src);
    p[22] = static_cast<std::uint8_t>(dst >> 8);
    p[23] = static_cast<std::uint8_t>(dst);
    p[32] = 0x50;  // data offset 5 words
    p[33] = flags;
    const std::uint32_t rec[4] = {static_cast<std::uint32_t>(us / 1'000'000),
                                  static_cast<std::uint32_t>(us % 1'000'000), 40, 40};
    std::fwrite(rec, sizeof rec, 1, file_);
    std::fwrite(p, sizeof p, 1, file_);
  }

 private:
  std::FILE* file_;
};

TEST(ProfileFitter, TakesTheRttFromSynToTheClientsAck) {
  const auto path =
      (std::filesystem::temp_directory_path() / "rlisim_profile_fit_handshake.pcap").string();
  {
    RawPcap pcap(path);
    constexpr std::uint8_t kSyn = 0x02, kSynAck = 0x12, kAck = 0x10;
    // Connection 1: SYN at 1 s, SYN-ACK 30 ms later, ACK 20 ms after that: RTT 50 ms.
    pcap.tcp(1'000'000, true, kSyn, 1);
    pcap.tcp(1'030'000, false, kSynAck, 1);
    pcap.tcp(1'050'000, true, kAck, 1);
    // Connection 2 (another client): 10 ms server side, 80 ms client side: RTT 90 ms.
    pcap.tcp(2'000'000, true, kSyn, 2);
    pcap.tcp(2'010'000, false, kSynAck, 2);
    pcap.tcp(2'090'000, true, kAck, 2);
    // A SYN never answered gives no sample.
    pcap.tcp(3'000'000, true, kSyn, 3);
  }
  const ProfileFit fit = fit_capture(path);
  std::filesystem::remove(path);
  const auto& t = fit.config.tcp;
  EXPECT_NEAR(core::to_seconds(t.rtt_median), std::sqrt(0.05 * 0.09), 1e-6);
  EXPECT_NEAR(t.rtt_sigma, std::log(0.09 / 0.05) / std::sqrt(2.0), 1e-9);
  EXPECT_EQ(t.rtt_min, core::milliseconds(50));
  EXPECT_EQ(t.rtt_max, core::milliseconds(90));
  // Every packet is header-only: the mix is 40 B only, and the two handshake ACKs are pure ACKs
  // against five SYNs / SYN-ACKs, so ACK streams are off.
  ASSERT_EQ(fit.config.size_mix.entries().size(), 1u);
  EXPECT_EQ(fit.config.size_mix.entries()[0].wire_bytes, 40u);
  EXPECT_FALSE(fit.config.tcp.ack_streams);
}

TEST(ProfileFitter, ClassifiesConnectionsThatPauseAsApplicationLimited) {
  // Four TCP data flows of 12 segments of 1000 B, added in time order: flows 0 and 1 pause
  // once (300 ms) and twice (250 ms each), flows 2 and 3 only ever wait 150 ms (below the
  // 200 ms threshold). So 2 of 4 are application-limited, and their bursts average
  // (12 000 + 12 000) B over (2 + 3) bursts = 4800 B.
  struct Event {
    std::int64_t ms;
    std::uint32_t flow;
  };
  std::vector<Event> events;
  const std::vector<std::vector<int>> pauses_after{{6}, {4, 8}, {}, {}};
  for (std::uint32_t f = 0; f < 4; ++f) {
    std::int64_t t = f;  // distinct start times
    for (int i = 0; i < 12; ++i) {
      events.push_back({t, f});
      bool pause = false;
      for (int k : pauses_after[f])
        pause = pause || k == i + 1;
      t += pause ? (f == 0 ? 300 : 250) : (f >= 2 ? 150 : 1);
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ms < b.ms; });
  ProfileFitter fitter;
  for (const Event& e : events) {
    core::Packet p;
    p.flow = core::FlowKey::ipv4(0x0a000001 + e.flow, 0xc0000201, 40000, 443, 6);
    p.wire_bytes = 1000;
    p.tcp = core::tcp_mark::kData;
    p.arrival = core::milliseconds(e.ms);
    fitter.add(p);
  }
  const ProfileFit fit = fitter.fit("hand");
  EXPECT_DOUBLE_EQ(fit.config.tcp.app_limited_fraction, 0.5);
  EXPECT_DOUBLE_EQ(fit.config.tcp.app_burst_bytes, 4800);
}

TEST(ProfileFitter, RefusesACaptureWithoutTcpOrUdp) {
  ProfileFitter fitter;
  core::Packet p;
  p.flow.protocol = 1;
  p.wire_bytes = 84;
  fitter.add(p);
  EXPECT_THROW((void)fitter.fit("icmp"), core::ConfigError);
}

TEST(ProfileFitter, TakesAGapOfMonthsBetweenSegmentsOfOneFlow) {
  // The gap between two data segments is compared with train_gap without overflowing.
  ProfileFitter fitter;
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x0a000001, 0xc0000201, 40000, 443, 6);
  p.wire_bytes = 1000;
  p.tcp = core::tcp_mark::kData;
  fitter.add(p, core::TraceTime{0});
  fitter.add(p, core::TraceTime{std::int64_t{200} * 86'400 * 1'000'000'000});
  EXPECT_THROW((void)fitter.fit("months"), core::ConfigError);
}

TEST(ProfileFitter, RefusesASpanBeyondAGeneratedTraceAndNamesMaxGap) {
  // 1kxun-dirty jumps 5.8 years between two records: its fitted duration and times would not
  // fit simulation time (int64 ps).
  const std::string dirty = std::string(RLISIM_SOURCE_DIR) + "/traces/samples/1kxun-dirty.pcap";
  try {
    (void)fit_capture(dirty);
    ADD_FAILURE() << "a 5.8-year capture was fitted";
  } catch (const core::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("max_gap"), std::string::npos) << e.what();
  }
  const ProfileFit fit = fit_capture(dirty, core::TraceTime{1'000'000'000});
  EXPECT_LE(fit.config.duration, kMaxTrafficDuration);
}

}  // namespace
}  // namespace rlisim::traces
