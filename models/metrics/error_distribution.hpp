#pragma once
// Per-flow relative errors of one estimator for one statistic, summarised across flows.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "models/metrics/empirical_cdf.hpp"

namespace rlisim::models {

/// The errors of the flows in one cumulative size class (flows with >= min_packets delivered
/// packets). Statistics are NaN and `cdf` is empty when `flows` is 0.
struct ErrorClassSummary {
  /// Lower bound of the class, in delivered packets.
  std::uint64_t min_packets = 0;
  /// Eligible flows: finite estimate and non-zero truth.
  std::uint64_t flows = 0;
  /// Flows excluded because the true value is 0 (the relative error is undefined).
  std::uint64_t excluded_zero_truth = 0;
  /// Flows with a non-zero truth but no estimate (NaN). Coverage is flows / (flows + no_estimate).
  std::uint64_t no_estimate = 0;
  /// Relative error |est - truth| / truth: median, p90, p99 (sorted_quantile()), mean, maximum.
  double median = std::numeric_limits<double>::quiet_NaN();
  double p90 = std::numeric_limits<double>::quiet_NaN();
  double p99 = std::numeric_limits<double>::quiet_NaN();
  double mean = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  /// Median of the signed error (est - truth) / truth: > 0 when the estimator overestimates
  /// more often than not.
  double signed_median = std::numeric_limits<double>::quiet_NaN();
  /// CDF of the relative error, downsampled as empirical_cdf() describes.
  std::vector<CdfPoint> cdf;
};

/// One entry per size class, in increasing min_packets order.
struct ErrorSummary {
  /// Every flow passed to add(), including flows below the smallest class bound.
  std::uint64_t flows_added = 0;
  std::vector<ErrorClassSummary> classes;
};

/// Accumulates the per-flow errors of ONE estimator for ONE statistic (mean or standard
/// deviation) and summarises them overall and by flow size (estimators.md §5).
///
/// Per flow: relative error |est - truth| / truth and signed error (est - truth) / truth.
/// Eligibility, each reason counted, never silently dropped:
///  - truth == 0: excluded_zero_truth (checked first: such a flow is outside the population
///    whether or not it has an estimate);
///  - estimate NaN (the flow got no estimate): no_estimate.
/// Callers decide which flows to pass: for the standard deviation the reference asks for flows
/// with >= 2 packets; a one-packet flow has a true population std of 0 and would be counted as
/// excluded_zero_truth anyway.
///
/// Size classes are cumulative ("flows with >= 10 packets"): a flow counts in every class whose
/// bound it reaches, and in none if it is below the smallest bound.
///
/// Exact: every eligible flow's signed error is kept (9 B per flow, plus two sorted copies of
/// one class while summary() runs, 16 B per flow of it), so the quantiles are exact sample
/// quantiles (sorted_quantile(): linear interpolation between order statistics, numpy's
/// default). The relative error is the signed one's absolute value: with truth > 0,
/// |est - truth| / truth and |(est - truth) / truth| are the same double.
/// Deterministic: the same add() calls in the same order give a bit-identical summary().
class ErrorDistribution {
 public:
  /// The reference's size classes: flows with >= 1, 10, 100 and 1000 delivered packets.
  static std::vector<std::uint64_t> default_class_bounds() { return {1, 10, 100, 1000}; }
  static constexpr std::size_t kDefaultCdfPoints = 101;
  static constexpr std::size_t kMaxClasses = 255;

  /// @param class_min_packets lower bounds of the size classes in delivered packets: non-empty,
  ///        at most kMaxClasses, each >= 1, strictly increasing.
  /// @param cdf_points most points in each class's CDF, >= 2.
  /// @throws std::invalid_argument if a parameter is out of range (the message names it).
  explicit ErrorDistribution(std::vector<std::uint64_t> class_min_packets = default_class_bounds(),
                             std::size_t cdf_points = kDefaultCdfPoints);

  /// Records one flow.
  /// @param estimate the estimator's value (ps for the mean and std), NaN when the flow has none.
  /// @param truth the exact value, same unit.
  /// @param flow_packets the flow's delivered packets, which select its size classes.
  /// @throws std::invalid_argument if truth is not finite or negative, estimate is
  ///         infinite, or flow_packets is 0. Nothing is recorded then.
  void add(double estimate, double truth, std::uint64_t flow_packets);

  /// Adds every flow of `other` after this one's flows (so a.merge(b) equals adding a's flows,
  /// then b's).
  /// @throws std::invalid_argument if the class bounds or cdf_points differ.
  void merge(const ErrorDistribution& other);

  /// Per-class summary. O(classes * n log n); does not change this object.
  ErrorSummary summary() const;

  std::uint64_t flows_added() const { return flows_added_; }
  const std::vector<std::uint64_t>& class_min_packets() const { return class_min_packets_; }
  std::size_t cdf_points() const { return cdf_points_; }

 private:
  struct ClassCounters {
    std::uint64_t excluded_zero_truth = 0;
    std::uint64_t no_estimate = 0;
  };

  std::vector<std::uint64_t> class_min_packets_;
  std::size_t cdf_points_;
  // Per eligible flow, in add() order: its signed error, and the number of size classes it
  // is in (the classes are a prefix).
  std::vector<double> signed_errors_;
  std::vector<std::uint8_t> classes_of_;
  std::vector<ClassCounters> counters_;
  std::uint64_t flows_added_ = 0;
};

}  // namespace rlisim::models
