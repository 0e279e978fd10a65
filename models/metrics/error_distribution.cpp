#include "models/metrics/error_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace rlisim::models {

ErrorDistribution::ErrorDistribution(std::vector<std::uint64_t> class_min_packets,
                                     std::size_t cdf_points)
    : class_min_packets_(std::move(class_min_packets)), cdf_points_(cdf_points) {
  if (class_min_packets_.empty())
    throw std::invalid_argument(
        "error distribution: class_min_packets is empty; give at least one size class (e.g. 1)");
  for (std::size_t i = 0; i < class_min_packets_.size(); ++i) {
    if (class_min_packets_[i] == 0)
      throw std::invalid_argument(fmt::format(
          "error distribution: class_min_packets[{}] = 0; a flow has >= 1 delivered packet", i));
    if (i > 0 && class_min_packets_[i] <= class_min_packets_[i - 1])
      throw std::invalid_argument(
          fmt::format("error distribution: class_min_packets must be strictly increasing "
                      "(class_min_packets[{}] = {} after {})",
                      i, class_min_packets_[i], class_min_packets_[i - 1]));
  }
  check_cdf_points(cdf_points_, "error distribution");
  counters_.resize(class_min_packets_.size());
}

void ErrorDistribution::add(double estimate, double truth, std::uint64_t flow_packets) {
  if (flow_packets == 0)
    throw std::invalid_argument(
        "error distribution: flow_packets = 0; only flows with delivered packets have a truth");
  if (!std::isfinite(truth) || truth < 0)
    throw std::invalid_argument(
        fmt::format("error distribution: truth must be finite and >= 0 (got {})", truth));
  // A negative estimate is legitimate (an estimator with a clock offset at one tap); its
  // relative error is still defined.
  if (std::isinf(estimate))
    throw std::invalid_argument(fmt::format(
        "error distribution: estimate must be finite, or NaN for none (got {})", estimate));
  ++flows_added_;
  // Classes are sorted, so the flow belongs to a prefix of them.
  const auto classes = static_cast<std::size_t>(
      std::upper_bound(class_min_packets_.begin(), class_min_packets_.end(), flow_packets) -
      class_min_packets_.begin());
  if (truth == 0) {
    for (std::size_t c = 0; c < classes; ++c)
      ++counters_[c].excluded_zero_truth;
    return;
  }
  if (std::isnan(estimate)) {
    for (std::size_t c = 0; c < classes; ++c)
      ++counters_[c].no_estimate;
    return;
  }
  const double diff = estimate - truth;
  errors_.push_back({std::abs(diff) / truth, diff / truth, flow_packets});
}

void ErrorDistribution::merge(const ErrorDistribution& other) {
  if (other.class_min_packets_ != class_min_packets_ || other.cdf_points_ != cdf_points_)
    throw std::invalid_argument(
        "error distribution: merge needs the same class_min_packets and cdf_points");
  if (&other == this) {
    const ErrorDistribution copy = other;
    merge(copy);
    return;
  }
  errors_.insert(errors_.end(), other.errors_.begin(), other.errors_.end());
  for (std::size_t c = 0; c < counters_.size(); ++c) {
    counters_[c].excluded_zero_truth += other.counters_[c].excluded_zero_truth;
    counters_[c].no_estimate += other.counters_[c].no_estimate;
  }
  flows_added_ += other.flows_added_;
}

ErrorSummary ErrorDistribution::summary() const {
  ErrorSummary out;
  out.flows_added = flows_added_;
  out.classes.reserve(class_min_packets_.size());
  // Each class is the flows of at least its size, so filtering the errors sorted once keeps
  // every class sorted: two sorts in all instead of two per class.
  const auto sorted_by = [this](double FlowError::*field) {
    std::vector<FlowError> sorted = errors_;
    std::sort(sorted.begin(), sorted.end(),
              [field](const FlowError& a, const FlowError& b) { return a.*field < b.*field; });
    return sorted;
  };
  const std::vector<FlowError> by_relative = sorted_by(&FlowError::relative);
  const std::vector<FlowError> by_signed = sorted_by(&FlowError::signed_error);
  std::vector<double> relative;
  std::vector<double> signed_errors;
  relative.reserve(errors_.size());
  signed_errors.reserve(errors_.size());
  for (std::size_t c = 0; c < class_min_packets_.size(); ++c) {
    relative.clear();
    signed_errors.clear();
    for (const FlowError& e : by_relative) {
      if (e.packets >= class_min_packets_[c])
        relative.push_back(e.relative);
    }
    for (const FlowError& e : by_signed) {
      if (e.packets >= class_min_packets_[c])
        signed_errors.push_back(e.signed_error);
    }
    SampleSummary s = summarize_sorted(relative, cdf_points_);
    ErrorClassSummary& cls = out.classes.emplace_back();
    cls.min_packets = class_min_packets_[c];
    cls.flows = s.count;
    cls.excluded_zero_truth = counters_[c].excluded_zero_truth;
    cls.no_estimate = counters_[c].no_estimate;
    cls.median = s.median;
    cls.p90 = s.p90;
    cls.p99 = s.p99;
    cls.mean = s.mean;
    cls.max = s.max;
    cls.signed_median = sorted_quantile(signed_errors, 0.5);
    cls.cdf = std::move(s.cdf);
  }
  return out;
}

}  // namespace rlisim::models
