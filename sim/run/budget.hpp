#pragma once
// Equal measurement budgets ([compare] budget): each estimator with a sampling knob is set to
// spend the same number of exact per-packet delay samples per regular packet.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/experiment_config.hpp"

namespace rlisim::run {

/// What a pre-pass over the sources tells the budget: regular packets and flows at the
/// ingress (records split by NetFlow's timeouts are not counted apart).
struct TrafficCensus {
  std::uint64_t packets = 0;
  std::uint64_t flows = 0;
  std::uint64_t single_packet_flows = 0;
  /// First/last delay samples with every flow sampled: two per flow, one for a flow of one
  /// packet.
  std::uint64_t first_last_samples() const { return 2 * flows - single_packet_flows; }
};

/// One setting the budget chose: a configuration key and its value.
struct BudgetSetting {
  std::string key;
  double value = 0;
};

/// How a budget b (samples per regular packet) is spent by each estimator:
///  - RLI, static policy: n = round(1 / b), one reference (an exact sample) per n packets;
///    periodic and adaptive policies keep their own rate (their budget follows the load) and
///    are reported as not matched;
///  - trajectory sampling: packet probability b;
///  - NetFlow and Multiflow: flow sampling p = b * packets / first_last_samples (capped at 1),
///    so that the expected number of first/last samples of the sampled flows is b per packet;
///    pairs discarded for loss and records split by timeouts make the spent budget slightly
///    lower, which summary.json reports beside the target;
///  - estimators without a sampling knob (LDA: an aggregate, no per-packet sample) as
///    configured.
struct BudgetPlan {
  double budget = 0;
  TrafficCensus census;
  std::vector<BudgetSetting> settings;
  /// Estimators the budget could not set, each with the reason.
  std::vector<std::string> not_matched;
};

/// The plan for `config.compare.budget` (which must be set) on `census`.
BudgetPlan plan_budget(const config::ExperimentConfig& config, const TrafficCensus& census);

/// `config` with the plan's settings applied.
config::ExperimentConfig apply_budget(const config::ExperimentConfig& config,
                                      const BudgetPlan& plan);

}  // namespace rlisim::run
