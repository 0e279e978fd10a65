// An estimator with outputs of its own reaches summary.json, flows.csv and the text summary
// through EstimatorRun's hooks alone, next to the configured ones.

#include "sim/run/estimator_run.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/run/comparison.hpp"
#include "sim/run/report/result_writer.hpp"
#include "sim/run/scenario.hpp"
#include "tests/run/small_run.hpp"

namespace rlisim::run {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

// Estimates nothing; watches nothing.
class Silent final : public models::FlowEstimator {
 public:
  std::string_view name() const override { return "silent"; }
  void on_ingress(const core::Packet&, models::FlowId) override {}
  void on_egress(const core::Packet&, models::FlowId, models::PortId, core::Time) override {}
  void on_drop(const core::Packet&, models::FlowId, models::PortId) override {}
  using models::FlowEstimator::estimate;
  std::optional<models::FlowDelayEstimate> estimate(models::FlowId) const override {
    return std::nullopt;
  }
  bool estimates_std() const override { return false; }
  models::EstimatorCost cost() const override { return {}; }
};

// The defaults plus one summary key, one flows.csv column and one line of text.
class SilentRun final : public EstimatorRun {
 public:
  SilentRun() : EstimatorRun(std::make_unique<Silent>()) {}
  void summary_entry(const models::EstimatorScore& score,
                     nlohmann::ordered_json& entry) const override {
    EstimatorRun::summary_entry(score, entry);
    entry["note"] = "said nothing";
  }
  void append_flow_columns(std::string& header) const override {
    EstimatorRun::append_flow_columns(header);
    header += ",silent_note";
  }
  void append_flow_fields(std::string& row, const models::FlowRow& flow,
                          const std::optional<models::FlowDelayEstimate>& est) const override {
    EstimatorRun::append_flow_fields(row, flow, est);
    row += ",-";
  }
  void append_text_summary(std::string& text) const override {
    text += "silent: nothing to report\n";
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(EstimatorRun, ExtraOutputsNeedNoCaseInTheWriters) {
  RunResult r = run_experiment(test_support::small_run("[lda]\n", "chic", 3, "silent.toml"));
  r.estimators.push_back(std::make_unique<SilentRun>());
  std::vector<models::FlowEstimator*> all;
  for (const auto& e : r.estimators)
    all.push_back(&e->estimator());
  r.ledger = std::make_unique<models::FlowLedger>(*r.truth, all);
  r.comparison = compare_run_estimators(r);
  const auto dir = std::filesystem::temp_directory_path() / "rlisim_estimator_run_test";
  std::filesystem::remove_all(dir);
  write_results(r, dir.string());

  const std::string csv = read_file(dir / "flows.csv");
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_THAT(header,
              EndsWith(",lda_samples,lda_mean_ns,lda_std_ns,lda_mean_rel_err,silent_samples,"
                       "silent_mean_ns,silent_mean_rel_err,silent_note"));
  const std::string first_row =
      csv.substr(header.size() + 1, csv.find('\n', header.size() + 1) - header.size() - 1);
  EXPECT_THAT(first_row, EndsWith(",0,,,-"));

  const auto summary = nlohmann::json::parse(read_file(dir / "summary.json"));
  EXPECT_EQ(summary["estimators"]["silent"]["note"], "said nothing");
  EXPECT_EQ(summary["estimators"]["silent"]["error"]["flows_estimated"], 0);
  EXPECT_FALSE(summary["estimators"]["lda"].contains("note"));
  ASSERT_EQ(summary["comparison"]["estimators"].size(), 2u);
  EXPECT_EQ(summary["comparison"]["estimators"][1]["name"], "silent");
  EXPECT_EQ(summary["comparison"]["common"]["flows"], 0);

  EXPECT_THAT(format_text_summary(r), HasSubstr("silent: nothing to report\n"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rlisim::run
