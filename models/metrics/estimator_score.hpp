#pragma once
// Scoring per-flow estimators against the ground truth of the same packets, flow by flow, and
// comparing them on the same flows.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/flow_estimator.hpp"
#include "models/metrics/error_distribution.hpp"
#include "models/metrics/flow_ledger.hpp"
#include "sim/core/worker_pool.hpp"

namespace rlisim::models {

/// What an estimator spends, normalised by the regular traffic it measures, so that estimators
/// of different kinds can be compared at equal cost (estimators.md §9 "Budget").
struct MeasurementBudget {
  /// Exact per-packet delay samples per regular packet offered at the ingress: RLI's delivered
  /// references, trajectory sampling's packets seen at both taps, NetFlow's and Multiflow's
  /// first/last samples of the record pairs used; 0 for an aggregate such as LDA.
  double samples_per_packet = 0;
  /// Packets and bytes added to the measured traffic, per regular packet.
  double injected_packets_per_packet = 0;
  double injected_bytes_per_packet = 0;
  /// Peak measurement state over the regular flows of the run.
  double state_bytes_per_flow = 0;
  /// Bytes shipped from the taps per second of traffic (the arrival window).
  double export_bytes_per_second = 0;
};

/// The traffic a budget is normalised by: regular packets and flows offered, and the seconds
/// they span.
struct BudgetBasis {
  std::uint64_t regular_packets = 0;
  std::uint64_t regular_flows = 0;
  double seconds = 0;
};

/// The budget of `cost` over `basis`; a ratio with a zero denominator is NaN.
MeasurementBudget measurement_budget(const EstimatorCost& cost, const BudgetBasis& basis);

/// One estimator's per-flow errors, coverage and cost.
struct EstimatorScore {
  std::string name;
  /// Relative error of each flow's estimated mean against the true mean over the same
  /// delivered packets, by cumulative size class.
  ErrorSummary mean_error;
  /// The same for the standard deviation (flows with >= 2 delivered packets), when the
  /// estimator gives one.
  std::optional<ErrorSummary> std_error;
  /// Eligible flows (regular, >= 1 delivered packet, accepted by the filter) and those with an
  /// estimate; the same in delivered packets.
  std::uint64_t flows_measured = 0;
  std::uint64_t flows_estimated = 0;
  std::uint64_t packets_measured = 0;
  std::uint64_t packets_estimated = 0;
  EstimatorCost cost;
  /// Set by compare_estimators() (score_estimator leaves it zero: it knows no traffic totals).
  MeasurementBudget budget;
  /// Error of the mean by the class of each flow (e.g. the load of the period in which it
  /// started), one summary per class; filled when score_estimator() is given classes.
  std::vector<ErrorSummary> mean_error_by_load;
  std::vector<NamedCounter> counters;
};

/// Which truth flows an estimator is scored on (all eligible flows when empty).
using FlowFilter = std::function<bool(const FlowTruth&)>;

/// Which of `classes` classes a flow belongs to (an index below `classes`).
struct FlowClasses {
  std::size_t classes = 0;
  std::function<std::size_t(const FlowTruth&)> of;
};

/// Scores the ledger's estimator number `estimator` (finalized) on every regular flow with at
/// least one delivered packet that `include` accepts. With `load_classes`, the same pass also
/// fills mean_error_by_load, one summary per class.
EstimatorScore score_estimator(const FlowLedger& ledger, std::size_t estimator,
                               const FlowFilter& include = {},
                               const FlowClasses& load_classes = {});

/// Estimators side by side on the same truth.
struct Comparison {
  /// One score per estimator, in the order given.
  std::vector<EstimatorScore> scores;
  /// Eligible flows that every estimator estimated, and each estimator's error of the mean on
  /// exactly those flows (parallel to `scores`): the like-for-like comparison when sampling
  /// estimators cover only part of the flows.
  std::uint64_t common_flows = 0;
  std::vector<ErrorSummary> common_mean_error;
};

/// Scores every estimator of the ledger (finalized) on the regular flows with >= 1 delivered
/// packet, each with its budget over `basis`, and compares them on the flows all of them
/// estimated. With `load_classes`, each score's mean_error_by_load is filled too. With `pool`
/// (the ledger sealed, `load_classes` safe to call from several threads), the passes over the
/// ledger run on its threads; each holds the errors of one estimator, so memory grows with the
/// pool's threads. The comparison is the same either way.
Comparison compare_estimators(const FlowLedger& ledger, const BudgetBasis& basis,
                              const FlowClasses& load_classes = {},
                              core::WorkerPool* pool = nullptr);

}  // namespace rlisim::models
