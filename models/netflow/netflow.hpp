#pragma once
// Per-flow delay from Consistent NetFlow records: the naive first/last estimator and Multiflow.

#include <optional>
#include <string_view>
#include <vector>

#include "models/flow_estimator.hpp"
#include "models/netflow/consistent_netflow.hpp"

namespace rlisim::models::netflow {

/// What both NetFlow estimators share: the records kept at both taps (reference packets are
/// ignored), lookup of the per-flow estimates, cost and counters. A subclass only turns the
/// paired records into per-flow estimates (indexed like records().flows()) at finalize().
class RecordEstimator : public FlowEstimator {
 public:
  void on_ingress(const core::Packet& p) override;
  void on_egress(const core::Packet& p, PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, PortId port) override;
  void finalize() final;

  std::optional<FlowDelayEstimate> estimate(const core::FlowKey& flow) const override;
  bool estimates_std() const override { return false; }
  /// State = peak open records at both taps x 48 B (a NetFlow v5 record); export = records
  /// exported at both taps x 48 B.
  EstimatorCost cost() const override;
  std::vector<NamedCounter> counters() const override;

  const ConsistentNetflow& records() const { return records_; }

 protected:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit RecordEstimator(const NetflowConfig& config) : records_(config) {}
  /// Per-flow estimates from the finalized records; samples == 0 means none.
  virtual std::vector<FlowDelayEstimate> estimates_from_records() = 0;

 private:
  ConsistentNetflow records_;
  std::vector<FlowDelayEstimate> estimates_;
};

/// Naive Consistent NetFlow estimator (Lee, Duffield, Kompella, "Two Samples are Enough",
/// INFOCOM 2010; ToN 20(1) 2012; reported). Each paired record gives d_first = T_first_out -
/// T_first_in and d_last = T_last_out - T_last_in (one sample for a one-packet record); the
/// record's estimate is (d_first + d_last) / 2, and the flow's estimate is the mean of its
/// records' estimates weighted by the record's delivered (egress) packets (reconstructed).
///
/// Assumes the first and last packets of a record were delivered: otherwise the two records
/// describe different packets and the samples are wrong (counted as wrong_first_last, but
/// used, as a deployment would). Error: exact for a constant delay; otherwise the flow's
/// interior delays are unobserved. No standard deviation.
class NaiveNetflow final : public RecordEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit NaiveNetflow(const NetflowConfig& config = {}) : RecordEstimator(config) {}
  std::string_view name() const override { return "netflow"; }

 private:
  std::vector<FlowDelayEstimate> estimates_from_records() override;
};

/// Multiflow (Lee, Duffield, Kompella, INFOCOM 2010 / ToN 2012; reported idea, reconstructed
/// details): a record's estimate pools every first/last sample of any sampled flow whose
/// egress time lies in the record's active interval [first_out, last_out] (its own samples
/// included), and reduces the pool per `NetflowConfig::pool`:
///  - kMean: the plain mean;
///  - kInterpolate: the time-weighted mean over the interval of the piecewise-linear curve
///    through the pooled samples (samples at equal egress times are first averaged); a record
///    whose interval is one instant gets the mean of its own samples;
///  - kNearest: the sample nearest in time to the interval midpoint; samples at the nearest
///    distance (equal times, or equally far on both sides) are averaged.
/// The flow's estimate is the packet-weighted (egress packets) mean of its records' estimates.
///
/// Assumes delay locality: flows sharing the queue at the same time see similar delays. Exact
/// for a constant delay. Cost as NaiveNetflow. Finalize sorts all samples by egress time with
/// prefix sums: O(S log S) for S samples.
class Multiflow final : public RecordEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit Multiflow(const NetflowConfig& config = {}) : RecordEstimator(config) {}
  std::string_view name() const override { return "multiflow"; }
  /// The shared counters plus pooled_samples_mean.
  std::vector<NamedCounter> counters() const override;
  /// Mean pool size over paired records (own samples included). Valid after finalize().
  double pooled_samples_mean() const { return pooled_samples_mean_; }

 private:
  std::vector<FlowDelayEstimate> estimates_from_records() override;
  double pooled_samples_mean_ = 0;
};

}  // namespace rlisim::models::netflow
