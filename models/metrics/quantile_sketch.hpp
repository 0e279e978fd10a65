#pragma once
// A small per-flow streaming quantile summary: exact for short streams, then a DDSketch.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace rlisim::models {

struct QuantileSketchConfig {
  /// Relative accuracy alpha of the log-bucketed phase, in [1e-6, 0.5].
  double relative_accuracy = 0.005;
  /// The first `exact_capacity` values are stored and quantiles over them are exact.
  /// In 1..65535.
  std::uint32_t exact_capacity = 64;
  /// Most buckets kept in the log-bucketed phase (memory bound: 4 B each). When the values
  /// span more than this many buckets, the lowest buckets are merged (DDSketch "collapsing
  /// lowest"), which voids the guarantee only for ranks that fall in the merged buckets.
  /// With alpha = 0.5 % the default 2048 buckets cover a max/min ratio of about 6e8 without merging.
  /// In 16..65535.
  std::uint32_t max_buckets = 2048;
};

/// Streaming quantiles of non-negative values (delays) with bounded memory: the size depends on
/// the configuration and the spread of the values, never on how many values were added.
///
/// Phases:
///  - n <= exact_capacity: values are stored; quantile(q) is exact.
///  - afterwards: DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile
///    sketch with relative-error guarantees", VLDB 2019) with its cubically interpolated
///    mapping: x = 2^e (1 + s) goes to bucket floor(m (e + P(s))), P a cubic approximation of
///    log2(1 + s), m = 7 / (10 ln gamma), gamma = (1 + alpha) / (1 - alpha). Exponent and
///    mantissa come from the bits of x, so no logarithm is computed per value; the buckets are
///    about 1 % more numerous than with the exact logarithm. A bucket [L, L') is reported as
///    L (1 + alpha), within a factor (1 +- alpha) of every value in it; zeros are counted
///    exactly.
///
/// Quantile definition (both phases): linear interpolation between order statistics, numpy's
/// default (linear_quantile.hpp). With x_(0) <= ... <= x_(n-1) the sorted values,
/// h = q (n - 1), i = floor(h) and t = h - i, quantile(q) targets
/// Q = x_(i) + t (x_(i+1) - x_(i)).
///
/// Error guarantee:
///  - First phase: exact, and bit-identical to numpy.quantile(values, q).
///  - Second phase: each rank k is estimated by e_k, the representative of its bucket clamped
///    to [min, max] (0 for zeros, the exact min and max for ranks 0 and n - 1), so
///    |e_k - x_(k)| <= alpha x_(k). quantile(q) interpolates e_i and e_(i+1) with the same t.
///    Because the values are >= 0 and t in [0, 1),
///    |quantile(q) - Q| <= (1 - t) alpha x_(i) + t alpha x_(i+1) = alpha Q,
///    up to floating-point rounding (the bucket boundaries and the interpolation, ~1e-15
///    relative). The bound does not hold when rank i, or rank i + 1 with t > 0, falls into
///    collapsed buckets (collapsed() tells): a collapsed bucket stands for values far below its
///    representative.
/// quantile(0) and quantile(1) are the exact minimum and maximum, every estimate lies in
/// [min, max], and quantile() is non-decreasing in q.
///
/// Cost: add() is O(1) amortised (a cubic polynomial in the second phase; no allocation for the
/// first two values, then at most log8(exact_capacity) allocations); quantile() is O(n) in the
/// first phase and O(buckets) in the second. Memory: 8 B per stored value from the third on; in the
/// second, 4 B per bucket between the smallest and largest bucket seen plus growth slack, never
/// more than 4 B * max_buckets.
class QuantileSketch {
 public:
  /// @throws std::invalid_argument if a parameter is out of range (the message names it).
  explicit QuantileSketch(const QuantileSketchConfig& config = {});

  /// Adds one value.
  /// @throws std::invalid_argument if `value` is negative or NaN.
  /// @throws std::logic_error if the sketch is sealed.
  void add(double value) {
    // Inline fast paths, taken by nearly every value the ground truth adds (one per delivered
    // packet): a stored sample with room left, or a count in an existing bucket. Everything
    // else (validation errors, the first values, allocation, the phase change, zeros, bucket
    // growth) goes through add_slow().
    if (value > 0 && value <= std::numeric_limits<double>::max()) {
      if (count_ >= 3 && count_ < exact_capacity_ && samples_.size() < samples_.capacity()) {
        samples_.push_back(value);
        note(value);
        return;
      }
      if (count_ > exact_capacity_) {
        const int index = bucket_index(value);
        if (index >= lo_ && index <= hi_) {
          std::uint32_t& bin = bins_[static_cast<std::size_t>(index - bin_offset_)];
          if (bin != std::numeric_limits<std::uint32_t>::max()) {
            ++bin;
            note(value);
            return;
          }
        }
      }
    }
    add_slow(value);
  }
  /// Adds all values of `other`, as if they had been added here. The result keeps the
  /// guarantee.
  /// @throws std::invalid_argument if the two sketches have different parameters.
  /// @throws std::logic_error if either is sealed.
  void merge(const QuantileSketch& other);

  /// The q-quantile (see the class comment), q in [0, 1]. NaN when empty.
  /// @throws std::invalid_argument if q is outside [0, 1].
  /// @throws std::logic_error if the sketch is sealed and q is not one it kept.
  double quantile(double q) const;
  /// {quantile(lower_q), quantile(upper_q)} for lower_q <= upper_q, from one selection pass
  /// over the stored values in the first phase (a flow's p50 and p99).
  /// @throws std::invalid_argument if either is outside [0, 1] or lower_q > upper_q.
  std::pair<double, double> quantiles(double lower_q, double upper_q) const;

  /// Keeps quantile(lower_q) and quantile(upper_q) (and count, min and max) and frees the stored
  /// values and buckets, for a stream that has ended: what a finished flow's results need, in a
  /// few bytes, while its row waits to be written. The two values are the ones quantile() gave
  /// before, bit for bit. Afterwards quantile() and quantiles() answer for those q (and 0 and
  /// 1) only, and add() and merge() refuse.
  /// @throws std::invalid_argument as quantiles() does.
  void seal(double lower_q, double upper_q);
  /// True once seal() was called.
  bool sealed() const { return sealed_; }

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// Exact minimum and maximum; NaN when empty.
  double min() const;
  double max() const;
  /// True while every value is stored (quantiles are exact).
  bool is_exact() const { return count_ <= exact_capacity_; }
  /// True if lowest buckets were merged to respect max_buckets.
  bool collapsed() const { return collapsed_; }
  /// Buckets currently allocated (0 in the exact phase).
  std::size_t bucket_count() const { return bins_.size(); }
  double relative_accuracy() const { return relative_accuracy_; }
  std::uint32_t exact_capacity() const { return exact_capacity_; }
  std::uint32_t max_buckets() const { return max_buckets_; }
  /// The parameters this sketch was built with.
  QuantileSketchConfig config() const {
    return {.relative_accuracy = relative_accuracy_,
            .exact_capacity = exact_capacity_,
            .max_buckets = max_buckets_};
  }

  /// The largest relative accuracy alpha that keeps `max_buckets` buckets for values spanning
  /// [min_value, max_value] (max_value / min_value > 1) without collapsing.
  static double suggest_relative_accuracy(double min_value, double max_value,
                                          std::uint32_t max_buckets);

 private:
  // Cubic interpolation of log2 between powers of two, P(s) ~ log2(1 + s) on [0, 1), with the
  // coefficients that minimise the bucket count while keeping the accuracy bound (DDSketch's
  // cubically interpolated mapping; Masson et al., and DataDog's sketches-java). P(0) = 0,
  // P(1) = 1, and P is increasing, so the mapping is continuous and monotone.
  static constexpr double kCubicA = 6.0 / 35.0;
  static constexpr double kCubicB = -3.0 / 5.0;
  static constexpr double kCubicC = 10.0 / 7.0;
  static constexpr std::uint64_t kMantissaMask = (std::uint64_t{1} << 52) - 1;
  static constexpr std::uint64_t kExponentOfOne = std::uint64_t{1023} << 52;

  int bucket_index(double value) const {
    // value = 2^e (1 + s): exponent and mantissa straight from the bits, no logarithm call.
    // Delays are >= 1 ps, so value is normal and positive.
    const auto bits = std::bit_cast<std::uint64_t>(value);
    const double e = static_cast<double>(static_cast<int>(bits >> 52) - 1023);
    const double s = std::bit_cast<double>((bits & kMantissaMask) | kExponentOfOne) - 1.0;
    return static_cast<int>(
        std::floor((((kCubicA * s + kCubicB) * s + kCubicC) * s + e) * multiplier_));
  }
  // Counts a value already stored or bucketed.
  void note(double value) {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    ++count_;
  }
  void add_slow(double value);
  double bucket_value(int index) const;
  // The values (first phase) or estimates (second phase) of ranks `rank` and
  // min(rank + 1, n - 1); the first phase reorders a copy of the stored values.
  std::pair<double, double> order_statistics(std::uint64_t rank) const;
  // In the first phase, with `values` holding the stored values and its elements before `from`
  // each at most every element from `from` on: the values of ranks `rank` >= `from` and
  // min(rank + 1, n - 1), moving the element of rank `rank` into place.
  std::pair<double, double> select_exact(std::span<double> values, std::size_t from,
                                         std::uint64_t rank) const;
  template <typename F>
  void for_each_exact(F&& f) const;
  void to_buckets();
  void add_to_bucket(int index, std::uint64_t n);
  void reallocate(int alloc_lo, int alloc_hi, int merge_below);

  double relative_accuracy_;
  double multiplier_;  // 7 / (10 ln gamma): buckets per unit of interpolated log2
  std::uint64_t count_ = 0;
  std::uint64_t zero_count_ = 0;  // second phase only
  double min_ = 0;
  double max_ = 0;
  // First phase: with n <= 2 the values are exactly {min_, max_} and nothing is stored (most
  // flows are short); from the third value on, all values are stored here.
  // Sealed: {lower_q, upper_q, quantile(lower_q), quantile(upper_q)}, and no buckets.
  std::vector<double> samples_;
  std::vector<std::uint32_t> bins_;  // second phase: bins_[k] counts bucket bin_offset_ + k
  int bin_offset_ = 0;
  int lo_ = 0;  // smallest and largest non-empty bucket (second phase)
  int hi_ = 0;
  std::uint16_t exact_capacity_;
  std::uint16_t max_buckets_;
  bool collapsed_ = false;
  bool sealed_ = false;
};

}  // namespace rlisim::models
