// GroundTruth: exact per-flow statistics, drops, kinds, ports, aggregates, deterministic order.

#include "models/truth/ground_truth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/metrics/empirical_cdf.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "tests/models/taps.hpp"

namespace rlisim::models {
namespace {

using core::Time;

core::Packet packet(std::uint32_t flow, std::int64_t arrival_ps, std::uint32_t bytes = 100,
                    core::PacketKind kind = core::PacketKind::kRegular) {
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x0a000000 + flow, 0x14000000 + flow * 7, 1000, 80, 6);
  p.arrival = Time{arrival_ps};
  p.wire_bytes = bytes;
  p.kind = kind;
  return p;
}

// Feeds one packet: ingress, then egress after `delay_ps` (or a drop when negative).
void observe(test::Taps& t, const core::Packet& p, std::int64_t delay_ps, PortId port = 0) {
  t.pass(p, port, p.arrival + Time{std::max<std::int64_t>(delay_ps, 0)}, delay_ps < 0);
}

TEST(GroundTruth, ComputesExactStatisticsForASmallFlow) {
  GroundTruth truth;
  test::Taps taps(truth);
  EXPECT_EQ(truth.name(), "truth");
  const std::vector<std::int64_t> delays = {3000, 1000, -1, 10'000, 2000};
  for (std::size_t i = 0; i < delays.size(); ++i) {
    observe(taps, packet(1, static_cast<std::int64_t>(i) * 500, 100 + i), delays[i], 2);
  }
  const FlowRecord* r = truth.find(packet(1, 0).flow);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->offered_packets, 5u);
  EXPECT_EQ(r->offered_bytes, 510u);
  EXPECT_EQ(r->dropped_packets, 1u);
  EXPECT_EQ(r->delivered_packets(), 4u);
  EXPECT_EQ(r->port, 2);
  EXPECT_FALSE(r->multiple_ports);
  // Delivered delays 1000 2000 3000 10000: mean 4000, population sd sqrt(12.5e6).
  EXPECT_EQ(r->delay.min().count(), 1000);
  EXPECT_EQ(r->delay.max().count(), 10'000);
  EXPECT_DOUBLE_EQ(r->delay.mean_ps(), 4000);
  EXPECT_DOUBLE_EQ(r->delay.stddev_ps(), std::sqrt(12.5e6));
  // numpy.quantile: p50 at h = 0.5 * 3 = 1.5 -> 2000 + 0.5 * 1000 = 2500; p99 at
  // h = 0.99 * 3 = 2.97 -> 3000 + 0.97 * 7000 = 9790.
  EXPECT_EQ(r->p50_ps(), 2500);
  EXPECT_DOUBLE_EQ(r->p99_ps(), 9790);
}

TEST(GroundTruth, LargeFlowQuantilesStayWithinTheSketchAccuracy) {
  GroundTruth truth;
  test::Taps taps(truth);
  std::vector<double> delays;
  auto rng = core::make_rng(3, 0);
  for (int i = 0; i < 5000; ++i) {
    const auto d = static_cast<std::int64_t>(1e6 + core::exponential(rng, 4e6));
    delays.push_back(static_cast<double>(d));
    observe(taps, packet(9, i * 1000), d);
  }
  std::sort(delays.begin(), delays.end());
  const FlowRecord& r = *truth.find(packet(9, 0).flow);
  // numpy.quantile: h = 0.5 * 4999 = 2499.5 and h = 0.99 * 4999 = 4949.01.
  const double p50 = delays[2499] + 0.5 * (delays[2500] - delays[2499]);
  const double p99 = delays[4949] + 0.01 * (delays[4950] - delays[4949]);
  EXPECT_LE(std::abs(r.p50_ps() - p50), 0.005 * p50 * (1 + 1e-12));
  EXPECT_LE(std::abs(r.p99_ps() - p99), 0.005 * p99 * (1 + 1e-12));
  double sum = 0;
  for (const double d : delays)
    sum += d;
  EXPECT_NEAR(r.delay.mean_ps(), sum / 5000, 1e-6 * sum / 5000);
}

TEST(GroundTruth, TakesTheKindFromTheFirstPacketAndNotesPortChanges) {
  GroundTruth truth;
  test::Taps taps(truth);
  observe(taps, packet(1, 0, 100, core::PacketKind::kCross), 10, 1);
  observe(taps, packet(1, 1, 100, core::PacketKind::kRegular), 10, 3);
  observe(taps, packet(2, 2, 100, core::PacketKind::kReference), -1, 0);
  const FlowRecord& cross = *truth.find(packet(1, 0).flow);
  EXPECT_EQ(cross.kind, core::PacketKind::kCross);
  EXPECT_EQ(cross.port, 1);
  EXPECT_TRUE(cross.multiple_ports);
  const FlowRecord& ref = *truth.find(packet(2, 0).flow);
  EXPECT_EQ(ref.kind, core::PacketKind::kReference);
  EXPECT_TRUE(ref.port_known);
  EXPECT_EQ(ref.delivered_packets(), 0u);
  EXPECT_TRUE(std::isnan(ref.p50_ps()));
  EXPECT_EQ(truth.find(packet(3, 0).flow), nullptr);
}

TEST(GroundTruth, ListsFlowsInFirstSeenOrderWhateverTheTableLayout) {
  // Two tables of different capacities iterate in different orders; flows() must not.
  GroundTruth small;
  GroundTruth big;
  test::Taps small_taps(small);
  test::Taps big_taps(big);
  big_taps.index().reserve(100'000);
  std::vector<std::uint32_t> order;
  auto rng = core::make_rng(1, 1);
  for (int i = 0; i < 3000; ++i) {
    const auto flow = static_cast<std::uint32_t>(rng() % 1000);
    if (std::find(order.begin(), order.end(), flow) == order.end())
      order.push_back(flow);
    observe(small_taps, packet(flow, i), 5);
    observe(big_taps, packet(flow, i), 5);
  }
  const std::vector<FlowEntry> a = small.flows();
  const std::vector<FlowEntry> b = big.flows();
  ASSERT_EQ(a.size(), order.size());
  ASSERT_EQ(b.size(), order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(*a[i].key, packet(order[i], 0).flow);
    EXPECT_EQ(*b[i].key, packet(order[i], 0).flow);
    EXPECT_EQ(a[i].record->first_seen, i);
    EXPECT_EQ(a[i].record->offered_packets, b[i].record->offered_packets);
  }
}

TEST(GroundTruth, SummariesAddUpOverAllFlowsAndPerKind) {
  GroundTruth truth;
  test::Taps taps(truth);
  observe(taps, packet(1, 0, 100), 1000);
  observe(taps, packet(2, 1, 200, core::PacketKind::kCross), 3000);
  observe(taps, packet(1, 2, 100), 2000);
  observe(taps, packet(2, 3, 200), -1);
  observe(taps, packet(3, 4, 50, core::PacketKind::kReference), 6000);
  const TruthSummary all = truth.summary();
  EXPECT_EQ(all.flows, 3u);
  EXPECT_EQ(all.offered_packets, 5u);
  EXPECT_EQ(all.offered_bytes, 650u);
  EXPECT_EQ(all.dropped_packets, 1u);
  EXPECT_EQ(all.delivered_packets(), 4u);
  EXPECT_DOUBLE_EQ(all.delay.mean_ps(), 3000);
  EXPECT_EQ(all.p50_ps(), 2500);  // 1000 2000 3000 6000: h = 1.5
  const TruthSummary regular = truth.summary(core::PacketKind::kRegular);
  EXPECT_EQ(regular.flows, 1u);
  EXPECT_DOUBLE_EQ(regular.delay.mean_ps(), 1500);
  const TruthSummary cross = truth.summary(core::PacketKind::kCross);
  EXPECT_EQ(cross.flows, 1u);
  EXPECT_EQ(cross.dropped_packets, 1u);
  EXPECT_EQ(cross.delivered_packets(), 1u);
  EXPECT_EQ(truth.summary(core::PacketKind::kReference).delay.max().count(), 6000);
}

// The summary quantiles are kept per kind as packets are applied; they must be exactly what
// merging every flow's own sketch gives, and within the sketch accuracy of the exact order
// statistics, for short (exact-phase) and long (bucketed) flows, zero delays, mixed kinds and
// summaries taken mid-run.
// With `max_buckets` small enough, lowest buckets collapse in the flows' and the kinds'
// sketches; the accuracy bound then no longer holds, but the equality with the merge must.
void expect_summary_quantiles_equal_the_merge(const QuantileSketchConfig& config) {
  const bool collapses = config.max_buckets < 2048;
  GroundTruthConfig truth_config;
  truth_config.quantiles = config;
  GroundTruth truth(truth_config);
  test::Taps taps(truth);
  std::mt19937_64 rng(11);
  constexpr int kFlows = 400;
  std::vector<int> remaining(kFlows);
  for (int& r : remaining)
    r = 1 + static_cast<int>(std::pow(core::uniform01(rng), 3) * 600);  // many short, some long
  std::array<std::vector<double>, 3> exact;
  std::int64_t now = 0;
  const auto check = [&] {
    std::array<QuantileSketch, 3> merged{QuantileSketch(config), QuantileSketch(config),
                                         QuantileSketch(config)};
    for (const FlowEntry& f : truth.flows())
      merged[static_cast<std::size_t>(f.record->kind)].merge(f.record->quantiles);
    QuantileSketch all(config);
    for (std::size_t k = 0; k < 3; ++k) {
      const TruthSummary s = truth.summary(static_cast<core::PacketKind>(k));
      ASSERT_EQ(s.quantiles.count(), merged[k].count());
      ASSERT_EQ(s.quantiles.count(), exact[k].size());
      std::vector<double> sorted = exact[k];
      std::sort(sorted.begin(), sorted.end());
      for (const double q : {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0}) {
        EXPECT_EQ(s.quantiles.quantile(q), merged[k].quantile(q)) << "kind " << k << " q " << q;
        if (sorted.empty() || collapses)
          continue;
        const double x = sorted_quantile(sorted, q);
        EXPECT_LE(std::abs(s.quantiles.quantile(q) - x), 0.005 * x * (1 + 1e-12) + 1e-9);
      }
      all.merge(merged[k]);
    }
    for (const double q : {0.01, 0.5, 0.99})
      EXPECT_EQ(truth.summary().quantiles.quantile(q), all.quantile(q));
  };
  for (int round = 0;; ++round) {
    bool any = false;
    for (int f = 0; f < kFlows; ++f) {
      if (remaining[f] == 0 || core::uniform01(rng) < 0.3)
        continue;
      any = true;
      --remaining[f];
      const auto kind = static_cast<core::PacketKind>(f % 3);
      const auto p = packet(static_cast<std::uint32_t>(f), now += 100, 100, kind);
      const double u = core::uniform01(rng);
      // Delays of 0 and from 20 ps to about 0.5 ms (a span the default sketch covers without
      // collapsing buckets); one packet in 20 dropped.
      const std::int64_t delay = u < 0.05   ? -1
                                 : u < 0.08 ? 0
                                            : static_cast<std::int64_t>(std::exp(3 + 17 * u));
      observe(taps, p, delay);
      if (delay >= 0)
        exact[f % 3].push_back(static_cast<double>(delay));
    }
    if (round == 40)
      check();  // mid-run: applies what is buffered so far
    if (!any)
      break;
  }
  check();
  // Finalizing seals the flows' sketches (p50 and p99 kept, nothing more to merge): the
  // summary it fixes is the one the merge gave just before, and every flow keeps its p50 and
  // p99 bit for bit.
  const auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  std::array<std::vector<double>, 3> before;
  for (std::size_t k = 0; k < 3; ++k) {
    for (const double q : {0.0, 0.01, 0.5, 0.99, 1.0})
      before[k].push_back(truth.summary(static_cast<core::PacketKind>(k)).quantiles.quantile(q));
  }
  std::vector<std::pair<double, double>> flow_quantiles;
  for (const FlowEntry& f : truth.flows())
    flow_quantiles.push_back(f.record->p50_p99_ps());
  truth.finalize();
  for (std::size_t k = 0; k < 3; ++k) {
    std::vector<double> after;
    for (const double q : {0.0, 0.01, 0.5, 0.99, 1.0})
      after.push_back(truth.summary(static_cast<core::PacketKind>(k)).quantiles.quantile(q));
    for (std::size_t j = 0; j < after.size(); ++j)
      EXPECT_TRUE(same(after[j], before[k][j])) << "kind " << k << " quantile " << j;
  }
  std::size_t i = 0;
  for (const FlowEntry& f : truth.flows()) {
    EXPECT_TRUE(f.record->quantiles.sealed());
    const auto [p50, p99] = flow_quantiles[i++];
    EXPECT_TRUE(same(f.record->p50_ps(), p50));
    EXPECT_TRUE(same(f.record->p99_ps(), p99));
  }
  if (collapses) {
    for (std::size_t k = 0; k < 3; ++k)
      EXPECT_TRUE(truth.summary(static_cast<core::PacketKind>(k)).quantiles.collapsed());
  }
}

TEST(GroundTruth, SummaryQuantilesEqualTheMergeOfTheFlowSketches) {
  expect_summary_quantiles_equal_the_merge({});
}

TEST(GroundTruth, SummaryQuantilesEqualTheMergeAlsoWhenBucketsCollapse) {
  expect_summary_quantiles_equal_the_merge({.relative_accuracy = 0.005, .max_buckets = 16});
}

// Updates are buffered and applied in batches of 2^18, grouped by flow; across several batches
// (and a flush forced mid-batch by an accessor) every flow must end with exactly what a direct
// per-flow tally gives, with its updates applied in arrival order.
TEST(GroundTruth, BatchedUpdatesMatchADirectTallyAcrossBatches) {
  GroundTruth truth;
  test::Taps taps(truth);
  struct Tally {
    std::uint64_t offered = 0, bytes = 0, dropped = 0;
    std::int64_t sum = 0, min = 0, max = 0;
    std::uint64_t delivered = 0;
    std::vector<double> first_delays;
  };
  constexpr std::uint32_t kFlows = 5000;
  std::vector<Tally> expected(kFlows);
  std::mt19937_64 rng(5);
  constexpr int kPackets = 700'000;  // a little under three batches
  for (int i = 0; i < kPackets; ++i) {
    // Flow popularity skewed (Zipf-like), new flows keep appearing.
    const auto f = static_cast<std::uint32_t>(std::pow(core::uniform01(rng), 2.5) * kFlows);
    const auto bytes = static_cast<std::uint32_t>(40 + rng() % 1461);
    const std::int64_t delay = rng() % 17 == 0 ? -1 : static_cast<std::int64_t>(rng() % 1'000'000);
    Tally& t = expected[f];
    // The first three packets of a flow leave by one port, the rest by the next: the record must
    // keep the first (order within a flow matters).
    observe(taps, packet(f, i, bytes), delay, static_cast<PortId>((f + (t.offered >= 3)) % 3));
    ++t.offered;
    t.bytes += bytes;
    if (delay < 0) {
      ++t.dropped;
    } else {
      t.min = t.delivered == 0 ? delay : std::min(t.min, delay);
      t.max = t.delivered == 0 ? delay : std::max(t.max, delay);
      t.sum += delay;
      ++t.delivered;
      if (t.first_delays.size() < 64)
        t.first_delays.push_back(static_cast<double>(delay));
    }
    if (i == 400'000) {
      EXPECT_EQ(truth.find(packet(0, 0).flow)->offered_packets, expected[0].offered);
    }
  }
  std::size_t seen = 0;
  for (std::uint32_t f = 0; f < kFlows; ++f) {
    const Tally& t = expected[f];
    const FlowRecord* rec = truth.find(packet(f, 0).flow);
    if (t.offered == 0) {
      EXPECT_EQ(rec, nullptr);
      continue;
    }
    ++seen;
    ASSERT_NE(rec, nullptr) << "flow " << f;
    EXPECT_EQ(rec->offered_packets, t.offered) << "flow " << f;
    EXPECT_EQ(rec->offered_bytes, t.bytes) << "flow " << f;
    EXPECT_EQ(rec->dropped_packets, t.dropped) << "flow " << f;
    EXPECT_EQ(rec->delivered_packets(), t.delivered) << "flow " << f;
    EXPECT_EQ(rec->port, f % 3) << "flow " << f;
    EXPECT_EQ(rec->multiple_ports, t.offered > 3) << "flow " << f;
    if (t.delivered == 0)
      continue;
    EXPECT_EQ(rec->delay.min().count(), t.min) << "flow " << f;
    EXPECT_EQ(rec->delay.max().count(), t.max) << "flow " << f;
    EXPECT_EQ(rec->delay.sum_ps(), t.sum) << "flow " << f;
    if (t.delivered <= 64) {  // still exact: the median of the delays seen
      std::vector<double> sorted = t.first_delays;
      std::sort(sorted.begin(), sorted.end());
      const std::size_t mid = sorted.size() / 2;
      const double median = sorted.size() % 2 == 1
                                ? sorted[mid]
                                : sorted[mid - 1] + 0.5 * (sorted[mid] - sorted[mid - 1]);
      EXPECT_EQ(rec->p50_ps(), median) << "flow " << f;
    }
  }
  EXPECT_EQ(truth.flow_count(), seen);
  EXPECT_GT(seen, 1000u);
}

TEST(GroundTruth, TakesTheFlowIdOfEachObservationAsGiven) {
  GroundTruth truth;
  test::Taps taps(truth);
  const core::Packet a = packet(1, 0);
  const core::Packet b = packet(2, 0);
  const FlowId id_a = taps.ingress(a);
  truth.on_egress(a, id_a, 0, Time{700});
  const FlowId id_b = taps.ingress(b);
  truth.on_egress(b, id_b, 0, Time{900});
  EXPECT_EQ(truth.find(a.flow)->delay.max().count(), 700);
  EXPECT_EQ(truth.find(b.flow)->delay.max().count(), 900);
  // An id no ingress gave is a caller's error, caught where it is made.
  EXPECT_THROW(truth.on_egress(packet(5, 0), 7, 0, Time{1}), core::InvariantError);
}

TEST(GroundTruth, RejectsAnInvalidQuantileConfiguration) {
  GroundTruthConfig config;
  config.quantiles.relative_accuracy = 0;
  try {
    GroundTruth truth(config);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("relative_accuracy"));
  }
}

}  // namespace
}  // namespace rlisim::models

namespace rlisim::models {
namespace {

TEST(GroundTruth, WithoutQuantilesKeepsExactMomentsAndReportsNoPercentiles) {
  GroundTruthConfig config;
  config.track_quantiles = false;
  GroundTruth truth(config);
  test::Taps taps(truth);
  core::Packet p;
  p.flow = core::FlowKey::ipv4(1, 2, 3, 4, 6);
  p.wire_bytes = 100;
  for (int i = 0; i < 3; ++i) {
    p.arrival = core::Time{i * 1000};
    taps.pass(p, 0, p.arrival + core::Time{(i + 1) * 10});  // delays 10, 20, 30 ps
  }
  const FlowRecord* rec = truth.find(p.flow);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->offered_packets, 3u);
  EXPECT_EQ(rec->offered_bytes, 300u);
  EXPECT_DOUBLE_EQ(rec->delay.mean_ps(), 20.0);
  EXPECT_EQ(rec->delay.min().count(), 10);
  EXPECT_EQ(rec->delay.max().count(), 30);
  EXPECT_TRUE(std::isnan(rec->p50_ps()));
  EXPECT_TRUE(std::isnan(truth.summary().p99_ps()));
}

}  // namespace
}  // namespace rlisim::models
