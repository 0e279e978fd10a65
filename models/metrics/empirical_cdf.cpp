#include "models/metrics/empirical_cdf.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "models/metrics/linear_quantile.hpp"
#include "sim/core/int128.hpp"

namespace rlisim::models {

double sorted_quantile(std::span<const double> sorted, double q) {
  if (!(q >= 0 && q <= 1))
    throw std::invalid_argument(fmt::format("quantile: q must be in [0, 1] (got {})", q));
  assert(std::is_sorted(sorted.begin(), sorted.end()));
  if (sorted.empty())
    return std::numeric_limits<double>::quiet_NaN();
  const auto [rank, fraction] = linear_quantile_position(sorted.size(), q);
  return interpolate_order_statistics(sorted[rank], sorted[std::min(rank + 1, sorted.size() - 1)],
                                      fraction);
}

void check_cdf_points(std::size_t cdf_points, const char* owner) {
  if (cdf_points < kMinCdfPoints)
    throw std::invalid_argument(fmt::format(
        "{}: cdf_points must be >= {} so the CDF keeps its minimum and maximum (got {})", owner,
        kMinCdfPoints, cdf_points));
}

std::vector<CdfPoint> empirical_cdf(std::span<const double> sorted, std::size_t max_points) {
  check_cdf_points(max_points, "empirical CDF");
  assert(std::is_sorted(sorted.begin(), sorted.end()));
  std::vector<CdfPoint> cdf;
  const std::size_t n = sorted.size();
  if (n == 0)
    return cdf;
  const std::size_t k = std::min(n, max_points);
  cdf.reserve(k);
  const auto total = static_cast<double>(n);
  for (std::size_t j = 0; j < k; ++j) {
    // Rank round(j (n - 1) / (k - 1)) in exact integer arithmetic (halves round up); 128 bits
    // because j (n - 1) can exceed 64 bits for huge samples.
    std::size_t rank = 0;
    if (k > 1) {
      const core::UInt128 span = static_cast<core::UInt128>(n - 1) * j;
      rank =
          static_cast<std::size_t>((2 * span + (k - 1)) / (2 * static_cast<core::UInt128>(k - 1)));
    }
    const double value = sorted[rank];
    const auto at_or_below = static_cast<std::size_t>(
        std::upper_bound(sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end(), value) -
        sorted.begin());
    const CdfPoint point{value, static_cast<double>(at_or_below) / total};
    if (cdf.empty() || !(cdf.back() == point))
      cdf.push_back(point);
  }
  return cdf;
}

SampleSummary summarize_sorted(std::span<const double> sorted, std::size_t cdf_points) {
  SampleSummary s;
  s.cdf = empirical_cdf(sorted, cdf_points);
  s.count = sorted.size();
  if (sorted.empty())
    return s;
  long double sum = 0;
  for (const double x : sorted)
    sum += x;
  s.mean = static_cast<double>(sum / static_cast<long double>(sorted.size()));
  s.min = sorted.front();
  s.median = sorted_quantile(sorted, 0.5);
  s.p90 = sorted_quantile(sorted, 0.9);
  s.p99 = sorted_quantile(sorted, 0.99);
  s.max = sorted.back();
  return s;
}

}  // namespace rlisim::models
