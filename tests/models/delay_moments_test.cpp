// DelayMoments: exact mean and standard deviation from integer sums, with no cancellation.

#include "models/metrics/delay_moments.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace rlisim::models {
namespace {

using core::Time;

TEST(DelayMoments, IsNanWhenEmpty) {
  DelayMoments m;
  EXPECT_EQ(m.count(), 0u);
  EXPECT_TRUE(std::isnan(m.mean_ps()));
  EXPECT_TRUE(std::isnan(m.stddev_ps()));
  EXPECT_TRUE(std::isnan(m.sample_stddev_ps()));
}

TEST(DelayMoments, MatchesHandComputedMoments) {
  DelayMoments m;
  for (const std::int64_t d : {1000, 2000, 3000, 10'000})
    m.add(Time{d});
  // Mean 4000; squared deviations 9e6 + 4e6 + 1e6 + 36e6 = 50e6.
  EXPECT_EQ(m.count(), 4u);
  EXPECT_EQ(m.min().count(), 1000);
  EXPECT_EQ(m.max().count(), 10'000);
  EXPECT_TRUE(m.sum_ps() == 16'000);
  EXPECT_TRUE(m.sum_sq_ps() == 114'000'000);
  EXPECT_DOUBLE_EQ(m.mean_ps(), 4000);
  EXPECT_DOUBLE_EQ(m.variance_ps2(), 12.5e6);
  EXPECT_DOUBLE_EQ(m.stddev_ps(), std::sqrt(12.5e6));
  EXPECT_DOUBLE_EQ(m.sample_stddev_ps(), std::sqrt(50e6 / 3));
}

TEST(DelayMoments, SingleDelayHasZeroSpread) {
  DelayMoments m;
  m.add(Time{777});
  EXPECT_EQ(m.stddev_ps(), 0);
  EXPECT_TRUE(std::isnan(m.sample_stddev_ps()));
}

TEST(DelayMoments, KeepsTinySpreadsOfHugeDelays) {
  // One-second delays differing by 1-2 ps: double sums of squares (1e24) could not see this.
  DelayMoments m;
  const std::int64_t base = 1'000'000'000'000;
  for (const std::int64_t d : {base, base + 1, base + 2})
    m.add(Time{d});
  EXPECT_DOUBLE_EQ(m.mean_ps(), 1e12 + 1);
  EXPECT_DOUBLE_EQ(m.variance_ps2(), 2.0 / 3.0);
}

TEST(DelayMoments, StaysExactWhenCountTimesSumOfSquaresOverflows128Bits) {
  // 2^41 delays of 10 ms +- 1 ns: n * sum of squares is about 4.8e44, beyond 128 bits.
  DelayMoments m;
  m.add(Time{10'000'000'000 - 1000});
  m.add(Time{10'000'000'000 + 1000});
  for (int i = 0; i < 40; ++i)
    m.merge(m);
  EXPECT_EQ(m.count(), std::uint64_t{1} << 41);
  EXPECT_DOUBLE_EQ(m.mean_ps(), 1e10);
  EXPECT_DOUBLE_EQ(m.variance_ps2(), 1e6);
  EXPECT_DOUBLE_EQ(m.stddev_ps(), 1000);
}

TEST(DelayMoments, MergeEqualsAddingBoth) {
  DelayMoments a;
  DelayMoments b;
  DelayMoments all;
  for (std::int64_t d = 1; d <= 100; ++d) {
    (d % 4 == 0 ? a : b).add(Time{d * d});
    all.add(Time{d * d});
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_TRUE(a.sum_sq_ps() == all.sum_sq_ps());
  EXPECT_EQ(a.stddev_ps(), all.stddev_ps());
  DelayMoments empty;
  empty.merge(all);
  EXPECT_EQ(empty.min(), all.min());
  EXPECT_EQ(empty.mean_ps(), all.mean_ps());
}

}  // namespace
}  // namespace rlisim::models
