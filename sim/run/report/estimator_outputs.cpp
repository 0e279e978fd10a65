// What every estimator shows in the outputs (EstimatorRun's defaults).

#include <cmath>
#include <iterator>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/run/estimator_run.hpp"
#include "sim/run/report/comparison_json.hpp"
#include "sim/run/report/text_fields.hpp"

namespace rlisim::run {

EstimatorRun::EstimatorRun(std::unique_ptr<models::FlowEstimator> estimator)
    : estimator_(std::move(estimator)) {}

EstimatorRun::~EstimatorRun() = default;

void EstimatorRun::summary_entry(const models::EstimatorScore& score,
                                 nlohmann::ordered_json& entry) const {
  entry = estimator_json(score);
}

void EstimatorRun::append_flow_columns(std::string& header) const {
  auto it = std::back_inserter(header);
  const auto n = estimator_->name();
  fmt::format_to(it, ",{}_samples,{}_mean_ns", n, n);
  if (estimator_->estimates_std())
    fmt::format_to(it, ",{}_std_ns", n);
  fmt::format_to(it, ",{}_mean_rel_err", n);
}

void EstimatorRun::append_flow_fields(std::string& row, const models::FlowRow& flow,
                                      const std::optional<models::FlowDelayEstimate>& est) const {
  const auto& truth = flow.truth;
  const double mean = est ? est->mean_ps : NAN;
  append_count_field(row, est ? est->samples : 0);
  append_ns_field(row, mean);
  if (estimator_->estimates_std())
    append_ns_field(row, est && truth.delay.count() >= 2 ? est->std_ps : NAN);
  append_relative_error_field(row, mean, truth.delay.mean_ps());
}

void EstimatorRun::append_text_summary(std::string& text) const {
  (void)text;
}

void EstimatorRun::add_port_diagnostics(const PortView& port,
                                        nlohmann::ordered_json& diagnostics) const {
  (void)port;
  (void)diagnostics;
}

void EstimatorRun::append_port_text(const PortView& port, std::string& text) const {
  (void)port;
  (void)text;
}

}  // namespace rlisim::run
