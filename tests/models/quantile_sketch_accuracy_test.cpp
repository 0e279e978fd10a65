// QuantileSketch's documented guarantee against numpy's quantile definition on random data.

#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models/metrics/quantile_sketch.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models {
namespace {

constexpr double kPi = 3.14159265358979323846;

double normal(std::mt19937_64& rng) {
  // Box-Muller; 1 - U lies in (0, 1] so the logarithm is finite.
  const double u1 = 1 - core::uniform01(rng);
  const double u2 = core::uniform01(rng);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

struct Distribution {
  std::string name;
  std::function<double(std::mt19937_64&)> draw;
};

// Delay-like distributions in ps: light and heavy tails, a wide lognormal, two far-apart modes,
// heavy ties on a few integers, and a mixture with exact zeros.
std::vector<Distribution> distributions() {
  return {
      {"uniform", [](auto& r) { return 1e3 + core::uniform01(r) * 1e6; }},
      {"exponential", [](auto& r) { return core::exponential(r, 5e6); }},
      {"lognormal", [](auto& r) { return std::exp(14 + 1.5 * normal(r)); }},
      {"pareto", [](auto& r) { return 1e4 / std::pow(1 - core::uniform01(r), 1 / 1.2); }},
      {"bimodal",
       [](auto& r) {
         return core::uniform01(r) < 0.9 ? 1e6 + 1e4 * normal(r) * 0.1 + 2e4
                                         : 1e8 + 1e6 * core::uniform01(r);
       }},
      {"ties", [](auto& r) { return 1 + std::floor(core::uniform01(r) * 10); }},
      {"with zeros",
       [](auto& r) { return core::uniform01(r) < 0.3 ? 0.0 : core::exponential(r, 1e5); }},
  };
}

// Brute-force oracle, numpy.quantile(x, q) with method "linear" written out on the sorted
// values: h = q (n - 1), x_(floor h) + (h - floor h) (x_(floor h + 1) - x_(floor h)).
double exact_quantile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= sorted.size())
    return sorted.back();
  return sorted[i] + (h - std::floor(h)) * (sorted[i + 1] - sorted[i]);
}

// Checks the bound and returns the largest |estimate - exact| / (alpha exact) seen in the
// bucketed phase (0 in the exact phase).
double check_guarantee(const Distribution& d, double alpha, std::size_t n, std::uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << d.name << " alpha " << alpha << " n " << n);
  QuantileSketchConfig config;
  config.relative_accuracy = alpha;
  config.exact_capacity = 64;
  // Enough buckets that no distribution here collapses even at alpha = 0.1 %: a span of
  // e^(16384 * 2 * 0.001) = 1.7e14 (the default 2048 covers 8e8 at 0.5 %).
  config.max_buckets = 16384;
  QuantileSketch sketch(config);
  auto rng = core::make_rng(seed, n);
  std::vector<double> values;
  values.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    values.push_back(d.draw(rng));
    sketch.add(values.back());
  }
  std::sort(values.begin(), values.end());
  EXPECT_FALSE(sketch.collapsed());
  if (sketch.collapsed())
    return 0;
  std::vector<double> qs = {0, 1e-4, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1};
  for (int i = 0; i < 200; ++i)
    qs.push_back(core::uniform01(rng));
  double worst = 0;
  for (const double q : qs) {
    const double exact = exact_quantile(values, q);
    const double got = sketch.quantile(q);
    if (n <= config.exact_capacity || q == 0 || q == 1) {
      // Exact; the oracle's one-sided lerp may differ from numpy's two-sided one by an ulp.
      EXPECT_DOUBLE_EQ(got, exact) << "q " << q;
      continue;
    }
    // The documented bound, with room only for rounding (bucket boundaries, lerp; ~1e-15).
    EXPECT_LE(std::abs(got - exact), alpha * exact * (1 + 1e-9)) << "q " << q;
    if (exact > 0)
      worst = std::max(worst, std::abs(got - exact) / exact);
  }
  // The bound is not vacuous: some estimate uses a good part of it.
  if (n > 10 * config.exact_capacity && d.name != "ties") {
    EXPECT_GT(worst, alpha / 10);
  }
  return worst / alpha;
}

TEST(QuantileSketchAccuracy, MeetsTheRelativeErrorGuaranteeOnEveryDistribution) {
  double worst_share_of_bound = 0;
  for (const Distribution& d : distributions()) {
    for (const double alpha : {0.005, 0.01, 0.001}) {
      for (const std::size_t n : {2, 10, 64, 65, 66, 100, 1000, 200'000}) {
        worst_share_of_bound = std::max(worst_share_of_bound, check_guarantee(d, alpha, n, 2024));
      }
    }
  }
  std::ostringstream worst;
  worst << std::setprecision(12) << worst_share_of_bound;
  RecordProperty("worst_error_share_of_bound", worst.str());
}

TEST(QuantileSketchAccuracy, MergedSketchesKeepTheGuarantee) {
  QuantileSketchConfig config;
  config.relative_accuracy = 0.005;
  QuantileSketch total(config);
  std::vector<double> values;
  auto rng = core::make_rng(5, 5);
  for (int part = 0; part < 50; ++part) {
    QuantileSketch s(config);
    const double scale = std::exp(10 + part * 0.2);
    const int n = 10 + part * part * 10;  // some parts stay exact, some do not
    for (int i = 0; i < n; ++i) {
      values.push_back(core::exponential(rng, scale));
      s.add(values.back());
    }
    total.merge(s);
  }
  std::sort(values.begin(), values.end());
  ASSERT_EQ(total.count(), values.size());
  for (double q = 0; q <= 1; q += 0.005) {
    const double exact = exact_quantile(values, q);
    EXPECT_LE(std::abs(total.quantile(q) - exact), 0.005 * exact * (1 + 1e-9)) << q;
  }
}

}  // namespace
}  // namespace rlisim::models
