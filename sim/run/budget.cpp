#include "sim/run/budget.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace rlisim::run {
namespace {

bool has_estimator(const config::ExperimentConfig& config, std::string_view name) {
  return std::any_of(config.estimators.begin(), config.estimators.end(),
                     [&](const config::EstimatorSpec& e) { return e.name == name; });
}

}  // namespace

BudgetPlan plan_budget(const config::ExperimentConfig& config, const TrafficCensus& census) {
  BudgetPlan plan;
  plan.budget = *config.compare.budget;
  plan.census = census;
  const double b = plan.budget;
  if (config.rli.enabled) {
    if (config.rli.policy.kind == models::rli::PolicyKind::kStatic) {
      const double n = std::clamp(std::round(1.0 / b), 1.0, 1e9);
      plan.settings.push_back({"rli.n", n});
    } else {
      plan.not_matched.push_back(
          "rli: a periodic or adaptive policy sets its own reference rate (reported as spent)");
    }
  }
  if (has_estimator(config, "trajectory"))
    plan.settings.push_back({"trajectory.probability", b});
  const auto samples = census.first_last_samples();
  const double flow_sampling =
      samples == 0
          ? 1.0
          : std::min(1.0, b * static_cast<double>(census.packets) / static_cast<double>(samples));
  for (const char* name : {"netflow", "multiflow"}) {
    if (!has_estimator(config, name))
      continue;
    plan.settings.push_back({fmt::format("{}.flow_sampling", name), flow_sampling});
    if (flow_sampling >= 1.0 && samples > 0) {
      plan.not_matched.push_back(fmt::format(
          "{}: sampling every flow gives only {:.4g} samples per packet, below the budget", name,
          static_cast<double>(samples) / static_cast<double>(census.packets)));
    }
  }
  for (const auto& e : config.estimators) {
    if (e.name == "trajectory" || e.name == "netflow" || e.name == "multiflow")
      continue;
    plan.not_matched.push_back(
        e.name.starts_with("sampled_netflow")
            ? fmt::format("{}: random packet sampling at its own rate gives no exact delay "
                          "sample (the taps sample different packets); as configured",
                          e.name)
            : fmt::format("{}: no per-packet delay sample to budget; as configured", e.name));
  }
  return plan;
}

config::ExperimentConfig apply_budget(const config::ExperimentConfig& config,
                                      const BudgetPlan& plan) {
  std::vector<std::string> overrides;
  for (const auto& s : plan.settings)
    overrides.push_back(fmt::format("{}={}", s.key, s.value));
  return config::with_derived_settings(config, overrides);
}

}  // namespace rlisim::run
