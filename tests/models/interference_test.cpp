// InterferenceSummary: sign split of per-flow mean-delay changes, fate changes, loss rates and
// argument validation, against hand-computed cases.

#include "models/metrics/interference.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rlisim::models {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

template <typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

// Deltas +5, +1, -2, 0, +3 (ps) and one flow without delivered packets in the run with
// references.
InterferenceSummary five_flows() {
  InterferenceSummary s;
  s.add_flow(105, 100, 0);
  s.add_flow(51, 50, 0);
  s.add_flow(98, 100, 1);
  s.add_flow(70, 70, 0);
  s.add_flow(1003, 1000, 2);
  s.add_flow(kNaN, 40, 3);
  return s;
}

TEST(InterferenceSummary, SplitsComparedFlowsBySignOfDelta) {
  const InterferenceStats s = five_flows().summary();
  EXPECT_EQ(s.flows_added, 6u);
  EXPECT_EQ(s.not_comparable, 1u);
  EXPECT_EQ(s.compared, 5u);
  EXPECT_EQ(s.positive, 3u);
  EXPECT_EQ(s.negative, 1u);
  EXPECT_EQ(s.zero, 1u);
  EXPECT_EQ(s.compared, s.positive + s.negative + s.zero);
  EXPECT_DOUBLE_EQ(s.negative_fraction, 0.2);
  EXPECT_EQ(s.max_abs_delta_ps, 5);
  EXPECT_DOUBLE_EQ(s.mean_delta_ps, (5 + 1 - 2 + 0 + 3) / 5.0);
}

TEST(InterferenceSummary, SummarisesMagnitudesOfPositiveAndNegativeFlowsSeparately) {
  const InterferenceStats s = five_flows().summary();
  // Positive |delta| sorted: 1, 3, 5. Median 3; p90: h = 1.8 -> 3 + 0.8 * 2; p99: h = 1.98.
  EXPECT_EQ(s.positive_abs_delta_ps.count, 3u);
  EXPECT_DOUBLE_EQ(s.positive_abs_delta_ps.median, 3);
  EXPECT_DOUBLE_EQ(s.positive_abs_delta_ps.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.positive_abs_delta_ps.p99, 4.96);
  EXPECT_EQ(s.positive_abs_delta_ps.max, 5);
  const std::vector<CdfPoint> positive_cdf{{1, 1.0 / 3}, {3, 2.0 / 3}, {5, 1}};
  EXPECT_EQ(s.positive_abs_delta_ps.cdf, positive_cdf);
  // The one negative flow sped up by 2 ps; magnitudes are positive.
  EXPECT_EQ(s.negative_abs_delta_ps.count, 1u);
  EXPECT_EQ(s.negative_abs_delta_ps.median, 2);
  EXPECT_EQ(s.negative_abs_delta_ps.p99, 2);
  const std::vector<CdfPoint> negative_cdf{{2, 1}};
  EXPECT_EQ(s.negative_abs_delta_ps.cdf, negative_cdf);
}

TEST(InterferenceSummary, CountsFateChangesOfAllFlowsIncludingNotComparable) {
  const InterferenceStats s = five_flows().summary();
  EXPECT_EQ(s.flows_with_fate_change, 3u);
  EXPECT_EQ(s.fate_changes, 6u);
}

TEST(InterferenceSummary, LossRateDifferenceIsWithMinusWithout) {
  InterferenceSummary s;
  s.add_loss(600, 20, 600, 15);
  s.add_loss(400, 10, 400, 5);
  const InterferenceStats r = s.summary();
  EXPECT_EQ(r.offered_with, 1000u);
  EXPECT_EQ(r.dropped_with, 30u);
  EXPECT_EQ(r.offered_without, 1000u);
  EXPECT_EQ(r.dropped_without, 20u);
  EXPECT_DOUBLE_EQ(r.loss_rate_with, 0.03);
  EXPECT_DOUBLE_EQ(r.loss_rate_without, 0.02);
  EXPECT_NEAR(r.loss_rate_difference, 0.01, 1e-15);
}

TEST(InterferenceSummary, IsNanWhereNothingWasMeasured) {
  InterferenceSummary s;
  s.add_flow(kNaN, kNaN, 0);
  s.add_loss(0, 0, 10, 1);
  const InterferenceStats r = s.summary();
  EXPECT_EQ(r.compared, 0u);
  EXPECT_EQ(r.not_comparable, 1u);
  EXPECT_TRUE(std::isnan(r.negative_fraction));
  EXPECT_TRUE(std::isnan(r.max_abs_delta_ps));
  EXPECT_TRUE(std::isnan(r.mean_delta_ps));
  EXPECT_TRUE(std::isnan(r.positive_abs_delta_ps.median));
  EXPECT_TRUE(r.negative_abs_delta_ps.cdf.empty());
  EXPECT_TRUE(std::isnan(r.loss_rate_with));
  EXPECT_DOUBLE_EQ(r.loss_rate_without, 0.1);
  EXPECT_TRUE(std::isnan(r.loss_rate_difference));
}

TEST(InterferenceSummary, DownsamplesTheMagnitudeCdf) {
  InterferenceSummary s(11);
  // Negative deltas -1..-1000 ps in a scrambled order.
  for (std::uint64_t i = 0; i < 1000; ++i)
    s.add_flow(5000, 5000 + static_cast<double>((i * 389) % 1000 + 1), 0);
  const InterferenceStats r = s.summary();
  EXPECT_EQ(r.negative, 1000u);
  EXPECT_DOUBLE_EQ(r.negative_fraction, 1);
  const std::vector<CdfPoint>& cdf = r.negative_abs_delta_ps.cdf;
  ASSERT_LE(cdf.size(), 11u);
  // Ranks round(j * 99.9): 0, 100, 200, ..., 999.
  EXPECT_EQ(cdf.front().value, 1);
  EXPECT_DOUBLE_EQ(cdf.front().fraction, 0.001);
  EXPECT_EQ(cdf[1].value, 101);
  EXPECT_EQ(cdf.back().value, 1000);
  EXPECT_EQ(cdf.back().fraction, 1);
  for (std::size_t i = 1; i < cdf.size(); ++i)
    EXPECT_GT(cdf[i].fraction, cdf[i - 1].fraction);
  EXPECT_TRUE(r.positive_abs_delta_ps.cdf.empty());
}

TEST(InterferenceSummary, MergeEqualsAddingBoth) {
  InterferenceSummary a = five_flows();
  InterferenceSummary b;
  b.add_flow(10, 20, 4);
  b.add_loss(100, 3, 100, 1);
  a.merge(b);
  InterferenceSummary all = five_flows();
  all.add_flow(10, 20, 4);
  all.add_loss(100, 3, 100, 1);
  const InterferenceStats m = a.summary();
  const InterferenceStats d = all.summary();
  EXPECT_EQ(m.flows_added, d.flows_added);
  EXPECT_EQ(m.negative, 2u);
  EXPECT_EQ(m.negative, d.negative);
  EXPECT_EQ(m.fate_changes, d.fate_changes);
  EXPECT_EQ(m.flows_with_fate_change, d.flows_with_fate_change);
  EXPECT_EQ(m.mean_delta_ps, d.mean_delta_ps);
  EXPECT_EQ(m.negative_abs_delta_ps.cdf, d.negative_abs_delta_ps.cdf);
  EXPECT_EQ(m.dropped_with, d.dropped_with);
  a.merge(a);
  EXPECT_EQ(a.summary().flows_added, 2 * d.flows_added);
  EXPECT_THAT(message_of([&] { a.merge(InterferenceSummary(5)); }),
              HasSubstr("same cdf_points (101 vs 5)"));
}

TEST(InterferenceSummary, RejectsInvalidArgumentsAndRecordsNothing) {
  EXPECT_THAT(message_of([] { InterferenceSummary(1); }),
              HasSubstr("interference: cdf_points must be >= 2"));
  InterferenceSummary s;
  EXPECT_THAT(message_of([&] { s.add_flow(kInf, 1, 0); }),
              HasSubstr("mean_with_ps must be finite and >= 0 ps"));
  EXPECT_THAT(message_of([&] { s.add_flow(1, -3, 0); }),
              HasSubstr("mean_without_ps must be finite and >= 0 ps, or NaN for no delivered "
                        "packet (got -3)"));
  EXPECT_THAT(message_of([&] { s.add_loss(10, 11, 10, 0); }),
              HasSubstr("run with references dropped 11 of only 10 offered"));
  EXPECT_THAT(message_of([&] { s.add_loss(10, 0, 5, 6); }),
              HasSubstr("run without references dropped 6 of only 5 offered"));
  s.add_loss(kMax, 0, 1, 0);
  EXPECT_THAT(message_of([&] { s.add_loss(1, 0, 1, 0); }),
              HasSubstr("offered_with overflows 64 bits"));
  const InterferenceStats r = s.summary();
  EXPECT_EQ(r.flows_added, 0u);
  EXPECT_EQ(r.offered_with, kMax);
  EXPECT_EQ(r.offered_without, 1u);
}

}  // namespace
}  // namespace rlisim::models
