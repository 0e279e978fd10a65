#include "sim/run/report/comparison_json.hpp"

#include <fmt/format.h>

#include "sim/core/json_text.hpp"
#include "sim/run/port_diagnostics.hpp"
#include "sim/run/report/error_json.hpp"

namespace rlisim::run {
namespace {

using nlohmann::ordered_json;

double ratio(std::uint64_t a, std::uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : NAN;
}

ordered_json cost_json(const models::EstimatorCost& c) {
  ordered_json j;
  j["state_bytes"] = c.state_bytes;
  j["export_bytes"] = c.export_bytes;
  j["injected_packets"] = c.injected_packets;
  j["injected_bytes"] = c.injected_bytes;
  j["delay_samples"] = c.delay_samples;
  return j;
}

ordered_json budget_json(const models::MeasurementBudget& b) {
  ordered_json j;
  j["samples_per_packet"] = core::json_number(b.samples_per_packet);
  j["injected_packets_per_packet"] = core::json_number(b.injected_packets_per_packet);
  j["injected_bytes_per_packet"] = core::json_number(b.injected_bytes_per_packet);
  j["state_bytes_per_flow"] = core::json_number(b.state_bytes_per_flow);
  j["export_bytes_per_second"] = core::json_number(b.export_bytes_per_second);
  return j;
}

// {">=1": {median, p90, p99, flows}, ">=10": ...}: the compact form of an error summary.
ordered_json quantiles_by_class(const models::ErrorSummary& s) {
  ordered_json j = ordered_json::object();
  for (const auto& c : s.classes) {
    ordered_json k;
    k["flows"] = c.flows;
    k["median"] = core::json_number(c.median);
    k["p90"] = core::json_number(c.p90);
    k["p99"] = core::json_number(c.p99);
    j[fmt::format(">={}", c.min_packets)] = k;
  }
  return j;
}

}  // namespace

ordered_json estimator_json(const models::EstimatorScore& score) {
  ordered_json j;
  ordered_json counters = ordered_json::object();
  for (const auto& c : score.counters)
    counters[c.name] = core::json_number(c.value);
  j["counters"] = counters;
  j["cost"] = cost_json(score.cost);
  ordered_json error;
  error["flows_measured"] = score.flows_measured;
  error["flows_estimated"] = score.flows_estimated;
  error["mean"] = error_json(score.mean_error);
  error["std"] = score.std_error ? error_json(*score.std_error) : ordered_json();
  j["error"] = error;
  return j;
}

ordered_json comparison_json(const models::Comparison& c) {
  ordered_json j;
  j["definition"] =
      "every estimator on the same run: per regular flow with >= 1 delivered packet (std: >= 2), "
      "relative error |estimate - truth| / truth against the true delay over the same delivered "
      "packets; classes are cumulative (>= n delivered packets); coverage counts flows and "
      "delivered packets with an estimate; 'common' restricts every estimator to the flows all "
      "of them estimated; 'budget' divides each estimator's cost by the regular packets offered "
      "(samples_per_packet: exact per-packet delay samples; injected packets and bytes), by the "
      "regular flows (peak state bytes) and by the arrival window in seconds (export bytes); "
      "'mean_error_by_load' splits the flows by the utilization of their egress port in the "
      "10 ms period in which their first packet arrived (median over all flows and over flows "
      "of >= 100 packets); quantiles interpolate between order statistics (numpy's default)";
  ordered_json rows = ordered_json::array();
  for (const auto& s : c.scores) {
    ordered_json k;
    k["name"] = s.name;
    k["flows_measured"] = s.flows_measured;
    k["flows_estimated"] = s.flows_estimated;
    k["flow_coverage"] = core::json_number(ratio(s.flows_estimated, s.flows_measured));
    k["packet_coverage"] = core::json_number(ratio(s.packets_estimated, s.packets_measured));
    k["mean_error"] = quantiles_by_class(s.mean_error);
    k["std_error"] = s.std_error ? quantiles_by_class(*s.std_error) : ordered_json();
    k["cost"] = cost_json(s.cost);
    k["budget"] = budget_json(s.budget);
    ordered_json by_load = ordered_json::object();
    for (std::size_t i = 0; i < s.mean_error_by_load.size(); ++i) {
      const auto& classes = s.mean_error_by_load[i].classes;
      ordered_json l;
      l["flows"] = classes.empty() ? 0 : classes.front().flows;
      l["median"] = core::json_number(classes.empty() ? NAN : classes.front().median);
      l["median_100"] = core::json_number(NAN);
      for (const auto& c : classes) {
        if (c.min_packets == 100)
          l["median_100"] = core::json_number(c.median);
      }
      by_load[std::string(load_class_name(i))] = l;
    }
    k["mean_error_by_load"] = by_load;
    rows.push_back(k);
  }
  j["estimators"] = rows;
  ordered_json common;
  common["flows"] = c.common_flows;
  ordered_json by_name = ordered_json::object();
  for (std::size_t i = 0; i < c.scores.size() && i < c.common_mean_error.size(); ++i)
    by_name[c.scores[i].name] = quantiles_by_class(c.common_mean_error[i]);
  common["mean_error"] = by_name;
  j["common"] = common;
  return j;
}

}  // namespace rlisim::run
