#include "models/metrics/estimator_score.hpp"

#include <cmath>

namespace rlisim::models {
namespace {

bool eligible(const FlowRecord& rec) {
  return rec.kind == core::PacketKind::kRegular && rec.delay.count() > 0;
}

double ratio_or_nan(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : NAN;
}

// The flows every estimator estimated, and each estimator's error of the mean on them.
void compare_on_common_flows(const GroundTruth& truth,
                             std::span<const FlowEstimator* const> estimators, Comparison& c) {
  std::vector<ErrorDistribution> common(estimators.size());
  std::vector<std::optional<FlowDelayEstimate>> row(estimators.size());
  for (const auto& [key, rec, id] : truth.flows()) {
    if (!eligible(*rec))
      continue;
    bool all = true;
    for (std::size_t i = 0; i < estimators.size() && all; ++i) {
      row[i] = estimators[i]->estimate(id);
      all = row[i].has_value();
    }
    if (!all)
      continue;
    ++c.common_flows;
    for (std::size_t i = 0; i < estimators.size(); ++i)
      common[i].add(row[i]->mean_ps, rec->delay.mean_ps(), rec->delay.count());
  }
  for (const auto& d : common)
    c.common_mean_error.push_back(d.summary());
}

}  // namespace

MeasurementBudget measurement_budget(const EstimatorCost& cost, const BudgetBasis& basis) {
  const auto packets = static_cast<double>(basis.regular_packets);
  MeasurementBudget b;
  b.samples_per_packet = ratio_or_nan(static_cast<double>(cost.delay_samples), packets);
  b.injected_packets_per_packet = ratio_or_nan(static_cast<double>(cost.injected_packets), packets);
  b.injected_bytes_per_packet = ratio_or_nan(static_cast<double>(cost.injected_bytes), packets);
  b.state_bytes_per_flow =
      ratio_or_nan(static_cast<double>(cost.state_bytes), static_cast<double>(basis.regular_flows));
  b.export_bytes_per_second = ratio_or_nan(static_cast<double>(cost.export_bytes), basis.seconds);
  return b;
}

EstimatorScore score_estimator(const GroundTruth& truth, const FlowEstimator& estimator,
                               const FlowFilter& include, const FlowClasses& load_classes) {
  EstimatorScore score;
  score.name = std::string(estimator.name());
  ErrorDistribution mean_error;
  ErrorDistribution std_error;
  std::vector<ErrorDistribution> by_load(load_classes.classes);
  const bool gives_std = estimator.estimates_std();
  for (const auto& [key, rec, id] : truth.flows()) {
    if (!eligible(*rec) || (include && !include(*rec)))
      continue;
    const std::uint64_t delivered = rec->delay.count();
    ++score.flows_measured;
    score.packets_measured += delivered;
    const auto est = estimator.estimate(id);
    if (est) {
      ++score.flows_estimated;
      score.packets_estimated += delivered;
    }
    mean_error.add(est ? est->mean_ps : NAN, rec->delay.mean_ps(), delivered);
    if (load_classes.of)
      by_load.at(load_classes.of(*rec))
          .add(est ? est->mean_ps : NAN, rec->delay.mean_ps(), delivered);
    if (gives_std && delivered >= 2)
      std_error.add(est ? est->std_ps : NAN, rec->delay.stddev_ps(), delivered);
  }
  score.mean_error = mean_error.summary();
  for (const auto& d : by_load)
    score.mean_error_by_load.push_back(d.summary());
  if (gives_std)
    score.std_error = std_error.summary();
  score.cost = estimator.cost();
  score.counters = estimator.counters();
  return score;
}

Comparison compare_estimators(const GroundTruth& truth,
                              std::span<const FlowEstimator* const> estimators,
                              const BudgetBasis& basis, const FlowClasses& load_classes) {
  Comparison c;
  for (const auto* e : estimators) {
    c.scores.push_back(score_estimator(truth, *e, {}, load_classes));
    c.scores.back().budget = measurement_budget(c.scores.back().cost, basis);
  }
  compare_on_common_flows(truth, estimators, c);
  return c;
}

}  // namespace rlisim::models
