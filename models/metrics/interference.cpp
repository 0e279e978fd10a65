#include "models/metrics/interference.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace rlisim::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum))
    throw std::invalid_argument(
        fmt::format("interference: {} overflows 64 bits ({} + {})", what, a, b));
  return sum;
}

void check_mean(double mean_ps, const char* name) {
  if (!std::isnan(mean_ps) && (!std::isfinite(mean_ps) || mean_ps < 0))
    throw std::invalid_argument(fmt::format(
        "interference: {} must be finite and >= 0 ps, or NaN for no delivered packet (got {})",
        name, mean_ps));
}

void check_loss(std::uint64_t offered, std::uint64_t dropped, const char* run) {
  if (dropped > offered)
    throw std::invalid_argument(
        fmt::format("interference: run {} references dropped {} of only {} offered regular packets",
                    run, dropped, offered));
}

double loss_rate(std::uint64_t offered, std::uint64_t dropped) {
  return offered == 0 ? kNaN : static_cast<double>(dropped) / static_cast<double>(offered);
}

}  // namespace

InterferenceSummary::InterferenceSummary(std::size_t cdf_points) : cdf_points_(cdf_points) {
  check_cdf_points(cdf_points_, "interference");
}

void InterferenceSummary::add_flow(double mean_with_ps, double mean_without_ps,
                                   std::uint64_t fate_changes) {
  check_mean(mean_with_ps, "mean_with_ps");
  check_mean(mean_without_ps, "mean_without_ps");
  fate_changes_ = checked_add(fate_changes_, fate_changes, "fate_changes");
  ++flows_added_;
  if (fate_changes > 0)
    ++flows_with_fate_change_;
  if (std::isnan(mean_with_ps) || std::isnan(mean_without_ps)) {
    ++not_comparable_;
    return;
  }
  deltas_.push_back(mean_with_ps - mean_without_ps);
}

void InterferenceSummary::add_loss(std::uint64_t offered_with, std::uint64_t dropped_with,
                                   std::uint64_t offered_without, std::uint64_t dropped_without) {
  check_loss(offered_with, dropped_with, "with");
  check_loss(offered_without, dropped_without, "without");
  // Compute every sum before storing any, so a throw leaves the object unchanged.
  const std::uint64_t ow = checked_add(offered_with_, offered_with, "offered_with");
  const std::uint64_t dw = checked_add(dropped_with_, dropped_with, "dropped_with");
  const std::uint64_t on = checked_add(offered_without_, offered_without, "offered_without");
  const std::uint64_t dn = checked_add(dropped_without_, dropped_without, "dropped_without");
  offered_with_ = ow;
  dropped_with_ = dw;
  offered_without_ = on;
  dropped_without_ = dn;
}

void InterferenceSummary::merge(const InterferenceSummary& other) {
  if (other.cdf_points_ != cdf_points_)
    throw std::invalid_argument(
        fmt::format("interference: merge needs the same cdf_points ({} vs {})", cdf_points_,
                    other.cdf_points_));
  if (&other == this) {
    const InterferenceSummary copy = other;
    merge(copy);
    return;
  }
  const std::uint64_t fate = checked_add(fate_changes_, other.fate_changes_, "fate_changes");
  add_loss(other.offered_with_, other.dropped_with_, other.offered_without_,
           other.dropped_without_);
  fate_changes_ = fate;
  deltas_.insert(deltas_.end(), other.deltas_.begin(), other.deltas_.end());
  flows_added_ += other.flows_added_;
  not_comparable_ += other.not_comparable_;
  flows_with_fate_change_ += other.flows_with_fate_change_;
}

InterferenceStats InterferenceSummary::summary() const {
  InterferenceStats s;
  s.flows_added = flows_added_;
  s.not_comparable = not_comparable_;
  s.compared = deltas_.size();
  std::vector<double> positive;
  std::vector<double> negative;
  long double sum = 0;
  double max_abs = 0;
  for (const double d : deltas_) {
    sum += d;
    max_abs = std::max(max_abs, std::abs(d));
    if (d > 0)
      positive.push_back(d);
    else if (d < 0)
      negative.push_back(-d);
    else
      ++s.zero;
  }
  s.positive = positive.size();
  s.negative = negative.size();
  if (s.compared > 0) {
    s.negative_fraction = static_cast<double>(s.negative) / static_cast<double>(s.compared);
    s.max_abs_delta_ps = max_abs;
    s.mean_delta_ps = static_cast<double>(sum / static_cast<long double>(s.compared));
  }
  std::sort(positive.begin(), positive.end());
  std::sort(negative.begin(), negative.end());
  s.positive_abs_delta_ps = summarize_sorted(positive, cdf_points_);
  s.negative_abs_delta_ps = summarize_sorted(negative, cdf_points_);
  s.flows_with_fate_change = flows_with_fate_change_;
  s.fate_changes = fate_changes_;
  s.offered_with = offered_with_;
  s.dropped_with = dropped_with_;
  s.offered_without = offered_without_;
  s.dropped_without = dropped_without_;
  s.loss_rate_with = loss_rate(offered_with_, dropped_with_);
  s.loss_rate_without = loss_rate(offered_without_, dropped_without_);
  s.loss_rate_difference = s.loss_rate_with - s.loss_rate_without;
  return s;
}

}  // namespace rlisim::models
