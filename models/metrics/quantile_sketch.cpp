#include "models/metrics/quantile_sketch.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <absl/container/inlined_vector.h>
#include <fmt/format.h>

#include "models/metrics/linear_quantile.hpp"

namespace rlisim::models {
namespace {

constexpr double kMinAccuracy = 1e-6;
constexpr double kMaxAccuracy = 0.5;
constexpr std::uint32_t kMinBuckets = 16;
constexpr std::uint32_t kMaxBuckets = 65535;
constexpr int kMinSlack = 8;

const QuantileSketchConfig& validated(const QuantileSketchConfig& c) {
  if (!(c.relative_accuracy >= kMinAccuracy && c.relative_accuracy <= kMaxAccuracy)) {
    throw std::invalid_argument(fmt::format(
        "quantile sketch: relative_accuracy must be in [{}, {}] (got {}); 0.005 means 0.5 %",
        kMinAccuracy, kMaxAccuracy, c.relative_accuracy));
  }
  if (c.exact_capacity < 1 || c.exact_capacity > 65535) {
    throw std::invalid_argument(fmt::format(
        "quantile sketch: exact_capacity must be in 1..65535 (got {})", c.exact_capacity));
  }
  if (c.max_buckets < kMinBuckets || c.max_buckets > kMaxBuckets) {
    throw std::invalid_argument(
        fmt::format("quantile sketch: max_buckets must be in {}..{} (got {})", kMinBuckets,
                    kMaxBuckets, c.max_buckets));
  }
  return c;
}

}  // namespace

QuantileSketch::QuantileSketch(const QuantileSketchConfig& config)
    : relative_accuracy_(validated(config).relative_accuracy),
      multiplier_(
          7.0 / (10.0 * std::log1p(2 * config.relative_accuracy / (1 - config.relative_accuracy)))),
      exact_capacity_(static_cast<std::uint16_t>(config.exact_capacity)),
      max_buckets_(static_cast<std::uint16_t>(config.max_buckets)) {}

double QuantileSketch::bucket_value(int index) const {
  // Bucket i holds [L_i, L_(i+1)), L_i = 2^e (1 + s) with e + P(s) = i / multiplier; the
  // representative L_i (1 + alpha) is within alpha of every value in it, because the
  // multiplier keeps L_(i+1) / L_i <= (1 + alpha) / (1 - alpha). P(s) = t is solved for s
  // with Cardano's formula.
  const double normalized = static_cast<double>(index) / multiplier_;
  const double exponent = std::floor(normalized);
  const double d0 = kCubicB * kCubicB - 3 * kCubicA * kCubicC;
  const double d1 = 2 * kCubicB * kCubicB * kCubicB - 9 * kCubicA * kCubicB * kCubicC -
                    27 * kCubicA * kCubicA * (normalized - exponent);
  const double p = std::cbrt((d1 - std::sqrt(d1 * d1 - 4 * d0 * d0 * d0)) / 2);
  const double s = -(kCubicB + p + d0 / p) / (3 * kCubicA);
  return std::ldexp(1.0 + s, static_cast<int>(exponent)) * (1 + relative_accuracy_);
}

double QuantileSketch::min() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : min_;
}

double QuantileSketch::max() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : max_;
}

template <typename F>
void QuantileSketch::for_each_exact(F&& f) const {
  if (count_ == 1) {
    f(min_);
  } else if (count_ == 2) {
    f(min_);
    f(max_);
  } else {
    for (const double s : samples_)
      f(s);
  }
}

void QuantileSketch::add_slow(double value) {
  if (sealed_)
    throw std::logic_error("quantile sketch: cannot add to a sealed sketch");
  if (!(value >= 0) || !std::isfinite(value)) {
    throw std::invalid_argument(
        fmt::format("quantile sketch: values must be finite and >= 0 (got {})", value));
  }
  if (count_ < exact_capacity_) {
    // Stays exact. Storage starts with the third value; capacity grows 8, 64, 512, ... so a
    // flow reaches exact_capacity with few allocations.
    if (count_ == 2) {
      samples_.reserve(std::min<std::size_t>(8, exact_capacity_));
      samples_.push_back(min_);
      samples_.push_back(max_);
    }
    if (count_ >= 2) {
      if (samples_.size() == samples_.capacity()) {
        samples_.reserve(std::min<std::size_t>(samples_.capacity() * 8, exact_capacity_));
      }
      samples_.push_back(value);
    }
  } else if (count_ == exact_capacity_) {
    to_buckets();
  }
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  if (count_ <= exact_capacity_)
    return;
  if (value == 0) {
    ++zero_count_;
  } else {
    add_to_bucket(bucket_index(value), 1);
  }
}

void QuantileSketch::to_buckets() {
  // The stored values' bucket range is known before any is added: allocate it once, with room
  // to grow by half its width on each side, instead of growing the buckets as the values come
  // (several reallocations per flow, the most expensive part of a flow's sketch otherwise).
  double smallest_positive = 0;
  for_each_exact([&smallest_positive](double s) {
    if (s > 0 && (smallest_positive == 0 || s < smallest_positive))
      smallest_positive = s;
  });
  if (smallest_positive > 0 && bins_.empty()) {
    const int lo = bucket_index(smallest_positive);
    const int hi = bucket_index(max_);
    const int width = hi - lo + 1;
    const int window = max_buckets_;
    if (width <= window) {
      const int slack = std::min(std::max(kMinSlack, width / 2), (window - width) / 2);
      bins_.assign(static_cast<std::size_t>(width + 2 * slack), 0);
      bin_offset_ = lo - slack;
      lo_ = lo;
      hi_ = hi;
    }
  }
  for_each_exact([this](double s) {
    if (s == 0) {
      ++zero_count_;
    } else {
      add_to_bucket(bucket_index(s), 1);
    }
  });
  std::vector<double>().swap(samples_);  // release the memory, not just the size
}

void QuantileSketch::reallocate(int alloc_lo, int alloc_hi, int merge_below) {
  std::vector<std::uint32_t> bins(static_cast<std::size_t>(alloc_hi - alloc_lo + 1), 0);
  for (std::size_t k = 0; k < bins_.size(); ++k) {
    if (bins_[k] == 0)
      continue;
    const int index = std::max(bin_offset_ + static_cast<int>(k), merge_below);
    bins[static_cast<std::size_t>(index - alloc_lo)] += bins_[k];
  }
  bins_ = std::move(bins);
  bin_offset_ = alloc_lo;
}

void QuantileSketch::add_to_bucket(int index, std::uint64_t n) {
  if (bins_.empty()) {
    bins_.assign(kMinSlack, 0);
    bin_offset_ = index - kMinSlack / 2;
    lo_ = hi_ = index;
  } else if (index < lo_ || index > hi_) {
    int lo = std::min(lo_, index);
    const int hi = std::max(hi_, index);
    const int window = max_buckets_;
    if (hi - lo >= window) {
      // Collapse the lowest buckets into the lowest one the window keeps.
      lo = hi - window + 1;
      index = std::max(index, lo);
      collapsed_ = true;
    }
    const int alloc_hi_now = bin_offset_ + static_cast<int>(bins_.size()) - 1;
    if (lo < bin_offset_ || hi > alloc_hi_now || lo > lo_) {
      // Grow with slack on the side that grew (amortised O(1)), never past the largest window
      // that still contains [lo, hi].
      const int slack = std::max<int>(kMinSlack, static_cast<int>(bins_.size()) / 2);
      int alloc_lo = std::min(bin_offset_, lo);
      int alloc_hi = std::max(alloc_hi_now, hi);
      if (lo < bin_offset_)
        alloc_lo = lo - slack;
      if (hi > alloc_hi_now)
        alloc_hi = hi + slack;
      alloc_lo = std::max(alloc_lo, hi - window + 1);
      alloc_hi = std::min(alloc_hi, lo + window - 1);
      alloc_lo = std::max(alloc_lo, alloc_hi - window + 1);  // at most `window` buckets
      reallocate(alloc_lo, alloc_hi, lo);
    }
    lo_ = lo;
    hi_ = hi;
  }
  std::uint32_t& bin = bins_[static_cast<std::size_t>(index - bin_offset_)];
  if (n > std::numeric_limits<std::uint32_t>::max() - bin) {
    throw std::overflow_error("quantile sketch: more than 2^32 - 1 values in one bucket");
  }
  bin += static_cast<std::uint32_t>(n);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (other.relative_accuracy_ != relative_accuracy_ || other.exact_capacity_ != exact_capacity_ ||
      other.max_buckets_ != max_buckets_) {
    throw std::invalid_argument(fmt::format(
        "quantile sketch: cannot merge sketches with different parameters (relative_accuracy "
        "{} vs {}, exact_capacity {} vs {}, max_buckets {} vs {})",
        relative_accuracy_, other.relative_accuracy_, exact_capacity_, other.exact_capacity_,
        max_buckets_, other.max_buckets_));
  }
  if (sealed_ || other.sealed_)
    throw std::logic_error("quantile sketch: cannot merge a sealed sketch");
  if (other.count_ == 0)
    return;
  if (&other == this) {
    const QuantileSketch copy = other;
    merge(copy);
    return;
  }
  if (other.is_exact()) {
    other.for_each_exact([this](double s) { add(s); });
    return;
  }
  if (is_exact())
    to_buckets();
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  collapsed_ = collapsed_ || other.collapsed_;
  for (std::size_t k = 0; k < other.bins_.size(); ++k) {
    if (other.bins_[k] != 0)
      add_to_bucket(other.bin_offset_ + static_cast<int>(k), other.bins_[k]);
  }
}

double QuantileSketch::quantile(double q) const {
  if (!(q >= 0 && q <= 1)) {
    throw std::invalid_argument(fmt::format("quantile sketch: q must be in [0, 1] (got {})", q));
  }
  if (count_ == 0)
    return std::numeric_limits<double>::quiet_NaN();
  if (q == 0)
    return min_;
  if (q == 1)
    return max_;
  if (sealed_) {
    if (q == samples_[0])
      return samples_[2];
    if (q == samples_[1])
      return samples_[3];
    throw std::logic_error(
        fmt::format("quantile sketch: sealed with quantiles {} and {} only (asked for {})",
                    samples_[0], samples_[1], q));
  }
  const auto [rank, fraction] = linear_quantile_position(count_, q);
  const auto [lower, upper] = order_statistics(rank);
  return interpolate_order_statistics(lower, upper, fraction);
}

namespace {

// The stored values to select from: on the stack up to the default exact capacity, since a
// run asks each flow's sketch for its quantiles.
using ExactCopy = absl::InlinedVector<double, QuantileSketchConfig{}.exact_capacity>;

}  // namespace

std::pair<double, double> QuantileSketch::quantiles(double lower_q, double upper_q) const {
  if (!(lower_q <= upper_q)) {
    throw std::invalid_argument(fmt::format(
        "quantile sketch: quantiles({}, {}) needs the lower one first", lower_q, upper_q));
  }
  if (sealed_ || !is_exact() || count_ <= 2 || !(lower_q > 0) || !(upper_q < 1))
    return {quantile(lower_q), quantile(upper_q)};
  const auto [lower_rank, lower_fraction] = linear_quantile_position(count_, lower_q);
  const auto [upper_rank, upper_fraction] = linear_quantile_position(count_, upper_q);
  ExactCopy values(samples_.begin(), samples_.end());
  const auto lower = select_exact(values, 0, lower_rank);
  // Every value after the lower rank's is at least it: the upper rank is among them.
  const auto upper =
      upper_rank == lower_rank
          ? lower
          : select_exact(values, static_cast<std::size_t>(lower_rank) + 1, upper_rank);
  return {interpolate_order_statistics(lower.first, lower.second, lower_fraction),
          interpolate_order_statistics(upper.first, upper.second, upper_fraction)};
}

void QuantileSketch::seal(double lower_q, double upper_q) {
  if (sealed_) {
    (void)quantiles(lower_q, upper_q);  // the same q again: nothing to do; other q throw
    return;
  }
  const auto [lower, upper] = quantiles(lower_q, upper_q);
  // Swapped with fresh vectors, so that the old storage is freed (assigning would keep it).
  std::vector<double>{lower_q, upper_q, lower, upper}.swap(samples_);
  std::vector<std::uint32_t>().swap(bins_);
  // The inline add() paths must not find room: no spare capacity, no bucket range.
  if (samples_.capacity() != samples_.size())
    throw std::logic_error("quantile sketch: sealed storage has spare capacity");
  lo_ = 1;
  hi_ = 0;
  sealed_ = true;
}

std::pair<double, double> QuantileSketch::select_exact(std::span<double> values, std::size_t from,
                                                       std::uint64_t rank) const {
  const std::uint64_t upper_rank = std::min(rank + 1, count_ - 1);
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(from), at, values.end());
  // nth_element leaves every value after `at` >= *at: the next order statistic is their
  // minimum.
  return {*at, upper_rank == rank ? *at : *std::min_element(at + 1, values.end())};
}

std::pair<double, double> QuantileSketch::order_statistics(std::uint64_t rank) const {
  const std::uint64_t upper_rank = std::min(rank + 1, count_ - 1);
  if (is_exact() && count_ <= 2)
    return {rank == 0 ? min_ : max_, upper_rank == 0 ? min_ : max_};
  if (is_exact()) {
    ExactCopy values(samples_.begin(), samples_.end());
    return select_exact(values, 0, rank);
  }
  // Second phase: one walk over the buckets finds both ranks. The extreme ranks are known
  // exactly, and exact values beat bucket representatives.
  const std::uint64_t ranks[2] = {rank, upper_rank};
  double estimates[2] = {max_, max_};
  std::size_t found = 0;
  std::uint64_t seen = zero_count_;  // ranks below `seen` are zeros
  while (found < 2 && ranks[found] < seen)
    estimates[found++] = 0;
  for (std::size_t k = 0; k < bins_.size() && found < 2; ++k) {
    if (bins_[k] == 0)
      continue;
    seen += bins_[k];
    while (found < 2 && ranks[found] < seen) {
      estimates[found++] = std::clamp(bucket_value(bin_offset_ + static_cast<int>(k)), min_, max_);
    }
  }
  assert(found == 2);  // the buckets and zeros hold all count_ values
  for (std::size_t j = 0; j < 2; ++j) {
    if (ranks[j] == 0)
      estimates[j] = min_;
    else if (ranks[j] == count_ - 1)
      estimates[j] = max_;
  }
  return {estimates[0], estimates[1]};
}

double QuantileSketch::suggest_relative_accuracy(double min_value, double max_value,
                                                 std::uint32_t max_buckets) {
  if (!(min_value > 0) || !(max_value > min_value) || max_buckets < kMinBuckets) {
    throw std::invalid_argument(fmt::format(
        "quantile sketch: suggest_relative_accuracy needs 0 < min_value < max_value and "
        "max_buckets >= {} (got {}, {}, {})",
        kMinBuckets, min_value, max_value, max_buckets));
  }
  // A span [min, max] needs at most multiplier * stretch * log2(max / min) + 2 buckets, with
  // multiplier = 7 / (10 ln gamma) and stretch = (52 / 35) ln 2, the largest local slope of
  // the interpolated log2 relative to the true one (at s -> 1).
  const double stretch = 52.0 / 35.0 * std::log(2.0);
  const double log_gamma = 0.7 * stretch * std::log2(max_value / min_value) / (max_buckets - 2);
  return std::max(kMinAccuracy, std::tanh(log_gamma / 2));
}

}  // namespace rlisim::models
