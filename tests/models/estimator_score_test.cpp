// score_estimator and compare_estimators on a hand-computed case: a truth of four flows and two
// stub estimators with known estimates.

#include "models/metrics/estimator_score.hpp"

#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/models/taps.hpp"

namespace rlisim::models {
namespace {

using core::Time;

core::FlowKey flow(std::uint32_t id) {
  return core::FlowKey::ipv4(0x0a000000 + id, 0x14000001, 1000, 80, 6);
}

// One packet of `id` at `arrival_ps`: delivered after `delay_ps`, or dropped when negative.
void observe(test::Taps& t, std::uint32_t id, std::int64_t arrival_ps, std::int64_t delay_ps,
             core::PacketKind kind = core::PacketKind::kRegular) {
  core::Packet p;
  p.flow = flow(id);
  p.arrival = Time{arrival_ps};
  p.wire_bytes = 100;
  p.kind = kind;
  t.pass(p, 0, p.arrival + Time{std::max<std::int64_t>(delay_ps, 0)}, delay_ps < 0);
}

// small_truth() sees flow n n-th, so its FlowId is n - 1.
FlowId id_of_flow(std::uint32_t n) {
  return n - 1;
}

// Flow 1: delays 1000 and 3000 ps (mean 2000, std 1000). Flow 2: one packet, 4000 ps. Flow 3:
// one packet, dropped (not eligible). Flow 4: cross traffic (not eligible).
std::unique_ptr<GroundTruth> small_truth() {
  auto t = std::make_unique<GroundTruth>();
  test::Taps taps(*t);
  observe(taps, 1, 0, 1000);
  observe(taps, 2, 10, 4000);
  observe(taps, 3, 20, -1);
  observe(taps, 4, 30, 500, core::PacketKind::kCross);
  observe(taps, 1, 40, 3000);
  t->finalize();
  return t;
}

// Answers with fixed estimates and a fixed cost.
class StubEstimator final : public FlowEstimator {
 public:
  StubEstimator(std::string name, bool gives_std,
                std::vector<std::pair<FlowId, FlowDelayEstimate>> estimates,
                EstimatorCost cost = {})
      : name_(std::move(name)),
        gives_std_(gives_std),
        estimates_(std::move(estimates)),
        cost_(cost) {}

  std::string_view name() const override { return name_; }
  void on_ingress(const core::Packet&, FlowId) override {}
  void on_egress(const core::Packet&, FlowId, PortId, core::Time) override {}
  void on_drop(const core::Packet&, FlowId, PortId) override {}
  using FlowEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId id) const override {
    for (const auto& [k, e] : estimates_) {
      if (k == id)
        return e;
    }
    return std::nullopt;
  }
  bool estimates_std() const override { return gives_std_; }
  EstimatorCost cost() const override { return cost_; }
  std::vector<NamedCounter> counters() const override { return {{"answers", 2}}; }

 private:
  std::string name_;
  bool gives_std_;
  std::vector<std::pair<FlowId, FlowDelayEstimate>> estimates_;
  EstimatorCost cost_;
};

// Flow 1: mean 2200 (error 0.1), std 1500 (error 0.5); flow 2: mean 3000 (error 0.25).
StubEstimator both_flows() {
  return StubEstimator("both", true,
                       {{id_of_flow(1), {.samples = 2, .mean_ps = 2200, .std_ps = 1500}},
                        {id_of_flow(2), {.samples = 1, .mean_ps = 3000}},
                        {id_of_flow(3), {.samples = 1, .mean_ps = 1}}},
                       EstimatorCost{.state_bytes = 40,
                                     .export_bytes = 100,
                                     .injected_packets = 2,
                                     .injected_bytes = 128,
                                     .delay_samples = 3});
}

// Flow 2 only: mean 4400 (error 0.1); no std.
StubEstimator flow_two_only() {
  return StubEstimator("flow2", false, {{id_of_flow(2), {.samples = 1, .mean_ps = 4400}}});
}

TEST(ScoreEstimator, ErrorsCoverageAndCostOfEachEligibleFlow) {
  const auto truth_owner = small_truth();
  const GroundTruth& truth = *truth_owner;
  StubEstimator e = both_flows();
  const EstimatorScore s = score_estimator(FlowLedger(truth, {&e}), 0);
  EXPECT_EQ(s.name, "both");
  EXPECT_EQ(s.flows_measured, 2u);  // flows 3 (dropped) and 4 (cross) are not eligible
  EXPECT_EQ(s.flows_estimated, 2u);
  EXPECT_EQ(s.packets_measured, 3u);
  EXPECT_EQ(s.packets_estimated, 3u);
  const ErrorClassSummary& mean = s.mean_error.classes.front();
  EXPECT_EQ(mean.min_packets, 1u);
  EXPECT_EQ(mean.flows, 2u);
  EXPECT_NEAR(mean.median, (0.1 + 0.25) / 2, 1e-12);
  EXPECT_NEAR(mean.max, 0.25, 1e-12);
  ASSERT_TRUE(s.std_error);
  EXPECT_EQ(s.std_error->classes.front().flows, 1u);  // only flow 1 has >= 2 packets
  EXPECT_NEAR(s.std_error->classes.front().median, 0.5, 1e-12);
  EXPECT_EQ(s.cost.delay_samples, 3u);
  ASSERT_EQ(s.counters.size(), 1u);
  EXPECT_EQ(s.counters[0].name, "answers");
  EXPECT_TRUE(s.mean_error_by_load.empty());
}

TEST(ScoreEstimator, FilterAndClassesSelectAndSplitTheFlows) {
  const auto truth_owner = small_truth();
  const GroundTruth& truth = *truth_owner;
  StubEstimator e = both_flows();
  const FlowLedger ledger(truth, {&e});
  const EstimatorScore only_two =
      score_estimator(ledger, 0, [&](const FlowTruth& rec) { return rec.delay.count() == 1; });
  EXPECT_EQ(only_two.flows_measured, 1u);
  EXPECT_NEAR(only_two.mean_error.classes.front().median, 0.25, 1e-12);
  const FlowClasses by_size{.classes = 2, .of = [](const FlowTruth& rec) -> std::size_t {
                              return rec.delay.count() >= 2 ? 1 : 0;
                            }};
  const EstimatorScore split = score_estimator(ledger, 0, {}, by_size);
  ASSERT_EQ(split.mean_error_by_load.size(), 2u);
  EXPECT_NEAR(split.mean_error_by_load[0].classes.front().median, 0.25, 1e-12);
  EXPECT_NEAR(split.mean_error_by_load[1].classes.front().median, 0.1, 1e-12);
}

TEST(ScoreEstimator, AFlowWithoutEstimateCountsAgainstCoverage) {
  const auto truth_owner = small_truth();
  const GroundTruth& truth = *truth_owner;
  StubEstimator e = flow_two_only();
  const EstimatorScore s = score_estimator(FlowLedger(truth, {&e}), 0);
  EXPECT_EQ(s.flows_measured, 2u);
  EXPECT_EQ(s.flows_estimated, 1u);
  EXPECT_EQ(s.packets_measured, 3u);
  EXPECT_EQ(s.packets_estimated, 1u);
  EXPECT_EQ(s.mean_error.classes.front().flows, 1u);
  EXPECT_EQ(s.mean_error.classes.front().no_estimate, 1u);
  EXPECT_FALSE(s.std_error);
}

TEST(CompareEstimators, CommonFlowsAreThoseEveryEstimatorEstimated) {
  const auto truth_owner = small_truth();
  const GroundTruth& truth = *truth_owner;
  StubEstimator a = both_flows();
  StubEstimator b = flow_two_only();
  const std::vector<FlowEstimator*> estimators = {&a, &b};
  const BudgetBasis basis{.regular_packets = 4, .regular_flows = 3, .seconds = 2};
  const Comparison c = compare_estimators(FlowLedger(truth, estimators), basis);
  ASSERT_EQ(c.scores.size(), 2u);
  EXPECT_EQ(c.scores[0].name, "both");
  EXPECT_EQ(c.scores[1].name, "flow2");
  EXPECT_EQ(c.common_flows, 1u);  // flow 2
  ASSERT_EQ(c.common_mean_error.size(), 2u);
  EXPECT_EQ(c.common_mean_error[0].classes.front().flows, 1u);
  EXPECT_NEAR(c.common_mean_error[0].classes.front().median, 0.25, 1e-12);
  EXPECT_NEAR(c.common_mean_error[1].classes.front().median, 0.1, 1e-12);
  // Budget: cost over 4 regular packets, 3 regular flows, 2 seconds.
  const MeasurementBudget& budget = c.scores[0].budget;
  EXPECT_DOUBLE_EQ(budget.samples_per_packet, 0.75);
  EXPECT_DOUBLE_EQ(budget.injected_packets_per_packet, 0.5);
  EXPECT_DOUBLE_EQ(budget.injected_bytes_per_packet, 32);
  EXPECT_DOUBLE_EQ(budget.state_bytes_per_flow, 40.0 / 3);
  EXPECT_DOUBLE_EQ(budget.export_bytes_per_second, 50);
  EXPECT_EQ(c.scores[1].budget.samples_per_packet, 0.0);
}

TEST(MeasurementBudget, AZeroDenominatorGivesNaN) {
  const MeasurementBudget b = measurement_budget(EstimatorCost{.delay_samples = 1}, BudgetBasis{});
  EXPECT_TRUE(std::isnan(b.samples_per_packet));
  EXPECT_TRUE(std::isnan(b.state_bytes_per_flow));
  EXPECT_TRUE(std::isnan(b.export_bytes_per_second));
}

}  // namespace
}  // namespace rlisim::models
