// The comparison as a reviewer needs it: equal budgets ([compare] budget), RLI with and without
// serialization correction on the same references, the budget each estimator spent, and the
// diagnostics that explain the errors.

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"
#include "sim/run/budget.hpp"
#include "sim/run/report/result_writer.hpp"
#include "sim/run/rli_run.hpp"
#include "sim/run/scenario.hpp"
#include "tests/run/small_run.hpp"

namespace rlisim::run {
namespace {

using ::testing::HasSubstr;

constexpr const char* kEstimators =
    "[rli]\ninterference = false\n[lda]\n[netflow]\n[multiflow]\n[trajectory]\n";

config::ExperimentConfig config_with(const std::string& tables,
                                     const std::vector<std::string>& overrides = {}) {
  return test_support::small_run(tables, "chic", 3, "compare.toml", overrides);
}

const models::EstimatorScore& score(const RunResult& r, std::string_view name) {
  for (const auto& s : r.comparison->scores) {
    if (s.name == name)
      return s;
  }
  throw std::logic_error("no score for " + std::string(name));
}

using test_support::message_of;

TEST(CompareBudget, PlanSetsEachSamplingKnobFromTheCensus) {
  const auto c = config_with(std::string(kEstimators) + "[compare]\nbudget = 0.02\n");
  TrafficCensus census{.packets = 10000, .flows = 500, .single_packet_flows = 100};
  ASSERT_EQ(census.first_last_samples(), 900u);
  const auto plan = plan_budget(c, census);
  ASSERT_EQ(plan.settings.size(), 4u);
  EXPECT_EQ(plan.settings[0].key, "rli.n");
  EXPECT_EQ(plan.settings[0].value, 50);
  EXPECT_EQ(plan.settings[1].key, "trajectory.probability");
  EXPECT_DOUBLE_EQ(plan.settings[1].value, 0.02);
  // 0.02 samples per packet over 10,000 packets = 200 of the 900 first/last samples.
  EXPECT_EQ(plan.settings[2].key, "netflow.flow_sampling");
  EXPECT_DOUBLE_EQ(plan.settings[2].value, 200.0 / 900.0);
  EXPECT_EQ(plan.settings[3].key, "multiflow.flow_sampling");
  ASSERT_EQ(plan.not_matched.size(), 1u);
  EXPECT_THAT(plan.not_matched[0], HasSubstr("lda"));

  // A budget above what sampling every flow gives: flow sampling 1, and said so.
  const auto high =
      plan_budget(config_with(std::string(kEstimators) + "[compare]\nbudget = 0.5\n"), census);
  EXPECT_DOUBLE_EQ(high.settings[2].value, 1.0);
  EXPECT_THAT(high.not_matched[0], HasSubstr("netflow: sampling every flow gives only 0.09"));
}

TEST(CompareBudget, EveryEstimatorSpendsTheBudgetInARun) {
  const auto r =
      run_experiment(config_with(std::string(kEstimators) + "[compare]\nbudget = 0.05\n"));
  ASSERT_TRUE(r.budget);
  ASSERT_TRUE(r.comparison);
  // The census counted exactly the regular packets the truth saw.
  EXPECT_EQ(r.budget->census.packets, r.truth_regular.offered_packets);
  EXPECT_EQ(r.budget->census.flows, r.truth_regular.flows);
  EXPECT_EQ(r.config.rli.policy.n, 20u);
  for (const char* name : {"rli", "rli_corrected", "trajectory", "netflow", "multiflow"}) {
    const double spent = score(r, name).budget.samples_per_packet;
    // RLI is exact up to rounding; the sampling estimators are within their sampling noise
    // (a few hundred samples here) and lose the pairs that loss or timeouts break.
    EXPECT_NEAR(spent, 0.05, 0.015) << name;
  }
  EXPECT_EQ(score(r, "lda").budget.samples_per_packet, 0.0);
  // RLI's references are its samples and its injected packets.
  EXPECT_DOUBLE_EQ(score(r, "rli").budget.samples_per_packet,
                   score(r, "rli").budget.injected_packets_per_packet);
  // config.toml keeps the budget, not the values it derived (they are derived again).
  EXPECT_THAT(r.config.resolved_toml, HasSubstr("budget = 0.05"));
  EXPECT_THAT(r.config.resolved_toml, ::testing::Not(HasSubstr("flow_sampling")));
  const std::string text = format_text_summary(r, 5);
  EXPECT_THAT(text, HasSubstr("equal budget: 0.05 exact delay samples per regular packet"));
  EXPECT_THAT(text, HasSubstr("samples/pkt"));
}

TEST(CompareBudget, TheSameConfigAndSeedGiveTheSameSettings) {
  const std::string tables = std::string(kEstimators) + "[compare]\nbudget = 0.05\n";
  const auto a = run_experiment(config_with(tables));
  const auto b = run_experiment(config_with(tables));
  ASSERT_EQ(a.budget->settings.size(), b.budget->settings.size());
  for (std::size_t i = 0; i < a.budget->settings.size(); ++i)
    EXPECT_EQ(a.budget->settings[i].value, b.budget->settings[i].value);
}

TEST(CompareBudget, RejectsAKeyItWouldSet) {
  const auto m = message_of(
      [] { config_with(std::string(kEstimators) + "[compare]\nbudget = 0.05\n", {"rli.n=10"}); });
  EXPECT_THAT(m, HasSubstr("compare.budget"));
  EXPECT_THAT(m, HasSubstr("rli.n"));
  EXPECT_THAT(message_of([] { config_with("[compare]\nbudget = 0\n"); }),
              HasSubstr("compare.budget"));
  EXPECT_THAT(message_of([] { config_with("[compare]\nbudjet = 0.1\n"); }), HasSubstr("budjet"));
}

TEST(RliTwin, BothReceiversShareTheReferences) {
  const auto r = run_experiment(config_with("[rli]\ninterference = false\n"));
  ASSERT_TRUE(find_rli(r));
  ASSERT_EQ(r.estimators.size(), 2u);
  EXPECT_EQ(r.estimators[0]->estimator().name(), "rli");
  EXPECT_EQ(r.estimators[1]->estimator().name(), "rli_corrected");
  const auto& plain = score(r, "rli");
  const auto& corrected = score(r, "rli_corrected");
  EXPECT_EQ(plain.cost.injected_packets, corrected.cost.injected_packets);
  EXPECT_EQ(plain.cost.delay_samples, corrected.cost.delay_samples);
  EXPECT_EQ(plain.flows_estimated, corrected.flows_estimated);
  // The corrected receiver is the one a run with serialization_correction = true has.
  const auto alone =
      run_experiment(config_with("[rli]\ninterference = false\nserialization_correction = true\n"));
  EXPECT_EQ(alone.estimators.size(), 1u);
  const auto& e = score(alone, "rli").mean_error.classes.front();
  EXPECT_DOUBLE_EQ(corrected.mean_error.classes.front().median, e.median);
  // A single uncorrected receiver is the "rli" of the default.
  const auto paper = run_experiment(
      config_with("[rli]\ninterference = false\nserialization_correction = false\n"));
  EXPECT_DOUBLE_EQ(score(paper, "rli").mean_error.classes.front().median,
                   plain.mean_error.classes.front().median);
  EXPECT_THAT(message_of([] { config_with("[rli]\nserialization_correction = \"yes\"\n"); }),
              HasSubstr("expected true, false or \"both\""));
}

TEST(Diagnostics, ExplainTheRunPerPortAndPerLoadClass) {
  const auto r = run_experiment(config_with("[rli]\ninterference = false\nn = 50\n[multiflow]\n"));
  ASSERT_TRUE(r.diagnostics);
  const auto& a = r.diagnostics->autocorrelation(0);
  EXPECT_EQ(a.packets(),
            r.truth_all.delivered_packets() - find_rli(r)->senders()[0].counters.references);
  // Lag 50 (RLI's n) is among the packet lags; delays one packet apart are strongly alike.
  bool has_n = false;
  for (std::size_t k = 0; k < a.packet_lags().size(); ++k) {
    has_n = has_n || a.packet_lags()[k] == 50;
    EXPECT_LE(std::abs(a.at_packet_lag(k)), 1.0 + 1e-9);
  }
  EXPECT_TRUE(has_n);
  EXPECT_GT(a.at_packet_lag(0), 0.5);
  // Every eligible flow falls in exactly one load class.
  for (const auto& s : r.comparison->scores) {
    ASSERT_EQ(s.mean_error_by_load.size(), kLoadClassBounds.size());
    std::uint64_t flows = 0;
    for (const auto& by_load : s.mean_error_by_load)
      flows += by_load.flows_added;
    EXPECT_EQ(flows, s.flows_measured) << s.name;
  }
}

TEST(TextSummary, ReferencesAreNotAmongTheLargestFlows) {
  const auto r = run_experiment(config_with("[rli]\ninterference = false\nn = 2\n"));
  const std::string text = format_text_summary(r, 3);
  EXPECT_THAT(text, HasSubstr("reference packets not listed"));
  // With a reference after every other packet, the reference flow is by far the largest.
  EXPECT_THAT(text, ::testing::Not(HasSubstr("/253")));  // the reference flow's protocol
}

}  // namespace
}  // namespace rlisim::run

namespace rlisim::run {
namespace {

// utilization.mode = "scale_source" on a 1 Gb/s port: the source offers target x 1 Gb/s and
// the port stays within a few percent of 1 Gb/s, with or without a budget applied on top.
TEST(ScaleSource, MoreLoadMeansMoreTrafficOnTheSameLink) {
  for (const char* budget : {"", "[compare]\nbudget = 0.05\n[rli]\ninterference = false\n"}) {
    for (const double target : {0.3, 0.8}) {
      const auto r = run_experiment(config_with(
          std::string(budget),
          {"utilization.mode=scale_source", fmt::format("utilization.target={}", target)}));
      const double rate = static_cast<double>(r.router.egress[0].rate.value);
      EXPECT_NEAR(rate, 1e9, 0.05e9) << budget << target;
      const double offered_bps =
          static_cast<double>(r.ports[0].offered_bytes) * 8.0 /
          core::to_seconds(arrival_window(r.first_arrival, r.last_arrival, r.packets));
      EXPECT_NEAR(offered_bps / rate, target, 0.01) << budget << target;
      EXPECT_THAT(r.source_descriptions[0], HasSubstr(target == 0.3 ? "(300 Mb/s" : "(800 Mb/s"));
      // config.toml keeps the configuration as written.
      EXPECT_THAT(r.config.resolved_toml, HasSubstr("rate = \"100Mbps\""));
    }
  }
}

}  // namespace
}  // namespace rlisim::run
