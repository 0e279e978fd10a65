// ErrorDistribution and the shared quantile / CDF helpers: hand-computed quantiles, size
// classes, eligibility counters, CDF downsampling and argument validation.

#include "models/metrics/error_distribution.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/metrics/empirical_cdf.hpp"

namespace rlisim::models {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(SortedQuantile, InterpolatesLinearlyBetweenOrderStatistics) {
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  // Type 7: h = 9 q. q = 0.5 -> h = 4.5 -> 5.5; q = 0.9 -> h = 8.1 -> 9.1 (type 6 would give
  // 9.9, the nearest-rank definition 9); q = 0.25 -> h = 2.25 -> 3.25.
  EXPECT_DOUBLE_EQ(sorted_quantile(x, 0.5), 5.5);
  EXPECT_DOUBLE_EQ(sorted_quantile(x, 0.9), 9.1);
  EXPECT_DOUBLE_EQ(sorted_quantile(x, 0.25), 3.25);
  EXPECT_EQ(sorted_quantile(x, 0), 1);
  EXPECT_EQ(sorted_quantile(x, 1), 10);
}

TEST(SortedQuantile, IsTheValueForOneElementAndNanWhenEmpty) {
  const std::vector<double> one{7.5};
  EXPECT_EQ(sorted_quantile(one, 0), 7.5);
  EXPECT_EQ(sorted_quantile(one, 0.99), 7.5);
  EXPECT_TRUE(std::isnan(sorted_quantile(std::vector<double>{}, 0.5)));
}

TEST(SortedQuantile, RejectsQOutsideTheUnitInterval) {
  const std::vector<double> x{1, 2};
  EXPECT_THAT(message_of([&] { sorted_quantile(x, 1.5); }), HasSubstr("q must be in [0, 1]"));
  EXPECT_THAT(message_of([&] { sorted_quantile(x, -0.1); }), HasSubstr("got -0.1"));
  EXPECT_THAT(message_of([&] { sorted_quantile(x, kNaN); }), HasSubstr("q must be in [0, 1]"));
}

TEST(EmpiricalCdf, KeepsEveryDistinctValueWhenSmall) {
  // Ties: F counts the whole run of equal values, and a value appears once.
  const std::vector<double> x{1, 1, 2, 2, 2, 3};
  const std::vector<CdfPoint> expected{{1, 2.0 / 6}, {2, 5.0 / 6}, {3, 1}};
  EXPECT_EQ(empirical_cdf(x, 10), expected);
}

TEST(EmpiricalCdf, SamplesEvenlySpacedRanksIncludingMinAndMax) {
  const std::vector<double> five{10, 20, 30, 40, 50};
  // k = 3: ranks 0, 2, 4.
  const std::vector<CdfPoint> expected5{{10, 0.2}, {30, 0.6}, {50, 1}};
  EXPECT_EQ(empirical_cdf(five, 3), expected5);
  // n = 4, k = 3: ranks 0, round(1.5) = 2, 3.
  const std::vector<double> four{10, 20, 30, 40};
  const std::vector<CdfPoint> expected4{{10, 0.25}, {30, 0.75}, {40, 1}};
  EXPECT_EQ(empirical_cdf(four, 3), expected4);
  const std::vector<CdfPoint> ends{{10, 0.25}, {40, 1}};
  EXPECT_EQ(empirical_cdf(four, 2), ends);
}

TEST(EmpiricalCdf, RejectsFewerThanTwoPoints) {
  const std::vector<double> x{1, 2};
  EXPECT_THAT(message_of([&] { empirical_cdf(x, 1); }), HasSubstr("cdf_points must be >= 2"));
}

TEST(ErrorDistribution, MatchesHandComputedQuantilesOfFourErrors) {
  ErrorDistribution d;
  // Truth 10 ps, differences 1, 2, -3, 4: relative errors 0.1, 0.2, 0.3, 0.4.
  for (const double estimate : {11.0, 12.0, 7.0, 14.0})
    d.add(estimate, 10, 5);
  const ErrorClassSummary c = d.summary().classes.at(0);
  EXPECT_EQ(c.min_packets, 1u);
  EXPECT_EQ(c.flows, 4u);
  // h = 3 q: median h = 1.5 -> 0.2 + 0.5 * 0.1; p90 h = 2.7 -> 0.3 + 0.7 * 0.1;
  // p99 h = 2.97 -> 0.3 + 0.97 * 0.1.
  EXPECT_DOUBLE_EQ(c.median, 0.25);
  EXPECT_DOUBLE_EQ(c.p90, 0.37);
  EXPECT_DOUBLE_EQ(c.p99, 0.397);
  EXPECT_DOUBLE_EQ(c.mean, 0.25);
  EXPECT_DOUBLE_EQ(c.max, 0.4);
  // Signed errors sorted: -0.3, 0.1, 0.2, 0.4 -> median 0.15.
  EXPECT_DOUBLE_EQ(c.signed_median, 0.15);
  const std::vector<CdfPoint> cdf{{0.1, 0.25}, {0.2, 0.5}, {0.3, 0.75}, {0.4, 1}};
  EXPECT_EQ(c.cdf, cdf);
}

TEST(ErrorDistribution, SignedMedianIsNegativeForAnUnderestimatingEstimator) {
  ErrorDistribution d;
  for (const double estimate : {8.0, 9.0, 12.0})
    d.add(estimate, 10, 1);
  EXPECT_DOUBLE_EQ(d.summary().classes[0].signed_median, -0.1);
}

TEST(ErrorDistribution, CountsATenPacketFlowInTheOneAndTenClassesOnly) {
  ErrorDistribution d;
  d.add(11, 10, 10);
  const ErrorSummary s = d.summary();
  ASSERT_EQ(s.classes.size(), 4u);
  EXPECT_EQ(s.classes[0].min_packets, 1u);
  EXPECT_EQ(s.classes[1].min_packets, 10u);
  EXPECT_EQ(s.classes[2].min_packets, 100u);
  EXPECT_EQ(s.classes[3].min_packets, 1000u);
  EXPECT_EQ(s.classes[0].flows, 1u);
  EXPECT_EQ(s.classes[1].flows, 1u);
  EXPECT_EQ(s.classes[2].flows, 0u);
  EXPECT_EQ(s.classes[3].flows, 0u);
}

TEST(ErrorDistribution, ClassesSummariseOnlyTheirFlows) {
  ErrorDistribution d({1, 10});
  d.add(15, 10, 3);   // 0.5, small flow
  d.add(11, 10, 50);  // 0.1, large flow
  d.add(12, 10, 10);  // 0.2, exactly at the bound
  const ErrorSummary s = d.summary();
  EXPECT_EQ(s.classes[0].flows, 3u);
  EXPECT_DOUBLE_EQ(s.classes[0].median, 0.2);
  EXPECT_DOUBLE_EQ(s.classes[0].max, 0.5);
  EXPECT_EQ(s.classes[1].flows, 2u);
  EXPECT_DOUBLE_EQ(s.classes[1].median, 0.15);
  EXPECT_DOUBLE_EQ(s.classes[1].max, 0.2);
}

TEST(ErrorDistribution, CountsZeroTruthAndMissingEstimatesSeparately) {
  ErrorDistribution d({1, 10});
  d.add(5, 0, 20);       // zero truth, large flow
  d.add(kNaN, 0, 2);     // zero truth wins over the missing estimate
  d.add(kNaN, 10, 2);    // no estimate, small flow
  d.add(kNaN, 10, 200);  // no estimate, large flow
  d.add(10, 10, 1);      // eligible, zero error
  const ErrorSummary s = d.summary();
  EXPECT_EQ(s.flows_added, 5u);
  EXPECT_EQ(s.classes[0].excluded_zero_truth, 2u);
  EXPECT_EQ(s.classes[0].no_estimate, 2u);
  EXPECT_EQ(s.classes[0].flows, 1u);
  EXPECT_EQ(s.classes[0].max, 0);
  EXPECT_EQ(s.classes[1].excluded_zero_truth, 1u);
  EXPECT_EQ(s.classes[1].no_estimate, 1u);
  EXPECT_EQ(s.classes[1].flows, 0u);
}

TEST(ErrorDistribution, EmptyClassHasNanStatisticsAndNoCdf) {
  ErrorDistribution d({1, 100});
  d.add(11, 10, 5);
  const ErrorClassSummary c = d.summary().classes[1];
  EXPECT_EQ(c.flows, 0u);
  EXPECT_TRUE(std::isnan(c.median));
  EXPECT_TRUE(std::isnan(c.p90));
  EXPECT_TRUE(std::isnan(c.p99));
  EXPECT_TRUE(std::isnan(c.mean));
  EXPECT_TRUE(std::isnan(c.max));
  EXPECT_TRUE(std::isnan(c.signed_median));
  EXPECT_TRUE(c.cdf.empty());
}

TEST(ErrorDistribution, FlowBelowTheSmallestBoundIsCountedButInNoClass) {
  ErrorDistribution d({10});
  d.add(11, 10, 9);
  d.add(kNaN, 10, 9);
  const ErrorSummary s = d.summary();
  EXPECT_EQ(s.flows_added, 2u);
  EXPECT_EQ(s.classes[0].flows, 0u);
  EXPECT_EQ(s.classes[0].no_estimate, 0u);
}

TEST(ErrorDistribution, CdfIsDownsampledMonotoneAndEndsAtMinAndMax) {
  ErrorDistribution d({1}, 101);
  // 1000 flows with relative errors k / 1000, k = 1..1000, added in a scrambled order.
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto k = static_cast<double>((i * 389) % 1000 + 1);
    d.add(1000 + k, 1000, 1);
  }
  const std::vector<CdfPoint> cdf = d.summary().classes[0].cdf;
  ASSERT_LE(cdf.size(), 101u);
  EXPECT_EQ(cdf.size(), 101u);  // 1000 distinct values: no point repeats
  ASSERT_GE(cdf.size(), 2u);
  EXPECT_DOUBLE_EQ(cdf.front().value, 0.001);
  EXPECT_DOUBLE_EQ(cdf.front().fraction, 0.001);
  EXPECT_DOUBLE_EQ(cdf.back().value, 1.0);
  EXPECT_EQ(cdf.back().fraction, 1.0);
  for (std::size_t i = 1; i < cdf.size(); ++i) {
    EXPECT_GT(cdf[i].value, cdf[i - 1].value);
    EXPECT_GT(cdf[i].fraction, cdf[i - 1].fraction);
  }
  // Every point is the exact CDF: value k / 1000 has fraction k / 1000.
  for (const CdfPoint& p : cdf)
    EXPECT_NEAR(p.fraction, p.value, 1e-12);
  // Ranks round(j * 999 / 100): j = 50 -> rank 500 (499.5 rounds up) -> value 0.501.
  EXPECT_DOUBLE_EQ(cdf[50].value, 0.501);
}

TEST(ErrorDistribution, SameAddsGiveABitIdenticalSummaryThatDoesNotChangeTheObject) {
  ErrorDistribution a;
  ErrorDistribution b;
  for (std::uint64_t i = 1; i <= 500; ++i) {
    const double truth = 1e6 + static_cast<double>(i % 37) * 1234.5;
    const double estimate = truth * (1 + 0.01 * std::sin(static_cast<double>(i)));
    a.add(estimate, truth, i);
    b.add(estimate, truth, i);
  }
  const ErrorSummary first = a.summary();
  const ErrorSummary again = a.summary();
  const ErrorSummary other = b.summary();
  for (std::size_t c = 0; c < first.classes.size(); ++c) {
    for (const ErrorSummary* s : {&again, &other}) {
      const ErrorClassSummary& x = first.classes[c];
      const ErrorClassSummary& y = s->classes[c];
      EXPECT_EQ(x.flows, y.flows);
      EXPECT_TRUE(same_bits(x.median, y.median));
      EXPECT_TRUE(same_bits(x.p90, y.p90));
      EXPECT_TRUE(same_bits(x.p99, y.p99));
      EXPECT_TRUE(same_bits(x.mean, y.mean));
      EXPECT_TRUE(same_bits(x.max, y.max));
      EXPECT_TRUE(same_bits(x.signed_median, y.signed_median));
      EXPECT_EQ(x.cdf, y.cdf);
    }
  }
  EXPECT_EQ(first.classes[3].flows, 0u);
  EXPECT_EQ(first.classes[2].flows, 401u);
}

TEST(ErrorDistribution, MergeEqualsAddingBoth) {
  ErrorDistribution a({1, 10});
  ErrorDistribution b({1, 10});
  ErrorDistribution all({1, 10});
  const std::vector<double> estimates{11, 13, kNaN, 9, 20, 10.5};
  const std::vector<double> truths{10, 10, 10, 0, 10, 10};
  for (std::size_t i = 0; i < estimates.size(); ++i) {
    (i < 3 ? a : b).add(estimates[i], truths[i], 4 * i + 1);
    all.add(estimates[i], truths[i], 4 * i + 1);
  }
  a.merge(b);
  const ErrorSummary merged = a.summary();
  const ErrorSummary direct = all.summary();
  EXPECT_EQ(merged.flows_added, direct.flows_added);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(merged.classes[c].flows, direct.classes[c].flows);
    EXPECT_EQ(merged.classes[c].no_estimate, direct.classes[c].no_estimate);
    EXPECT_EQ(merged.classes[c].excluded_zero_truth, direct.classes[c].excluded_zero_truth);
    EXPECT_EQ(merged.classes[c].cdf, direct.classes[c].cdf);
    EXPECT_TRUE(same_bits(merged.classes[c].mean, direct.classes[c].mean));
  }
  a.merge(a);
  EXPECT_EQ(a.summary().classes[0].flows, 2 * direct.classes[0].flows);
  EXPECT_THAT(message_of([&] { a.merge(ErrorDistribution{}); }),
              HasSubstr("same class_min_packets"));
}

TEST(ErrorDistribution, ConstructorRejectsBadClassesAndCdfSizes) {
  EXPECT_THAT(message_of([] { ErrorDistribution(std::vector<std::uint64_t>{}); }),
              HasSubstr("class_min_packets is empty"));
  EXPECT_THAT(message_of([] {
                ErrorDistribution({0, 10});
              }),
              HasSubstr("class_min_packets[0] = 0"));
  EXPECT_THAT(message_of([] {
                ErrorDistribution({1, 10, 10});
              }),
              HasSubstr("strictly increasing (class_min_packets[2] = 10 after 10)"));
  EXPECT_THAT(message_of([] {
                ErrorDistribution({1, 100, 10});
              }),
              HasSubstr("strictly increasing"));
  EXPECT_THAT(message_of([] { ErrorDistribution({1}, 1); }),
              HasSubstr("error distribution: cdf_points must be >= 2"));
  const ErrorDistribution ok({2, 3}, 2);
  EXPECT_EQ(ok.class_min_packets(), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(ok.cdf_points(), 2u);
}

TEST(ErrorDistribution, ANegativeEstimateHasADefinedRelativeError) {
  // A tap clock offset can push an estimate below zero: |-2 - 1| / 1 = 3.
  ErrorDistribution d;
  d.add(-2, 1, 1);
  EXPECT_DOUBLE_EQ(d.summary().classes[0].median, 3.0);
  EXPECT_DOUBLE_EQ(d.summary().classes[0].signed_median, -3.0);
}

TEST(ErrorDistribution, AddRejectsInvalidValuesAndRecordsNothing) {
  ErrorDistribution d;
  EXPECT_THAT(message_of([&] { d.add(1, 1, 0); }), HasSubstr("flow_packets = 0"));
  EXPECT_THAT(message_of([&] { d.add(1, -1, 1); }),
              HasSubstr("truth must be finite and >= 0 (got -1)"));
  EXPECT_THAT(message_of([&] { d.add(1, kNaN, 1); }), HasSubstr("truth must be finite"));
  EXPECT_THAT(message_of([&] { d.add(1, kInf, 1); }), HasSubstr("truth must be finite"));
  EXPECT_THAT(message_of([&] { d.add(kInf, 1, 1); }),
              HasSubstr("estimate must be finite, or NaN for none (got inf)"));
  const ErrorSummary s = d.summary();
  EXPECT_EQ(s.flows_added, 0u);
  EXPECT_EQ(s.classes[0].flows, 0u);
  EXPECT_EQ(s.classes[0].no_estimate, 0u);
  EXPECT_EQ(s.classes[0].excluded_zero_truth, 0u);
}

}  // namespace
}  // namespace rlisim::models
