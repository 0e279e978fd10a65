#include "sim/run/comparison.hpp"

#include <cmath>

#include "sim/run/scenario.hpp"

namespace rlisim::run {
namespace {

bool eligible(const models::FlowRecord& rec) {
  return rec.kind == core::PacketKind::kRegular && rec.delay.count() > 0;
}

double ratio_or_nan(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : NAN;
}

}  // namespace

MeasurementBudget measurement_budget(const models::EstimatorCost& cost,
                                     std::uint64_t regular_packets, std::uint64_t regular_flows,
                                     double seconds) {
  const auto packets = static_cast<double>(regular_packets);
  MeasurementBudget b;
  b.samples_per_packet = ratio_or_nan(static_cast<double>(cost.delay_samples), packets);
  b.injected_packets_per_packet = ratio_or_nan(static_cast<double>(cost.injected_packets), packets);
  b.injected_bytes_per_packet = ratio_or_nan(static_cast<double>(cost.injected_bytes), packets);
  b.state_bytes_per_flow =
      ratio_or_nan(static_cast<double>(cost.state_bytes), static_cast<double>(regular_flows));
  b.export_bytes_per_second = ratio_or_nan(static_cast<double>(cost.export_bytes), seconds);
  return b;
}

EstimatorScore score_estimator(const models::GroundTruth& truth,
                               const models::FlowEstimator& estimator, const FlowFilter& include,
                               const FlowClasses& load_classes) {
  EstimatorScore score;
  score.name = std::string(estimator.name());
  models::ErrorDistribution mean_error;
  models::ErrorDistribution std_error;
  std::vector<models::ErrorDistribution> by_load(load_classes.classes);
  const bool gives_std = estimator.estimates_std();
  for (const auto& [key, rec] : truth.flows()) {
    if (!eligible(*rec) || (include && !include(*rec)))
      continue;
    const std::uint64_t delivered = rec->delay.count();
    ++score.flows_measured;
    score.packets_measured += delivered;
    const auto est = estimator.estimate(*key);
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

std::vector<const models::FlowEstimator*> run_estimators(const RunResult& r) {
  std::vector<const models::FlowEstimator*> all;
  if (r.rli)
    all.push_back(r.rli.get());
  for (const auto& e : r.estimators)
    all.push_back(e.get());
  return all;
}

Comparison compare_estimators(const RunResult& r) {
  Comparison c;
  const auto estimators = run_estimators(r);
  const double seconds =
      core::to_seconds(arrival_window(r.first_arrival, r.last_arrival, r.packets));
  FlowClasses load_classes;
  if (r.diagnostics) {
    load_classes.classes = kLoadClassBounds.size();
    // A flow with no known port (none delivered) is not eligible; class 0 keeps the index valid.
    load_classes.of = [&r](const models::FlowRecord& rec) {
      return rec.port_known && rec.port < r.diagnostics->ports()
                 ? r.diagnostics->load_class_at(rec.port, rec.first_arrival)
                 : std::size_t{0};
    };
  }
  for (const auto* e : estimators) {
    c.scores.push_back(score_estimator(*r.truth, *e, {}, load_classes));
    c.scores.back().budget = measurement_budget(
        c.scores.back().cost, r.truth_regular.offered_packets, r.truth_regular.flows, seconds);
  }

  std::vector<models::ErrorDistribution> common(estimators.size());
  std::vector<std::optional<models::FlowDelayEstimate>> row(estimators.size());
  for (const auto& [key, rec] : r.truth->flows()) {
    if (!eligible(*rec))
      continue;
    bool all = true;
    for (std::size_t i = 0; i < estimators.size() && all; ++i) {
      row[i] = estimators[i]->estimate(*key);
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
  return c;
}

}  // namespace rlisim::run
