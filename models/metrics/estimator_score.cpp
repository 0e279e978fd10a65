#include "models/metrics/estimator_score.hpp"

#include <cmath>
#include <vector>

namespace rlisim::models {
namespace {

bool eligible(const FlowTruth& truth) {
  return truth.kind == core::PacketKind::kRegular && truth.delay.count() > 0;
}

double ratio_or_nan(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : NAN;
}

// A flow every estimator estimated adds each estimator's error of the mean to `common`.
void add_if_common(const FlowRow& flow, Comparison& c, std::vector<ErrorDistribution>& common) {
  if (!eligible(flow.truth))
    return;
  for (const auto& estimate : flow.estimates) {
    if (!estimate)
      return;
  }
  ++c.common_flows;
  for (std::size_t i = 0; i < flow.estimates.size(); ++i)
    common[i].add(flow.estimates[i]->mean_ps, flow.truth.delay.mean_ps(), flow.truth.delay.count());
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

namespace {

// One estimator's score, built flow by flow.
class Scorer {
 public:
  Scorer(const FlowLedger& ledger, std::size_t estimator, const FlowFilter& include,
         const FlowClasses& load_classes)
      : estimator_(*ledger.estimators()[estimator]),
        index_(estimator),
        include_(include),
        load_classes_(load_classes),
        by_load_(load_classes.classes),
        gives_std_(estimator_.estimates_std()) {
    score_.name = std::string(estimator_.name());
  }
  void add(const FlowRow& flow) {
    const FlowTruth& truth = flow.truth;
    if (!eligible(truth) || (include_ && !include_(truth)))
      return;
    const std::uint64_t delivered = truth.delay.count();
    ++score_.flows_measured;
    score_.packets_measured += delivered;
    const auto& est = flow.estimates[index_];
    if (est) {
      ++score_.flows_estimated;
      score_.packets_estimated += delivered;
    }
    const double mean = est ? est->mean_ps : NAN;
    mean_error_.add(mean, truth.delay.mean_ps(), delivered);
    if (load_classes_.of)
      by_load_.at(load_classes_.of(truth)).add(mean, truth.delay.mean_ps(), delivered);
    if (gives_std_ && delivered >= 2)
      std_error_.add(est ? est->std_ps : NAN, truth.delay.stddev_ps(), delivered);
  }
  EstimatorScore finish() {
    score_.mean_error = mean_error_.summary();
    for (const auto& d : by_load_)
      score_.mean_error_by_load.push_back(d.summary());
    if (gives_std_)
      score_.std_error = std_error_.summary();
    score_.cost = estimator_.cost();
    score_.counters = estimator_.counters();
    return std::move(score_);
  }

 private:
  const FlowEstimator& estimator_;
  std::size_t index_;
  FlowFilter include_;
  const FlowClasses& load_classes_;
  EstimatorScore score_;
  ErrorDistribution mean_error_;
  ErrorDistribution std_error_;
  std::vector<ErrorDistribution> by_load_;
  bool gives_std_;
};

}  // namespace

EstimatorScore score_estimator(const FlowLedger& ledger, std::size_t estimator,
                               const FlowFilter& include, const FlowClasses& load_classes) {
  Scorer scorer(ledger, estimator, include, load_classes);
  ledger.for_each([&](const FlowRow& flow) { scorer.add(flow); }, /*quantiles=*/false, estimator);
  return scorer.finish();
}

Comparison compare_estimators(const FlowLedger& ledger, const BudgetBasis& basis,
                              const FlowClasses& load_classes, core::WorkerPool* pool) {
  // One pass per estimator: a score keeps every eligible flow's errors until it is summarised,
  // so scoring them one at a time holds one estimator's errors at once, not all of them. The
  // last task is the pass that finds the flows every estimator estimated.
  const std::size_t estimators = ledger.estimators().size();
  Comparison c;
  c.scores.resize(estimators);
  std::vector<ErrorDistribution> common(estimators);
  const auto pass = [&](std::size_t task) {
    if (task < estimators) {
      c.scores[task] = score_estimator(ledger, task, {}, load_classes);
      c.scores[task].budget = measurement_budget(c.scores[task].cost, basis);
    } else {
      ledger.for_each([&](const FlowRow& flow) { add_if_common(flow, c, common); });
    }
  };
  if (pool != nullptr) {
    pool->run(estimators + 1, pass);  // rethrows a pass's error (a spill file unreadable)
  } else {
    for (std::size_t task = 0; task <= estimators; ++task)
      pass(task);
  }
  for (const auto& d : common)
    c.common_mean_error.push_back(d.summary());
  return c;
}

}  // namespace rlisim::models
