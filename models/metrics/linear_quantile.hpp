#pragma once
// The sample quantile definition of every rlisim statistic: linear interpolation between order
// statistics, numpy's and pandas' default.

#include <cstdint>

namespace rlisim::models {

/// Where the q-quantile of n sorted values x_(0) <= ... <= x_(n-1) lies under the linear
/// definition (Hyndman & Fan type 7, numpy.quantile's default method "linear"):
/// h = q (n - 1), the quantile is x_(i) + t (x_(i+1) - x_(i)) with i = floor(h), t = h - i.
struct LinearQuantilePosition {
  /// i, in [0, n - 1].
  std::uint64_t lower_rank = 0;
  /// t, in [0, 1); 0 when lower_rank is n - 1 (then x_(i+1) is not needed).
  double fraction = 0;
};

/// The position of the q-quantile among n values. h is computed as numpy computes it,
/// (n - 1) * q in double, so the ranks and the fraction are numpy's.
/// Preconditions (asserted): n >= 1, q in [0, 1].
LinearQuantilePosition linear_quantile_position(std::uint64_t n, double q);

/// lower + fraction (upper - lower), evaluated as numpy.quantile's "linear" lerp: from the
/// nearer end, upper - (1 - fraction) (upper - lower) when fraction >= 0.5. That keeps the
/// result monotone in `fraction`, within [lower, upper], and bit-identical to numpy's for the
/// same doubles.
double interpolate_order_statistics(double lower, double upper, double fraction);

}  // namespace rlisim::models
