#include "models/metrics/delay_moments.hpp"

#include <cmath>
#include <limits>

namespace rlisim::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// n^2 * variance = n * S2 - S1^2 exactly, but n * S2 can overflow 128 bits for huge sets.
// With S1 = q n + r (truncating division): S1^2 = n S1 q + S1 r, so
//   variance = (S2 - S1 q) / n - (q + r / n) (r / n),
// where A = S2 - S1 q is an exact integer no larger than S2 and r / n lies in (-1, 1).
// Returns n * variance (the sum of squared deviations) in long double.
long double squared_deviations(std::uint64_t count, core::Int128 sum, core::Int128 sum_sq) {
  const auto n = static_cast<core::Int128>(count);
  const core::Int128 q = sum / n;
  const core::Int128 r = sum % n;
  const core::Int128 a = sum_sq - sum * q;
  const long double nl = static_cast<long double>(count);
  const long double frac = static_cast<long double>(r) / nl;
  const long double ss = static_cast<long double>(a) -
                         (static_cast<long double>(q) + frac) * static_cast<long double>(r);
  return ss < 0 ? 0 : ss;
}

}  // namespace

void DelayMoments::merge(const DelayMoments& other) {
  if (other.count_ == 0)
    return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
}

double DelayMoments::mean_ps() const {
  if (count_ == 0)
    return kNaN;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

double DelayMoments::variance_ps2() const {
  if (count_ == 0)
    return kNaN;
  return static_cast<double>(squared_deviations(count_, sum_, sum_sq_) /
                             static_cast<long double>(count_));
}

double DelayMoments::stddev_ps() const {
  return std::sqrt(variance_ps2());
}

double DelayMoments::sample_stddev_ps() const {
  if (count_ < 2)
    return kNaN;
  return static_cast<double>(
      std::sqrt(squared_deviations(count_, sum_, sum_sq_) / static_cast<long double>(count_ - 1)));
}

}  // namespace rlisim::models
