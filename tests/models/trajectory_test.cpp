// Trajectory sampling: exact per-flow moments at p = 1, binomial bounds on the sampled
// fraction, lost samples, and the p^2 matching rate of independent sampling.

#include "models/trajectory/trajectory.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/rng.hpp"
#include "tests/models/taps.hpp"

namespace rlisim::models::trajectory {
namespace {

using core::FlowKey;
using core::Packet;
using core::Time;

FlowKey flow(std::uint32_t i) {
  return FlowKey::ipv4(0x0c000000u + i, 0x0d000000u, 2000, 443, 17);
}

// Feeds `packets` packets of `flows` flows, 1000 ps apart, with the delay `delay(i)` (ps);
// delay < 0 drops the packet. Egress or drop follows each ingress, as in the router.
template <typename Delay>
void drive(TrajectorySampling& ts, std::size_t packets, std::uint32_t flows, Delay delay) {
  test::Taps taps(ts);
  for (std::size_t i = 0; i < packets; ++i) {
    Packet p;
    p.flow = flow(static_cast<std::uint32_t>(i % flows));
    p.arrival = Time{static_cast<std::int64_t>(i) * 1000};
    p.seq = i;
    p.wire_bytes = 1500;
    const std::int64_t d = delay(i);
    taps.pass(p, 1, p.arrival + Time{std::max<std::int64_t>(d, 0)}, d < 0);
  }
  ts.finalize();
}

TrajectoryConfig with_probability(double p, bool consistent = true) {
  TrajectoryConfig c;
  c.probability = p;
  c.consistent = consistent;
  return c;
}

TEST(TrajectorySampling, AtProbabilityOneGivesEachFlowsExactMeanAndStd) {
  TrajectorySampling ts(with_probability(1.0));
  const std::uint32_t flows = 7;
  const std::size_t packets = 7000;
  std::vector<std::int64_t> delays(packets);
  auto rng = core::make_rng(3, 0);
  for (auto& d : delays)
    d = 10'000 + static_cast<std::int64_t>(core::uniform01(rng) * 5'000'000);
  drive(ts, packets, flows, [&](std::size_t i) { return delays[i]; });
  for (std::uint32_t f = 0; f < flows; ++f) {
    double sum = 0;
    double n = 0;
    for (std::size_t i = f; i < packets; i += flows) {
      sum += static_cast<double>(delays[i]);
      ++n;
    }
    const double mean = sum / n;
    double ss = 0;
    for (std::size_t i = f; i < packets; i += flows)
      ss += (static_cast<double>(delays[i]) - mean) * (static_cast<double>(delays[i]) - mean);
    const auto est = ts.estimate(flow(f));
    ASSERT_TRUE(est.has_value());
    EXPECT_EQ(est->samples, 1000u);
    EXPECT_NEAR(est->mean_ps, mean, 1e-9 * mean);
    EXPECT_NEAR(est->std_ps, std::sqrt(ss / n), 1e-6 * std::sqrt(ss / n));
  }
  EXPECT_TRUE(ts.estimates_std());
  EXPECT_EQ(ts.matched(), packets);
  EXPECT_FALSE(ts.estimate(flow(flows)).has_value());
}

TEST(TrajectorySampling, GivesAConstantDelayExactly) {
  TrajectorySampling ts(with_probability(0.2));
  drive(ts, 20'000, 13, [](std::size_t) { return std::int64_t{987'654'321}; });
  for (std::uint32_t f = 0; f < 13; ++f) {
    const auto est = ts.estimate(flow(f));
    ASSERT_TRUE(est.has_value());
    EXPECT_EQ(est->mean_ps, 987'654'321.0);
    EXPECT_EQ(est->std_ps, 0.0);
  }
}

TEST(TrajectorySampling, SampledFractionLiesWithinBinomialBounds) {
  const double p = 0.1;
  const std::size_t packets = 100'000;
  TrajectorySampling ts(with_probability(p));
  drive(ts, packets, 1000, [](std::size_t) { return std::int64_t{5000}; });
  const double sd = std::sqrt(static_cast<double>(packets) * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(ts.sampled_packets()), static_cast<double>(packets) * p, 5 * sd);
  // Consistent: every packet sampled at ingress is sampled at egress too.
  EXPECT_EQ(ts.matched(), ts.sampled_packets());
  EXPECT_EQ(ts.unmatched(), 0u);
}

TEST(TrajectorySampling, CountsDroppedSampledPacketsAsLost) {
  TrajectorySampling ts(with_probability(1.0));
  // Every third packet is dropped.
  drive(ts, 3000, 10, [](std::size_t i) { return i % 3 == 2 ? std::int64_t{-1} : 4000; });
  EXPECT_EQ(ts.sampled_lost(), 1000u);
  EXPECT_EQ(ts.matched(), 2000u);
  EXPECT_EQ(ts.unmatched(), 0u);
}

TEST(TrajectorySampling, IndependentSamplingMatchesAboutPSquaredOfThePackets) {
  const double p = 0.3;
  const std::size_t packets = 200'000;
  TrajectorySampling ts(with_probability(p, false));
  drive(ts, packets, 500, [](std::size_t) { return std::int64_t{2500}; });
  const double n = static_cast<double>(packets);
  EXPECT_NEAR(static_cast<double>(ts.sampled_packets()), n * p, 5 * std::sqrt(n * p * (1 - p)));
  EXPECT_NEAR(static_cast<double>(ts.matched()), n * p * p, 5 * std::sqrt(n * p * p * (1 - p * p)));
  // Sampled at one tap only: 2 p (1 - p) of the packets.
  EXPECT_NEAR(static_cast<double>(ts.unmatched()), n * 2 * p * (1 - p),
              5 * std::sqrt(n * 2 * p * (1 - p) * (1 - 2 * p * (1 - p))));
}

TEST(TrajectorySampling, CostCountsLabelsInFlightAndExportedReports) {
  TrajectorySampling ts(with_probability(1.0));
  // Packets 1000 ps apart with a 2500 ps delay: at each arrival the two previous packets are
  // still in flight, so at most 3 labels.
  drive(ts, 4, 1, [](std::size_t) { return std::int64_t{2500}; });
  EXPECT_EQ(ts.peak_in_flight(), 3u);
  EXPECT_EQ(ts.cost().state_bytes, 3 * kLabelBytes);
  EXPECT_EQ(ts.cost().export_bytes, 8 * kLabelBytes);
  EXPECT_EQ(ts.cost().injected_packets, 0u);
}

TEST(TrajectorySampling, CountersComeInAStableOrder) {
  TrajectorySampling ts(with_probability(1.0));
  drive(ts, 10, 2, [](std::size_t i) { return i == 4 ? std::int64_t{-1} : 100; });
  const auto c = ts.counters();
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].name, "sampled_packets");
  EXPECT_EQ(c[0].value, 10);
  EXPECT_EQ(c[1].name, "matched");
  EXPECT_EQ(c[1].value, 9);
  EXPECT_EQ(c[2].name, "sampled_lost");
  EXPECT_EQ(c[2].value, 1);
  EXPECT_EQ(c[3].name, "flows_with_samples");
  EXPECT_EQ(c[3].value, 2);
}

TEST(TrajectorySampling, IgnoresReferencePackets) {
  TrajectorySampling ts(with_probability(1.0));
  Packet ref;
  ref.kind = core::PacketKind::kReference;
  ref.flow = flow(1);
  test::Taps taps(ts);
  taps.pass(ref, 0, Time{10});
  ts.finalize();
  EXPECT_EQ(ts.sampled_packets(), 0u);
  EXPECT_FALSE(ts.estimate(flow(1)).has_value());
}

TEST(TrajectoryConfig, ValidateNamesTheField) {
  for (const double bad : {0.0, -1.0, 1.01, std::nan("")}) {
    TrajectoryConfig c;
    c.probability = bad;
    try {
      c.validate();
      ADD_FAILURE() << "no exception for " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), testing::HasSubstr("probability must be in (0, 1]"));
    }
    EXPECT_THROW(TrajectorySampling{c}, std::invalid_argument);
  }
}

}  // namespace
}  // namespace rlisim::models::trajectory
