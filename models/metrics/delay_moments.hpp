#pragma once
// Exact count, extremes, mean and standard deviation of a set of delays in integer picoseconds.

#include <algorithm>
#include <cstdint>

#include "sim/core/int128.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {

/// Running moments of delays, kept as exact integer sums (128-bit) of picoseconds and squared
/// picoseconds, so the mean and variance carry no accumulated rounding error: only the final
/// division rounds (to long double, then double). 128 bits hold the sum of squares of 10^12
/// delays of 10 s each.
class DelayMoments {
 public:
  void add(core::Time delay) {
    const std::int64_t d = delay.count();
    if (count_ == 0) {
      min_ = max_ = d;
    } else {
      min_ = std::min(min_, d);
      max_ = std::max(max_, d);
    }
    ++count_;
    sum_ += d;
    sum_sq_ += static_cast<core::Int128>(d) * d;
  }
  /// Adds every delay of `other`.
  void merge(const DelayMoments& other);

  std::uint64_t count() const { return count_; }
  /// Smallest and largest delay; zero when empty.
  core::Time min() const { return core::Time{min_}; }
  core::Time max() const { return core::Time{max_}; }
  /// Exact sums: sum of delays (ps) and of squared delays (ps^2).
  core::Int128 sum_ps() const { return sum_; }
  core::Int128 sum_sq_ps() const { return sum_sq_; }

  /// Mean delay in ps; NaN when empty.
  double mean_ps() const;
  /// Population variance (divide by n) in ps^2: the exact spread of this finite set of
  /// delays, defined (zero) for a single delay; NaN when empty.
  double variance_ps2() const;
  /// Population standard deviation in ps (sqrt of variance_ps2()); NaN when empty.
  double stddev_ps() const;
  /// Sample standard deviation (divide by n - 1) in ps; NaN when count() < 2.
  double sample_stddev_ps() const;

 private:
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  core::Int128 sum_ = 0;
  core::Int128 sum_sq_ = 0;
};

}  // namespace rlisim::models
