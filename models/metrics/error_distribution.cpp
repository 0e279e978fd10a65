#include "models/metrics/error_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include <boost/sort/pdqsort/pdqsort.hpp>
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
  if (class_min_packets_.size() > kMaxClasses)
    throw std::invalid_argument(fmt::format("error distribution: {} size classes; at most {}",
                                            class_min_packets_.size(), kMaxClasses));
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
  signed_errors_.push_back((estimate - truth) / truth);
  classes_of_.push_back(static_cast<std::uint8_t>(classes));
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
  signed_errors_.insert(signed_errors_.end(), other.signed_errors_.begin(),
                        other.signed_errors_.end());
  classes_of_.insert(classes_of_.end(), other.classes_of_.begin(), other.classes_of_.end());
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
  std::vector<double> signed_errors;
  std::vector<double> relative;
  for (std::size_t c = 0; c < class_min_packets_.size(); ++c) {
    signed_errors.clear();
    for (std::size_t i = 0; i < signed_errors_.size(); ++i) {
      if (classes_of_[i] > c)
        signed_errors.push_back(signed_errors_[i]);
    }
    // Pattern-defeating quicksort with branchless partitioning: faster than std::sort on
    // doubles in random order. (Boost's radix float_sort is faster still, but overflows a signed
    // integer inside: undefined behaviour.)
    boost::sort::pdqsort_branchless(signed_errors.begin(), signed_errors.end());
    // The relative errors in order: the negative signed errors' magnitudes, from the last,
    // merged with the others.
    const auto negatives = static_cast<std::size_t>(
        std::lower_bound(signed_errors.begin(), signed_errors.end(), 0.0) - signed_errors.begin());
    relative.resize(signed_errors.size());
    std::size_t neg = negatives;
    std::size_t pos = negatives;
    for (double& r : relative) {
      if (pos == signed_errors.size() ||
          (neg > 0 && -signed_errors[neg - 1] <= signed_errors[pos])) {
        r = -signed_errors[--neg];
      } else {
        r = signed_errors[pos++];
      }
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
