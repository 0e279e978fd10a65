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

// numpy.quantile(v, q), method "linear", written out: h = q (n - 1),
// x_(floor h) + (h - floor h) (x_(floor h + 1) - x_(floor h)).
double numpy_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= v.size())
    return v.back();
  return v[i] + (h - std::floor(h)) * (v[i + 1] - v[i]);
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
  // Sorted: 10 20 20 30 40 50 60 70; h = 7 q.
  EXPECT_EQ(s.quantile(0), 10);
  EXPECT_EQ(s.quantile(0.2), 20);            // h = 1.4, between 20 and 20
  EXPECT_EQ(s.quantile(0.5), 35);            // h = 3.5
  EXPECT_DOUBLE_EQ(s.quantile(0.99), 69.3);  // h = 6.93
  EXPECT_EQ(s.quantile(1), 70);
  for (double q = 0; q <= 1; q += 0.01)
    EXPECT_DOUBLE_EQ(s.quantile(q), numpy_quantile(values, q)) << q;
}

TEST(QuantileSketch, QuantilePairsAreTheTwoQuantilesBitForBit) {
  // Sizes in the exact phase (small counts, ties, the capacity itself) and past it.
  for (const std::uint32_t n : {1u, 2u, 3u, 7u, 64u, 65u, 500u}) {
    QuantileSketch sketch;
    for (std::uint32_t i = 0; i < n; ++i)
      sketch.add(static_cast<double>((i * 7919u) % 97u) * 1000.0 + (i % 5 == 0 ? 0.5 : 0.0));
    for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
             {0.5, 0.99}, {0.5, 0.5}, {0.01, 0.02}, {0.0, 0.5}, {0.5, 1.0}, {0.99, 0.999}}) {
      const auto both = sketch.quantiles(lo, hi);
      EXPECT_EQ(both.first, sketch.quantile(lo)) << n << " " << lo;
      EXPECT_EQ(both.second, sketch.quantile(hi)) << n << " " << hi;
    }
  }
  QuantileSketch one;
  one.add(3.0);
  EXPECT_THROW((void)one.quantiles(0.9, 0.5), std::invalid_argument);
  EXPECT_THROW((void)one.quantiles(0.5, 1.5), std::invalid_argument);
}

// A finished flow's sketch is sealed while its row waits: it must answer its p50 and p99 as
// before, bit for bit (exact phase: numpy's values; bucketed phase: the sketch's), and refuse
// what it can no longer answer rather than answer wrongly.
TEST(QuantileSketch, ASealedSketchKeepsItsTwoQuantilesBitForBitAndRefusesTheRest) {
  for (const std::uint32_t n : {0u, 1u, 2u, 3u, 64u, 65u, 5000u}) {
    SCOPED_TRACE(n);
    QuantileSketch sketch;
    std::vector<double> values;
    for (std::uint32_t i = 0; i < n; ++i) {
      values.push_back(static_cast<double>((i * 7919u) % 997u) * 1000.0 + 1.0);
      sketch.add(values.back());
    }
    const double p50 = sketch.quantile(0.5);
    const double p99 = sketch.quantile(0.99);
    if (n > 0 && n <= 64) {
      EXPECT_EQ(p50, numpy_quantile(values, 0.5));
      EXPECT_EQ(p99, numpy_quantile(values, 0.99));
    }
    const double lowest = sketch.min();
    const double highest = sketch.max();
    sketch.seal(0.5, 0.99);
    EXPECT_TRUE(sketch.sealed());
    EXPECT_EQ(sketch.count(), n);
    EXPECT_EQ(sketch.bucket_count(), 0u);
    const auto pair = sketch.quantiles(0.5, 0.99);
    if (n == 0) {
      EXPECT_TRUE(std::isnan(sketch.quantile(0.5)) && std::isnan(pair.second));
      continue;
    }
    EXPECT_EQ(sketch.quantile(0.5), p50);
    EXPECT_EQ(sketch.quantile(0.99), p99);
    EXPECT_EQ(pair.first, p50);
    EXPECT_EQ(pair.second, p99);
    EXPECT_EQ(sketch.quantile(0), lowest);
    EXPECT_EQ(sketch.quantile(1), highest);
    EXPECT_EQ(sketch.min(), lowest);
    EXPECT_EQ(sketch.max(), highest);
    EXPECT_THROW((void)sketch.quantile(0.9), std::logic_error);
    EXPECT_THROW((void)sketch.quantiles(0.5, 0.9), std::logic_error);
    EXPECT_THROW(sketch.add(5.0), std::logic_error);
    EXPECT_THROW(sketch.add(values.back()), std::logic_error);  // its bucket's inline path too
    QuantileSketch open;
    open.add(1.0);
    EXPECT_THROW(open.merge(sketch), std::logic_error);
    EXPECT_THROW(sketch.merge(open), std::logic_error);
    EXPECT_NO_THROW(sketch.seal(0.5, 0.99));  // the same quantiles again
    EXPECT_THROW(sketch.seal(0.25, 0.99), std::logic_error);
    const QuantileSketch copy = sketch;
    EXPECT_TRUE(copy.sealed());
    EXPECT_EQ(copy.quantile(0.99), p99);
    EXPECT_EQ(sketch.count(), n);  // nothing refused changed it
  }
}

TEST(QuantileSketch, InterpolatesBetweenTwoValuesInsteadOfReturningTheMinimum) {
  QuantileSketch s;
  s.add(3000);
  EXPECT_EQ(s.quantile(0.5), 3000);
  EXPECT_EQ(s.quantile(0.99), 3000);
  s.add(1000);
  EXPECT_EQ(s.quantile(0.5), 2000);
  EXPECT_EQ(s.quantile(0.99), 2980);  // numpy.quantile([1000, 3000], 0.99)
  EXPECT_EQ(s.quantile(1), 3000);
}

TEST(QuantileSketch, ExactPhaseIsBitIdenticalToNumpy) {
  const std::vector<double> values = {13.7, 2.25, 1e6 / 3, 7.125, 99.5, 0.1, 42.0};
  QuantileSketch s;
  for (const double v : values)
    s.add(v);
  // repr(float(numpy.quantile(values, q))) with numpy 1.24.
  EXPECT_EQ(s.quantile(0.01), 0.229);
  EXPECT_EQ(s.quantile(0.1), 1.3900000000000001);
  EXPECT_EQ(s.quantile(0.25), 4.6875);
  EXPECT_EQ(s.quantile(0.5), 13.7);
  EXPECT_EQ(s.quantile(0.9), 133393.03333333344);
  EXPECT_EQ(s.quantile(0.99), 313339.30333333317);
  EXPECT_EQ(s.quantile(0.999), 331333.93033333326);
}

TEST(QuantileSketch, BucketedEstimatesAreMonotoneAndWithinMinMax) {
  QuantileSketch s(config(0.01, 4));
  std::vector<double> values;
  for (int i = 0; i < 300; ++i) {
    values.push_back(1000 + (i * 7919) % 5003 + (i % 7 == 0 ? 1e6 : 0));
    s.add(values.back());
  }
  double previous = s.quantile(0);
  EXPECT_EQ(previous, s.min());
  for (int k = 1; k <= 1000; ++k) {
    const double q = k / 1000.0;
    const double got = s.quantile(q);
    EXPECT_GE(got, previous) << q;
    EXPECT_LE(got, s.max()) << q;
    EXPECT_LE(std::abs(got - numpy_quantile(values, q)),
              0.01 * numpy_quantile(values, q) * (1 + 1e-9))
        << q;
    previous = got;
  }
  // Below h = 1 the estimate interpolates from the exact minimum.
  const double q = 0.5 / 299;
  EXPECT_GE(s.quantile(q), s.min());
  EXPECT_LE(std::abs(s.quantile(q) - numpy_quantile(values, q)), 0.01 * numpy_quantile(values, q));
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
  EXPECT_EQ(s.quantile(0.5), 0);         // h = 49.5: ranks 49 and 50 are zeros
  EXPECT_EQ(s.quantile(0.59), 0);        // h = 58.41
  EXPECT_NEAR(s.quantile(0.6), 400, 4);  // h = 59.4: 0.4 of the way from 0 to 1000
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
    const double exact = numpy_quantile(values, q);
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
  EXPECT_EQ(a.quantile(0.5), 3.0);  // 1 1 2 2 3 3 10 10 20 20: h = 4.5, between 3 and 3
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
