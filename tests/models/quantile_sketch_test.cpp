// QuantileSketch: exact phase, phase switch, zeros, collapsing, merging, validation.

#include "models/metrics/quantile_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rlisim::models {
namespace {

using ::testing::HasSubstr;

double lower_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
}

QuantileSketchConfig config(double alpha, std::uint32_t exact, std::uint32_t buckets = 2048) {
  QuantileSketchConfig c;
  c.relative_accuracy = alpha;
  c.exact_capacity = exact;
  c.max_buckets = buckets;
  return c;
}

TEST(QuantileSketch, IsEmptyBeforeTheFirstValue) {
  QuantileSketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(std::isnan(s.quantile(0.5)));
  EXPECT_TRUE(std::isnan(s.min()));
  EXPECT_TRUE(std::isnan(s.max()));
}

TEST(QuantileSketch, IsExactUpToItsCapacity) {
  QuantileSketch s(config(0.01, 8));
  const std::vector<double> values = {50, 10, 40, 20, 30, 20, 70, 60};
  for (const double v : values)
    s.add(v);
  EXPECT_TRUE(s.is_exact());
  EXPECT_EQ(s.bucket_count(), 0u);
  // Sorted: 10 20 20 30 40 50 60 70; rank floor(q * 7).
  EXPECT_EQ(s.quantile(0), 10);
  EXPECT_EQ(s.quantile(0.2), 20);   // rank 1
  EXPECT_EQ(s.quantile(0.5), 30);   // rank 3
  EXPECT_EQ(s.quantile(0.99), 60);  // rank 6
  EXPECT_EQ(s.quantile(1), 70);
  for (double q = 0; q <= 1; q += 0.01)
    EXPECT_EQ(s.quantile(q), lower_quantile(values, q));
}

TEST(QuantileSketch, SwitchesToBucketsAfterTheCapacityAndKeepsMinMaxExact) {
  QuantileSketch s(config(0.01, 4));
  for (const double v : {3.0, 1.0, 4.0, 1.5})
    s.add(v);
  EXPECT_TRUE(s.is_exact());
  s.add(9.25);
  EXPECT_FALSE(s.is_exact());
  EXPECT_GT(s.bucket_count(), 0u);
  EXPECT_EQ(s.count(), 5u);
  EXPECT_EQ(s.quantile(0), 1.0);
  EXPECT_EQ(s.quantile(1), 9.25);
  EXPECT_EQ(s.min(), 1.0);
  EXPECT_EQ(s.max(), 9.25);
  // Sorted 1 1.5 3 4 9.25: the median (rank 2) is 3, within 1 %.
  EXPECT_NEAR(s.quantile(0.5), 3.0, 0.03);
}

TEST(QuantileSketch, CountsZerosExactly) {
  QuantileSketch s(config(0.01, 2));
  for (int i = 0; i < 60; ++i)
    s.add(0);
  for (int i = 0; i < 40; ++i)
    s.add(1000);
  EXPECT_EQ(s.quantile(0.5), 0);   // rank 49
  EXPECT_EQ(s.quantile(0.59), 0);  // rank 58
  EXPECT_NEAR(s.quantile(0.61), 1000, 10);
}

TEST(QuantileSketch, CollapsesTheLowestBucketsToBoundMemory) {
  // 16 buckets of 10 % cover a ratio of about 1.2^16 = 24; the values span 10^6.
  QuantileSketch s(config(0.1, 1, 16));
  std::vector<double> values;
  for (int i = 0; i < 6000; ++i) {
    values.push_back(std::pow(10.0, (i % 601) / 100.0));
    s.add(values.back());
  }
  EXPECT_TRUE(s.collapsed());
  EXPECT_LE(s.bucket_count(), 16u);
  EXPECT_EQ(s.quantile(0), 1.0);
  // The upper ranks are outside the merged buckets and keep the guarantee.
  for (const double q : {0.95, 0.99, 0.999}) {
    const double exact = lower_quantile(values, q);
    EXPECT_LE(std::abs(s.quantile(q) - exact), 0.1 * exact * (1 + 1e-9)) << q;
  }
}

TEST(QuantileSketch, MemoryDoesNotGrowWithTheNumberOfValues) {
  QuantileSketch s(config(0.005, 64));
  for (int i = 0; i <= 10'000; ++i)
    s.add(1000 + i * 10);  // the whole range [1e3, 1.01e5]
  const std::size_t buckets = s.bucket_count();
  for (std::int64_t i = 0; i < 1'000'000; ++i)
    s.add(static_cast<double>(1000 + (i * 7919) % 100'000));
  EXPECT_EQ(s.bucket_count(), buckets);
  EXPECT_LE(buckets, 2048u);
}

TEST(QuantileSketch, MergingEqualsAddingEverythingToOneSketch) {
  QuantileSketch a(config(0.01, 32));
  QuantileSketch b(config(0.01, 32));
  QuantileSketch all(config(0.01, 32));
  QuantileSketch small(config(0.01, 32));
  for (int i = 0; i < 500; ++i) {
    const double v = 100 + (i * 37) % 9000;
    (i % 3 == 0 ? a : b).add(v);
    all.add(v);
  }
  for (const double v : {5.0, 7.0, 1e6}) {
    small.add(v);
    all.add(v);
  }
  a.merge(b);
  a.merge(small);
  EXPECT_EQ(a.count(), all.count());
  for (double q = 0; q <= 1; q += 0.01)
    EXPECT_EQ(a.quantile(q), all.quantile(q)) << q;
}

TEST(QuantileSketch, RejectsInvalidValuesInEveryPhase) {
  // Stored-sample phase, bucket phase: the inline fast paths must not accept what add()
  // rejects.
  QuantileSketch sketch(config(0.01, 8));
  for (const int n : {0, 5, 40}) {
    while (sketch.count() < static_cast<std::uint64_t>(n))
      sketch.add(100 + static_cast<double>(sketch.count()));
    EXPECT_THROW(sketch.add(-1), std::invalid_argument) << n;
    EXPECT_THROW(sketch.add(std::nan("")), std::invalid_argument) << n;
    EXPECT_THROW(sketch.add(INFINITY), std::invalid_argument) << n;
    EXPECT_EQ(sketch.count(), static_cast<std::uint64_t>(n));
  }
}

TEST(QuantileSketch, MergingTwoSmallSketchesStaysExact) {
  QuantileSketch a(config(0.01, 16));
  QuantileSketch b(config(0.01, 16));
  for (const double v : {1.0, 2.0, 3.0})
    a.add(v);
  for (const double v : {10.0, 20.0})
    b.add(v);
  a.merge(b);
  EXPECT_TRUE(a.is_exact());
  EXPECT_EQ(a.quantile(0.5), 3.0);
  a.merge(a);
  EXPECT_EQ(a.count(), 10u);
  EXPECT_TRUE(a.is_exact());
  EXPECT_EQ(a.quantile(0.5), 3.0);  // 1 1 2 2 3 3 10 10 20 20, rank 4
}

TEST(QuantileSketch, SuggestedAccuracyAvoidsCollapsing) {
  const double alpha = QuantileSketch::suggest_relative_accuracy(1e3, 1e9, 512);
  QuantileSketch s(config(alpha, 1, 512));
  for (double v = 1e3; v <= 1e9; v *= 1.001)
    s.add(v);
  s.add(1e9);
  EXPECT_FALSE(s.collapsed());
  EXPECT_LE(s.bucket_count(), 512u);
}

void expect_invalid(const QuantileSketchConfig& c, const std::string& needle) {
  try {
    QuantileSketch s(c);
    FAIL() << "expected std::invalid_argument mentioning " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(needle));
  }
}

TEST(QuantileSketch, ValidationNamesTheParameter) {
  expect_invalid(config(0, 64), "relative_accuracy must be in");
  expect_invalid(config(0.6, 64), "relative_accuracy must be in");
  expect_invalid(config(std::nan(""), 64), "relative_accuracy");
  expect_invalid(config(0.01, 0), "exact_capacity must be in 1..65535 (got 0)");
  expect_invalid(config(0.01, 70'000), "exact_capacity");
  expect_invalid(config(0.01, 64, 8), "max_buckets must be in 16..65535 (got 8)");
  QuantileSketch s;
  EXPECT_THROW(s.add(-1), std::invalid_argument);
  EXPECT_THROW(s.add(std::nan("")), std::invalid_argument);
  EXPECT_THROW(s.add(INFINITY), std::invalid_argument);
  s.add(1);
  EXPECT_THROW((void)s.quantile(1.5), std::invalid_argument);
  EXPECT_THROW((void)s.quantile(-0.1), std::invalid_argument);
  QuantileSketch other(config(0.02, 64));
  try {
    s.merge(other);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("different parameters"));
  }
  EXPECT_THROW(QuantileSketch::suggest_relative_accuracy(10, 5, 100), std::invalid_argument);
}

}  // namespace
}  // namespace rlisim::models
