// Traffic statistics against hand-worked streams, a Poisson stream, a direct (non-streaming)
// aggregated-variance computation, and a committed capture through the pcap path.

#include "traces/analysis/traffic_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "traces/pcap/pcap_reader.hpp"
#include "traces/pcap/trace_stats.hpp"
#include "traces/synthetic/flow_generator.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/writer/write_synthetic_trace.hpp"

namespace rlisim::traces {
namespace {

using ::testing::HasSubstr;

core::Packet packet(core::Time at, std::uint16_t src_port, std::uint32_t bytes) {
  core::Packet p;
  p.arrival = at;
  p.flow = core::FlowKey::ipv4(0x0a000001, 0x0a000002, src_port, 80, 6);
  p.wire_bytes = bytes;
  return p;
}

// `n` packets of one flow, `gap` apart from `start`, `bytes` each.
std::vector<core::Packet> cbr(int n, core::Time start, core::Time gap, std::uint32_t bytes,
                              std::uint16_t port = 1) {
  std::vector<core::Packet> out;
  for (int i = 0; i < n; ++i)
    out.push_back(packet(start + gap * i, port, bytes));
  return out;
}

std::vector<core::Packet> merged(std::vector<core::Packet> a, const std::vector<core::Packet>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::stable_sort(a.begin(), a.end(), [](const core::Packet& x, const core::Packet& y) {
    return x.arrival < y.arrival;
  });
  return a;
}

TEST(LinearQuantile, MatchesNumpyLinearByHand) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(linear_quantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(linear_quantile(v, 0.1), 1.3);    // h = 0.3
  EXPECT_DOUBLE_EQ(linear_quantile(v, 0.5), 2.5);    // h = 1.5
  EXPECT_DOUBLE_EQ(linear_quantile(v, 0.9), 3.7);    // h = 2.7
  EXPECT_DOUBLE_EQ(linear_quantile(v, 0.99), 3.97);  // h = 2.97
  EXPECT_DOUBLE_EQ(linear_quantile(v, 1.0), 4.0);
  const std::vector<double> one = {7.5};
  EXPECT_DOUBLE_EQ(linear_quantile(one, 0.3), 7.5);
  const std::vector<double> odd = {10, 20, 40};
  EXPECT_DOUBLE_EQ(linear_quantile(odd, 0.5), 20.0);
  EXPECT_DOUBLE_EQ(linear_quantile(odd, 0.75), 30.0);  // h = 1.5
}

TEST(LinearQuantile, RejectsEmptyInputAndOutOfRangeQ) {
  EXPECT_THROW(linear_quantile(std::vector<double>{}, 0.5), std::invalid_argument);
  const std::vector<double> v = {1, 2};
  try {
    linear_quantile(v, 1.5);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("q must be in [0, 1], got 1.5"));
  }
}

TEST(TrafficStatistics, RejectsInvalidOptionsWithMessages) {
  try {
    TrafficStatistics s({.train_gap = core::Time{-1}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("train_gap must be >= 0"));
  }
  try {
    TrafficStatistics s({.burstiness_bins = {core::Time{0}}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("bin widths must be > 0"));
  }
  try {
    TrafficStatistics s({.flow_classes = {0}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("at least 1 packet"));
  }
}

TEST(TrafficStatistics, RejectsPacketsOutOfTimeOrder) {
  TrafficStatistics s;
  s.add(packet(core::milliseconds(2), 1, 100));
  try {
    s.add(packet(core::milliseconds(1), 1, 100));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("1000000000 ps earlier"));
  }
}

// One flow, a packet every 0.5 ms over [0, 1 s]: every complete bin holds the same count.
TEST(TrafficStatistics, ConstantBitRateHasNoBurstinessAndIsOneTrain) {
  const auto packets = cbr(2001, core::Time{0}, core::microseconds(500), 100);
  const TrafficStatisticsReport r = compute_traffic_statistics(packets);
  EXPECT_EQ(r.packets, 2001u);
  EXPECT_EQ(r.flows, 1u);
  EXPECT_DOUBLE_EQ(r.duration_s, 1.0);
  ASSERT_EQ(r.burstiness.size(), 3u);
  const std::uint64_t bins[] = {1000, 100, 10};
  const double per_bin[] = {2, 20, 200};
  for (std::size_t i = 0; i < 3; ++i) {
    const BurstinessAtScale& b = r.burstiness[i];
    EXPECT_EQ(b.bins, bins[i]);  // the bin holding the packet at 1 s is partial: dropped
    EXPECT_DOUBLE_EQ(b.packets_mean, per_bin[i]);
    EXPECT_DOUBLE_EQ(b.bytes_mean, 100 * per_bin[i]);
    ASSERT_TRUE(b.packets_idc && b.packets_cov && b.bytes_idc && b.bytes_cov);
    EXPECT_DOUBLE_EQ(*b.packets_idc, 0.0);
    EXPECT_DOUBLE_EQ(*b.packets_cov, 0.0);
    EXPECT_DOUBLE_EQ(*b.bytes_idc, 0.0);
    EXPECT_DOUBLE_EQ(*b.bytes_cov, 0.0);
  }
  // Every level has zero variance: nothing to fit.
  EXPECT_EQ(r.hurst.levels, 0u);
  EXPECT_FALSE(r.hurst.h);
  ASSERT_EQ(r.flow_classes.size(), 2u);
  for (const FlowClassStatistics& c : r.flow_classes) {
    EXPECT_EQ(c.flows, 1u);
    EXPECT_EQ(c.packets, 2001u);
    ASSERT_TRUE(c.median_gap_cov && c.train_share && c.duration_s && c.rate_bps);
    EXPECT_NEAR(*c.median_gap_cov, 0.0, 1e-12);
    EXPECT_DOUBLE_EQ(*c.train_share, 1.0);  // 0.5 ms <= 1 ms
    EXPECT_DOUBLE_EQ(c.duration_s->p10, 1.0);
    EXPECT_DOUBLE_EQ(c.duration_s->p99, 1.0);
    EXPECT_DOUBLE_EQ(c.rate_bps->p50, 8.0 * 2001 * 100);
  }
  EXPECT_EQ(r.top_flows, 1u);
  EXPECT_DOUBLE_EQ(*r.top1pct_byte_share, 1.0);
}

TEST(TrafficStatistics, GapsLongerThanTheTrainGapMakeNoTrainsAndEqualOnesDo) {
  const auto sparse =
      compute_traffic_statistics(cbr(50, core::Time{0}, core::microseconds(1001), 64));
  EXPECT_DOUBLE_EQ(*sparse.flow_classes[0].train_share, 0.0);
  const auto equal = compute_traffic_statistics(cbr(50, core::Time{0}, core::milliseconds(1), 64));
  EXPECT_DOUBLE_EQ(*equal.flow_classes[0].train_share, 1.0);  // <= is inclusive
}

// Bins with alternately 1 and 3 packets: mean 2, population variance 1.
TEST(TrafficStatistics, AlternatingBinsGiveHandComputedDispersion) {
  std::vector<core::Packet> packets;
  for (int k = 0; k < 10; ++k) {
    const int n = k % 2 == 0 ? 1 : 3;
    for (int i = 0; i < n; ++i) {
      packets.push_back(packet(core::milliseconds(k) + core::microseconds(100 * i),
                               static_cast<std::uint16_t>(i), 10 * (i + 1)));
    }
  }
  packets.push_back(packet(core::milliseconds(10), 9, 10));  // closes bin 9, itself dropped
  const auto r = compute_traffic_statistics(packets);
  const BurstinessAtScale& b = r.burstiness[0];
  EXPECT_EQ(b.bins, 10u);
  EXPECT_DOUBLE_EQ(b.packets_mean, 2.0);
  EXPECT_DOUBLE_EQ(*b.packets_idc, 0.5);
  EXPECT_DOUBLE_EQ(*b.packets_cov, 0.5);
  // Bytes per bin: 10 and 10 + 20 + 30 = 60: mean 35, variance 625.
  EXPECT_DOUBLE_EQ(b.bytes_mean, 35.0);
  EXPECT_DOUBLE_EQ(*b.bytes_idc, 625.0 / 35.0);
  EXPECT_DOUBLE_EQ(*b.bytes_cov, 25.0 / 35.0);
  // Empty bins count: the same packets with a 5 ms silence inside.
  std::vector<core::Packet> holey = {packet(core::Time{0}, 1, 100),
                                     packet(core::milliseconds(5) + core::microseconds(1), 1, 100),
                                     packet(core::milliseconds(6), 1, 100)};
  const auto h = compute_traffic_statistics(holey);
  // Bins 0..5: counts 1, 0, 0, 0, 0, 1: mean 1/3, variance 2/9.
  EXPECT_EQ(h.burstiness[0].bins, 6u);
  EXPECT_DOUBLE_EQ(*h.burstiness[0].packets_idc, 2.0 / 3.0);
}

// Flow A: 10 packets, gaps 1,3,3,1,3,3,1,3,3 ms, 1000 B; flow B: 12 packets 0.5 ms apart,
// 100 B; flow C: 5 packets (in no class), 50 B. Train gap 2 ms.
TEST(TrafficStatistics, PerFlowStatisticsMatchHandValues) {
  std::vector<core::Packet> a;
  core::Time t{0};
  const int gaps_ms[] = {1, 3, 3, 1, 3, 3, 1, 3, 3};
  a.push_back(packet(t, 1, 1000));
  for (const int g : gaps_ms) {
    t += core::milliseconds(g);
    a.push_back(packet(t, 1, 1000));
  }
  const auto b = cbr(12, core::microseconds(250), core::microseconds(500), 100, 2);
  const auto c = cbr(5, core::microseconds(100), core::milliseconds(2), 50, 3);
  const auto packets = merged(merged(a, b), c);
  TrafficStatistics stats({.train_gap = core::milliseconds(2)});
  for (const core::Packet& p : packets)
    stats.add(p);
  const auto r = stats.report();
  EXPECT_EQ(r.flows, 3u);
  const FlowClassStatistics& ge10 = r.flow_classes[0];
  EXPECT_EQ(ge10.min_packets, 10u);
  EXPECT_EQ(ge10.flows, 2u);
  EXPECT_EQ(ge10.packets, 22u);
  // A: mean gap 7/3 ms, population variance 19/3 - 49/9 = 8/9: CoV sqrt(8)/7; B: 0.
  EXPECT_EQ(ge10.flows_with_gap_cov, 2u);
  EXPECT_NEAR(*ge10.median_gap_cov, std::sqrt(8.0) / 7.0 / 2.0, 1e-12);
  // A: the 1 ms gaps put packets 0,1, 3,4, 6,7 in trains (6); B: all 12.
  EXPECT_DOUBLE_EQ(*ge10.train_share, 18.0 / 22.0);
  // Durations 5.5 ms (B) and 21 ms (A).
  EXPECT_NEAR(ge10.duration_s->p10, 0.0055 + 0.1 * 0.0155, 1e-15);
  EXPECT_NEAR(ge10.duration_s->p50, 0.01325, 1e-15);
  EXPECT_NEAR(ge10.duration_s->p90, 0.0055 + 0.9 * 0.0155, 1e-15);
  EXPECT_NEAR(ge10.duration_s->p99, 0.0055 + 0.99 * 0.0155, 1e-15);
  const double rate_a = 8.0 * 10000 / 0.021;
  const double rate_b = 8.0 * 1200 / 0.0055;
  EXPECT_EQ(ge10.flows_with_duration, 2u);
  EXPECT_NEAR(ge10.rate_bps->p50, (rate_a + rate_b) / 2, 1e-6);
  EXPECT_NEAR(ge10.rate_bps->p10, rate_b + 0.1 * (rate_a - rate_b), 1e-6);
  const FlowClassStatistics& ge100 = r.flow_classes[1];
  EXPECT_EQ(ge100.flows, 0u);
  EXPECT_FALSE(ge100.median_gap_cov);
  EXPECT_FALSE(ge100.train_share);
  EXPECT_FALSE(ge100.duration_s);
  EXPECT_FALSE(ge100.rate_bps);
  // 3 flows: the top ceil(0.03) = 1 flow is A.
  EXPECT_EQ(r.top_flows, 1u);
  EXPECT_DOUBLE_EQ(*r.top1pct_byte_share, 10000.0 / (10000 + 1200 + 250));
}

TEST(TrafficStatistics, TopOnePercentTakesTheCeilingOfFlows) {
  // 150 flows, flow i one packet of 10 i bytes: the top ceil(1.5) = 2 flows carry 1500 + 1490.
  std::vector<core::Packet> packets;
  for (int i = 1; i <= 150; ++i)
    packets.push_back(packet(core::microseconds(i), static_cast<std::uint16_t>(i), 10 * i));
  const auto r = compute_traffic_statistics(packets);
  EXPECT_EQ(r.top_flows, 2u);
  EXPECT_DOUBLE_EQ(*r.top1pct_byte_share, 2990.0 / (10.0 * 150 * 151 / 2));
  // Single-packet flows have no gaps and no duration.
  EXPECT_EQ(r.flow_classes[0].flows, 0u);
}

TEST(TrafficStatistics, TooShortTracesReportAbsentValues) {
  const auto empty = compute_traffic_statistics({});
  EXPECT_EQ(empty.packets, 0u);
  EXPECT_FALSE(empty.top1pct_byte_share);
  EXPECT_FALSE(empty.burstiness[0].packets_idc);
  const auto one = compute_traffic_statistics(cbr(1, core::Time{0}, core::Time{0}, 100));
  EXPECT_EQ(one.burstiness[0].bins, 0u);
  EXPECT_FALSE(one.burstiness[0].packets_idc);
  EXPECT_FALSE(one.hurst.h);
  // 2.5 ms: two complete 1 ms bins (present), no complete 10 ms bin (absent).
  const auto short_trace =
      compute_traffic_statistics(cbr(6, core::Time{0}, core::microseconds(500), 100));
  EXPECT_EQ(short_trace.burstiness[0].bins, 2u);
  EXPECT_TRUE(short_trace.burstiness[0].packets_idc);
  EXPECT_EQ(short_trace.burstiness[1].bins, 0u);
  EXPECT_FALSE(short_trace.burstiness[1].packets_idc);
  EXPECT_FALSE(short_trace.burstiness[1].bytes_cov);
  // 1.5 ms: one complete bin is not enough.
  const auto one_bin =
      compute_traffic_statistics(cbr(4, core::Time{0}, core::microseconds(500), 100));
  EXPECT_EQ(one_bin.burstiness[0].bins, 1u);
  EXPECT_FALSE(one_bin.burstiness[0].packets_idc);
  const nlohmann::json j = traffic_statistics_json(one_bin);
  EXPECT_TRUE(j["burstiness"]["1ms"]["packets_idc"].is_null());
  EXPECT_TRUE(j["hurst"]["h"].is_null());
  EXPECT_TRUE(j["flow_classes"]["ge10"]["duration_s"].is_null());
}

// Poisson arrivals at 100 k packets/s for 10 s, sizes 40 or 1500 B with equal odds. Counts
// per bin are Poisson, so IDC = 1 and bytes IDC = E[S^2] / E[S] = 1125800 / 770 B. Sampling
// spread of the IDC over K bins with mean lambda: sd ~ sqrt(2 / K + 1 / (lambda K)), i.e.
// 0.014 / 0.045 / 0.14 at 1 / 10 / 100 ms; tolerances are 4 sd.
TEST(TrafficStatistics, PoissonStreamHasUnitDispersionAndHurstOneHalf) {
  std::mt19937_64 rng(20240611);
  std::exponential_distribution<double> gap_s(100'000.0);
  std::bernoulli_distribution big(0.5);
  std::uniform_int_distribution<int> port(0, 999);  // thinning: each flow is Poisson too
  TrafficStatistics stats;
  double t = 0;
  while (t < 10.0) {
    core::Packet p = packet(core::Time{static_cast<std::int64_t>(t * 1e12)},
                            static_cast<std::uint16_t>(port(rng)), big(rng) ? 1500 : 40);
    stats.add(p);
    t += gap_s(rng);
  }
  const auto r = stats.report();
  const double tolerance[] = {4 * 0.0142, 4 * 0.045, 4 * 0.142};
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(r.burstiness[i].packets_idc);
    EXPECT_NEAR(*r.burstiness[i].packets_idc, 1.0, tolerance[i]) << i;
  }
  EXPECT_NEAR(*r.burstiness[0].packets_cov, 1.0 / std::sqrt(100.0), 0.001);
  // Compound Poisson: relative spread about sqrt(2 / K) plus the size kurtosis; 5 % at 1 ms.
  EXPECT_NEAR(*r.burstiness[0].bytes_idc / (1125800.0 / 770.0), 1.0, 0.05);
  // K = 9999 base bins: levels m = 1 .. 512 (19 blocks); H of uncorrelated counts is 0.5.
  EXPECT_EQ(r.hurst.levels, 10u);
  EXPECT_EQ(r.hurst.min_scale_ms, 1.0);
  EXPECT_EQ(r.hurst.max_scale_ms, 512.0);
  ASSERT_TRUE(r.hurst.h);
  EXPECT_NEAR(*r.hurst.h, 0.5, 0.1);
  // 1000 Poisson flows of about 1000 packets (100 /s): exponential gaps have CoV 1, and a
  // packet is outside trains when both its gaps exceed 1 ms, probability exp(-0.2).
  EXPECT_EQ(r.flow_classes[1].flows, 1000u);
  EXPECT_NEAR(*r.flow_classes[1].median_gap_cov, 1.0, 0.1);
  EXPECT_NEAR(*r.flow_classes[1].train_share, 1.0 - std::exp(-0.2), 0.005);
}

// The streaming Hurst fit equals a direct computation over stored 1 ms counts.
TEST(TrafficStatistics, HurstFitMatchesADirectAggregatedVariance) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> count(0, 6);
  const int base_bins = 300;
  std::vector<double> counts;
  std::vector<core::Packet> packets;
  for (int k = 0; k < base_bins; ++k) {
    // At least one packet per bin, so the first packet starts bin 0; plus slow structure.
    const int c = 1 + count(rng) + (k / 50) % 2 * 3;
    counts.push_back(c);
    for (int i = 0; i < c; ++i)
      packets.push_back(packet(core::milliseconds(k) + core::microseconds(10 * i), 1, 100));
  }
  packets.push_back(packet(core::milliseconds(base_bins), 1, 100));  // ends bin 299
  const auto r = compute_traffic_statistics(packets);
  std::vector<double> xs;
  std::vector<double> ys;
  for (int m = 1; base_bins / m >= 16; m *= 2) {
    const int blocks = base_bins / m;
    std::vector<double> means;
    for (int j = 0; j < blocks; ++j) {
      double sum = 0;
      for (int i = 0; i < m; ++i)
        sum += counts[static_cast<std::size_t>(j * m + i)];
      means.push_back(sum / m);
    }
    double mean = 0;
    for (const double v : means)
      mean += v / blocks;
    double var = 0;
    for (const double v : means)
      var += (v - mean) * (v - mean) / blocks;
    xs.push_back(std::log(m));
    ys.push_back(std::log(var));
  }
  ASSERT_EQ(xs.size(), 5u);  // m = 1, 2, 4, 8, 16 (18 blocks); 32 leaves 9
  const double n = static_cast<double>(xs.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sx += xs[i];
    sy += ys[i];
    sxx += xs[i] * xs[i];
    sxy += xs[i] * ys[i];
  }
  const double beta = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_EQ(r.hurst.levels, 5u);
  EXPECT_EQ(r.hurst.max_scale_ms, 16.0);
  ASSERT_TRUE(r.hurst.beta);
  EXPECT_NEAR(*r.hurst.beta, beta, 1e-9);
  EXPECT_NEAR(*r.hurst.h, 1 + beta / 2, 1e-9);
}

TEST(TrafficStatistics, CaptureTimesBeyondInt64PicosecondsWork) {
  // Two packets 200 days apart (beyond int64 ps), then a 1 ms CBR burst.
  TrafficStatistics stats;
  const core::TraceTime day{86'400'000'000'000};
  stats.add(packet(core::Time{0}, 1, 100), core::TraceTime{0});
  for (int i = 0; i < 11; ++i) {
    stats.add(packet(core::Time{0}, 1, 100), day * 200 + core::TraceTime{1'000'000} * i);
  }
  const auto r = stats.report();
  EXPECT_NEAR(r.duration_s, 200 * 86400.0 + 0.01, 1e-6);
  EXPECT_EQ(r.burstiness[2].bins, 172'800'000u);  // 200 days of 100 ms bins, the last partial
  ASSERT_TRUE(r.burstiness[2].packets_idc);
  EXPECT_EQ(r.flow_classes[0].flows, 1u);
  EXPECT_NEAR(r.flow_classes[0].duration_s->p50, 200 * 86400.0 + 0.01, 1e-6);
}

TEST(TrafficStatistics, HurstLevelsOfADecadesLongCaptureAreReportedInMilliseconds) {
  // 20 years (630,720,000,000 complete 1 ms bins): every level's first block holds the first
  // packet and the rest are empty, so all levels with >= 16 blocks have variance, up to
  // m = 2^35 ms (18 blocks; 2^36 leaves 9).
  TrafficStatistics stats;
  const core::TraceTime year{365LL * 86'400'000'000'000};
  stats.add(packet(core::Time{0}, 1, 100), core::TraceTime{0});
  stats.add(packet(core::Time{0}, 1, 100), year * 20);
  const auto r = stats.report();
  EXPECT_EQ(r.burstiness[0].bins, 630'720'000'000u);
  EXPECT_EQ(r.hurst.levels, 36u);
  EXPECT_EQ(r.hurst.min_scale_ms, 1.0);
  EXPECT_EQ(r.hurst.max_scale_ms, std::ldexp(1.0, 35));
  ASSERT_TRUE(r.hurst.h);
}

TEST(TrafficStatistics, PrintersShowEveryBlockAndTheComparisonTable) {
  const auto a = compute_traffic_statistics(cbr(2001, core::Time{0}, core::microseconds(500), 100));
  const auto b = compute_traffic_statistics(cbr(5, core::Time{0}, core::microseconds(500), 100));
  const std::string text = format_traffic_statistics_text(a);
  EXPECT_THAT(text, HasSubstr("Burstiness"));
  EXPECT_THAT(text, HasSubstr("Flows"));
  EXPECT_THAT(text, HasSubstr(">= 100 pkts"));
  const std::string table = format_traffic_statistics_comparison(a, b);
  EXPECT_THAT(table, HasSubstr("statistic"));
  EXPECT_THAT(table, HasSubstr("capture"));
  EXPECT_THAT(table, HasSubstr("generated"));
  EXPECT_THAT(table, HasSubstr("100ms packets IDC"));
  EXPECT_THAT(table, ::testing::ContainsRegex("\nwire bytes +\\| +200100 \\| +500 *\n"));
  // b has no complete 100 ms bin: its column shows "-".
  EXPECT_THAT(table, ::testing::ContainsRegex("100ms packets IDC +\\| +0 \\| +- *\n"));
  const nlohmann::json j = traffic_statistics_json(a);
  EXPECT_EQ(j["burstiness"]["10ms"]["bins"].get<std::uint64_t>(), 100u);
  EXPECT_EQ(j["flow_classes"]["ge100"]["flows"].get<std::uint64_t>(), 1u);
  EXPECT_DOUBLE_EQ(j["top1pct_byte_share"].get<double>(), 1.0);
}

TEST(TrafficStatisticsPcap, CommittedCaptureGainsTheNewJsonFields) {
  PcapReader reader(std::string(RLISIM_SOURCE_DIR) + "/traces/samples/gnutella.pcap");
  const TraceStats s = compute_trace_stats(reader);
  EXPECT_EQ(s.traffic.packets, s.packets);
  EXPECT_EQ(s.traffic.flows, s.flows);
  const nlohmann::json j = trace_stats_json(s);
  EXPECT_EQ(j["records"].get<std::uint64_t>(), 3905u);  // existing fields stay
  for (const char* scale : {"1ms", "10ms", "100ms"}) {
    const auto& b = j["burstiness"][scale];
    ASSERT_TRUE(b["packets_idc"].is_number()) << scale;
    // A sparse host capture (~6.5 packets/s): bins are mostly empty, so counts are
    // overdispersed (IDC >= 1 roughly) yet the mean is far below one packet per bin.
    EXPECT_GT(b["packets_idc"].get<double>(), 0.5) << scale;
    EXPECT_LT(b["packets_mean"].get<double>(), 10.0) << scale;
    EXPECT_GT(b["bytes_cov"].get<double>(), 1.0) << scale;
  }
  ASSERT_TRUE(j["hurst"]["h"].is_number());
  EXPECT_GT(j["hurst"]["h"].get<double>(), 0.3);
  EXPECT_LT(j["hurst"]["h"].get<double>(), 1.3);
  EXPECT_GE(j["hurst"]["levels"].get<int>(), 3);
  const auto& ge10 = j["flow_classes"]["ge10"];
  EXPECT_GT(ge10["flows"].get<int>(), 0);
  EXPECT_GE(ge10["train_share"].get<double>(), 0.0);
  EXPECT_LE(ge10["train_share"].get<double>(), 1.0);
  EXPECT_LE(ge10["duration_s"]["p10"].get<double>(), ge10["duration_s"]["p99"].get<double>());
  EXPECT_LE(ge10["duration_s"]["p99"].get<double>(), j["time"]["duration_s"].get<double>());
  const double share = j["top1pct_byte_share"].get<double>();
  EXPECT_GT(share, 0.0);
  EXPECT_LE(share, 1.0);
  EXPECT_THAT(format_trace_stats_text(s), HasSubstr("Burstiness"));
}

// The same synthetic traffic fed directly and through a written pcap (nanosecond timestamps)
// gives the same statistics: counts exactly, timing up to the sub-ns rounding of a few packets.
TEST(TrafficStatisticsPcap, GeneratorPacketsAndTheirPcapAgree) {
  SyntheticTrafficConfig config = profile("sanj");
  config.rate = core::BitsPerSecond{200'000'000};
  config.duration = core::seconds(2);
  config.seed = 11;
  TrafficStatistics direct;
  FlowGenerator generator(config);
  core::Packet p;
  while (generator.next(p))
    direct.add(p);
  const TrafficStatisticsReport a = direct.report();
  const std::string path = ::testing::TempDir() + "traffic_statistics_generated.pcap";
  write_synthetic_trace(config, path);
  PcapReader reader(path);
  const TrafficStatisticsReport b = compute_trace_stats(reader).traffic;
  std::remove(path.c_str());
  ASSERT_GT(a.packets, 10'000u);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_EQ(a.wire_bytes, b.wire_bytes);
  EXPECT_EQ(a.flows, b.flows);
  EXPECT_DOUBLE_EQ(*a.top1pct_byte_share, *b.top1pct_byte_share);
  EXPECT_NEAR(a.duration_s, b.duration_s, 1e-9);
  for (std::size_t i = 0; i < a.burstiness.size(); ++i) {
    EXPECT_NEAR(*a.burstiness[i].packets_idc, *b.burstiness[i].packets_idc,
                1e-3 * *a.burstiness[i].packets_idc);
    EXPECT_NEAR(*a.burstiness[i].bytes_cov, *b.burstiness[i].bytes_cov,
                1e-3 * *a.burstiness[i].bytes_cov);
  }
  EXPECT_NEAR(*a.hurst.h, *b.hurst.h, 1e-3);
  for (std::size_t i = 0; i < a.flow_classes.size(); ++i) {
    EXPECT_EQ(a.flow_classes[i].flows, b.flow_classes[i].flows);
    EXPECT_NEAR(*a.flow_classes[i].train_share, *b.flow_classes[i].train_share, 1e-3);
    EXPECT_NEAR(*a.flow_classes[i].median_gap_cov, *b.flow_classes[i].median_gap_cov, 1e-3);
  }
}

}  // namespace
}  // namespace rlisim::traces
