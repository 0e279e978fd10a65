#pragma once
// Exact quantiles and downsampled empirical CDFs of a sorted sample, shared by the metrics.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace rlisim::models {

/// One point of an empirical CDF: the fraction of the sample that is <= `value`.
struct CdfPoint {
  double value = 0;
  /// In (0, 1].
  double fraction = 0;

  friend bool operator==(const CdfPoint&, const CdfPoint&) = default;
};

/// Count, mean, quantiles and CDF of one sample. Every statistic is NaN (and `cdf` empty) when
/// the sample is empty.
struct SampleSummary {
  std::uint64_t count = 0;
  double mean = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double median = std::numeric_limits<double>::quiet_NaN();
  double p90 = std::numeric_limits<double>::quiet_NaN();
  double p99 = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  /// See empirical_cdf().
  std::vector<CdfPoint> cdf;
};

/// Fewest CDF points a caller may ask for: the minimum and the maximum.
inline constexpr std::size_t kMinCdfPoints = 2;

/// The q-quantile of an ascending sample by linear interpolation between order statistics
/// (linear_quantile.hpp: Hyndman & Fan type 7, numpy's and pandas' default "linear" method):
/// with h = (n - 1) q, i = floor(h) and t = h - i, the result is x_(i) + t (x_(i+1) - x_(i)),
/// with numpy.quantile's arithmetic, so results match numpy.quantile's for the same doubles and
/// q (pandas scales q by 100 on the way, which can move the result by an ulp). quantile(0) is
/// the minimum and quantile(1) the maximum.
/// NaN when `sorted` is empty.
/// @throws std::invalid_argument if q is outside [0, 1] or NaN.
double sorted_quantile(std::span<const double> sorted, double q);

/// The exact empirical CDF of an ascending sample, F(x) = #{values <= x} / n, sampled at
/// min(n, max_points) evenly spaced ranks r_j = round(j (n - 1) / (k - 1)), j = 0..k-1, which
/// always include the minimum (rank 0) and the maximum (rank n - 1, fraction 1). Each point is
/// (x_(r_j), F(x_(r_j))); with ties F counts the whole run of equal values, and points that
/// would repeat are emitted once, so the result is strictly increasing in both coordinates
/// and may hold fewer than k points. Empty when `sorted` is empty.
/// @throws std::invalid_argument if max_points < kMinCdfPoints.
std::vector<CdfPoint> empirical_cdf(std::span<const double> sorted, std::size_t max_points);

/// Count, mean, min, median, p90, p99, max (sorted_quantile()) and CDF (empirical_cdf()) of an
/// ascending sample. The mean sums in ascending order in long double, so it is deterministic
/// and accurate to about one rounding of the result.
/// @throws std::invalid_argument if cdf_points < kMinCdfPoints.
SampleSummary summarize_sorted(std::span<const double> sorted, std::size_t cdf_points);

/// Throws std::invalid_argument naming `owner` when cdf_points < kMinCdfPoints; for
/// constructors that take a CDF size.
void check_cdf_points(std::size_t cdf_points, const char* owner);

}  // namespace rlisim::models
