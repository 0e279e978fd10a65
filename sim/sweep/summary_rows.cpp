#include "sim/sweep/summary_rows.hpp"

#include <functional>

namespace rlisim::sweep {
namespace {

using nlohmann::json;

// The value at `pointer` ("/a/0/b"), or null where any step is missing.
json at(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  return j.contains(p) ? j.at(p) : json();
}

json scaled(const json& v, double factor) {
  return v.is_number() ? json(v.get<double>() * factor) : json();
}

json ratio(const json& num, const json& den) {
  if (!num.is_number() || !den.is_number() || den.get<double>() == 0)
    return json();
  return num.get<double>() / den.get<double>();
}

struct PointColumn {
  ColumnSpec spec;
  std::function<json(const json& summary, const json& timing)> value;
};

const std::vector<PointColumn>& point_columns() {
  static const std::vector<PointColumn> columns = {
      {{"complete", "INTEGER", "1 if the run processed its whole input"},
       [](const json& s, const json&) {
         const json c = at(s, "/complete");
         return c.is_boolean() ? json(c.get<bool>() ? 1 : 0) : json();
       }},
      {{"packets", "INTEGER", "regular input packets simulated"},
       [](const json& s, const json&) { return at(s, "/input/packets"); }},
      {{"flows", "INTEGER", "regular flows (5-tuples) seen"},
       [](const json& s, const json&) { return at(s, "/truth/regular/flows"); }},
      {{"offered_packets", "INTEGER", "regular packets offered to the egress ports"},
       [](const json& s, const json&) { return at(s, "/truth/regular/offered_packets"); }},
      {{"dropped_packets", "INTEGER", "regular packets dropped"},
       [](const json& s, const json&) { return at(s, "/truth/regular/dropped_packets"); }},
      {{"loss_rate", "REAL", "dropped_packets / offered_packets"},
       [](const json& s, const json&) {
         return ratio(at(s, "/truth/regular/dropped_packets"),
                      at(s, "/truth/regular/offered_packets"));
       }},
      {{"utilization", "REAL", "achieved utilization of egress port 0 (busy time / window)"},
       [](const json& s, const json&) { return at(s, "/ports/0/utilization"); }},
      {{"offered_load", "REAL", "offered load of egress port 0 (offered bits / rate / window)"},
       [](const json& s, const json&) { return at(s, "/ports/0/offered_load"); }},
      {{"rate_bps", "REAL", "link rate of egress port 0 after utilization targeting, bit/s"},
       [](const json& s, const json&) { return at(s, "/ports/0/rate_bps"); }},
      {{"mean_delay_s", "REAL", "true mean delay of delivered regular packets, s"},
       [](const json& s, const json&) {
         return scaled(at(s, "/truth/regular/delay/mean_ns"), 1e-9);
       }},
      {{"p50_delay_s", "REAL", "true median delay of delivered regular packets, s"},
       [](const json& s, const json&) {
         return scaled(at(s, "/truth/regular/delay/p50_ns"), 1e-9);
       }},
      {{"p99_delay_s", "REAL", "true 99th-percentile delay of delivered regular packets, s"},
       [](const json& s, const json&) {
         return scaled(at(s, "/truth/regular/delay/p99_ns"), 1e-9);
       }},
      {{"max_delay_s", "REAL", "largest true delay of a delivered regular packet, s"},
       [](const json& s, const json&) {
         return scaled(at(s, "/truth/regular/delay/max_ns"), 1e-9);
       }},
      // RLI's error tracks how alike delays are one reference spacing apart
      // (ports[0].diagnostics in summary.json); kept here so that sweeps can plot against it.
      {{"reference_spacing_packets", "REAL",
        "RLI: mean packets per reference at egress port 0 (NULL without references)"},
       [](const json& s, const json&) {
         return at(s, "/ports/0/diagnostics/at_reference_spacing/packets");
       }},
      {{"delay_acf_at_n", "REAL",
        "autocorrelation of port 0's per-packet delay at a lag of reference_spacing_packets"},
       [](const json& s, const json&) {
         return at(s, "/ports/0/diagnostics/at_reference_spacing/r_packets");
       }},
      {{"delay_acf_at_spacing_time", "REAL",
        "the same at a lag of the mean time between references (NULL without references)"},
       [](const json& s, const json&) {
         return at(s, "/ports/0/diagnostics/at_reference_spacing/r_time");
       }},
      {{"delay_acf_lag_100", "REAL",
        "autocorrelation of port 0's per-packet delay at a lag of 100 packets"},
       [](const json& s, const json&) { return at(s, "/ports/0/diagnostics/packet_lags/100"); }},
      {{"packets_per_second", "REAL", "simulation speed of the run (a timing, not a result)"},
       [](const json&, const json& t) { return at(t, "/packets_per_second"); }},
  };
  return columns;
}

// Columns of an estimator row: its entry in summary.comparison.estimators[] (`c`), its own
// block summary.estimators.<name> (`e`) and the comparison's common-flow block (`common`).
struct EstimatorColumn {
  ColumnSpec spec;
  std::function<json(const json& c, const json& e, const json& common, const std::string& name)>
      value;
};

json common_median(const json& common, const std::string& name, const char* metric) {
  if (!common.is_object() || !common.contains(metric) || !common[metric].contains(name))
    return json();
  return at(common[metric][name], "/>=1/median");
}

const std::vector<EstimatorColumn>& estimator_columns() {
  using C = EstimatorColumn;
  const auto from_c = [](const char* pointer) {
    return [pointer](const json& c, const json&, const json&, const std::string&) {
      return at(c, pointer);
    };
  };
  const auto from_e = [](const char* pointer) {
    return [pointer](const json&, const json& e, const json&, const std::string&) {
      return at(e, pointer);
    };
  };
  static const std::vector<EstimatorColumn> columns = {
      C{{"flows_measured", "INTEGER", "regular flows eligible for scoring"},
        from_c("/flows_measured")},
      C{{"flows_estimated", "INTEGER", "of those, flows the estimator gave an estimate for"},
        from_c("/flows_estimated")},
      C{{"flow_coverage", "REAL", "flows_estimated / flows_measured"}, from_c("/flow_coverage")},
      C{{"packet_coverage", "REAL", "share of delivered regular packets in estimated flows"},
        from_c("/packet_coverage")},
      C{{"mean_err_median", "REAL", "median per-flow relative error of the mean delay"},
        from_c("/mean_error/>=1/median")},
      C{{"mean_err_p90", "REAL", "90th percentile of the same"}, from_c("/mean_error/>=1/p90")},
      C{{"mean_err_p99", "REAL", "99th percentile of the same"}, from_c("/mean_error/>=1/p99")},
      C{{"mean_err_mean", "REAL", "mean of the same"}, from_e("/error/mean/0/mean")},
      C{{"mean_err_signed_median", "REAL",
         "median signed relative error (estimate above truth > 0)"},
        from_e("/error/mean/0/signed_median")},
      C{{"mean_err_median_10", "REAL", "median relative error of the mean, flows >= 10 packets"},
        from_c("/mean_error/>=10/median")},
      C{{"mean_err_median_100", "REAL", "the same, flows >= 100 packets"},
        from_c("/mean_error/>=100/median")},
      C{{"mean_err_median_1000", "REAL", "the same, flows >= 1000 packets"},
        from_c("/mean_error/>=1000/median")},
      C{{"std_err_median", "REAL",
         "median per-flow relative error of the delay std (NULL: no std)"},
        from_c("/std_error/>=1/median")},
      C{{"std_err_p90", "REAL", "90th percentile of the same"}, from_c("/std_error/>=1/p90")},
      C{{"std_err_median_100", "REAL", "the same median, flows >= 100 packets"},
        from_c("/std_error/>=100/median")},
      C{{"common_flows", "INTEGER", "flows every estimator of the run estimated"},
        [](const json&, const json&, const json& common, const std::string&) {
          return at(common, "/flows");
        }},
      C{{"common_mean_err_median", "REAL", "median relative error of the mean over common_flows"},
        [](const json&, const json&, const json& common, const std::string& name) {
          return common_median(common, name, "mean_error");
        }},
      C{{"state_bytes", "INTEGER", "measurement state kept (both taps), bytes"},
        from_c("/cost/state_bytes")},
      C{{"export_bytes", "INTEGER", "measurement data exported, bytes"},
        from_c("/cost/export_bytes")},
      C{{"injected_packets", "INTEGER", "packets the estimator added to the traffic"},
        from_c("/cost/injected_packets")},
      C{{"injected_bytes", "INTEGER", "bytes the estimator added to the traffic"},
        from_c("/cost/injected_bytes")},
      C{{"delay_samples", "INTEGER",
         "exact per-packet delay samples the estimates rest on (0 for an aggregate)"},
        from_c("/cost/delay_samples")},
      C{{"samples_per_packet", "REAL", "budget: delay_samples / regular packets offered"},
        from_c("/budget/samples_per_packet")},
      C{{"injected_packets_per_packet", "REAL", "budget: injected_packets / regular packets"},
        from_c("/budget/injected_packets_per_packet")},
      C{{"injected_bytes_per_packet", "REAL", "budget: injected_bytes / regular packets"},
        from_c("/budget/injected_bytes_per_packet")},
      C{{"state_bytes_per_flow", "REAL", "budget: state_bytes / regular flows"},
        from_c("/budget/state_bytes_per_flow")},
      C{{"export_bytes_per_second", "REAL", "budget: export_bytes / arrival window, s"},
        from_c("/budget/export_bytes_per_second")},
      C{{"reference_drops", "INTEGER", "RLI: reference packets dropped"},
        from_e("/overhead/reference_drops")},
      C{{"ref_packet_share", "REAL", "RLI: references / all packets sent to the measured ports"},
        from_e("/overhead/packet_share")},
      C{{"ref_byte_share", "REAL", "RLI: reference bytes / all bytes sent to the measured ports"},
        from_e("/overhead/byte_share")},
      C{{"interference_flows", "INTEGER", "RLI: flows compared with the run without references"},
        from_e("/interference/flows_compared")},
      C{{"interference_positive", "INTEGER", "RLI: flows whose true mean delay rose"},
        from_e("/interference/positive")},
      C{{"interference_negative", "INTEGER", "RLI: flows whose true mean delay fell"},
        from_e("/interference/negative")},
      C{{"interference_zero", "INTEGER", "RLI: flows with unchanged true mean delay"},
        from_e("/interference/zero")},
      C{{"negative_fraction", "REAL", "RLI: interference_negative / flows with a change"},
        from_e("/interference/negative_fraction")},
      C{{"max_abs_delta_s", "REAL", "RLI: largest absolute change of a flow's true mean delay, s"},
        from_e("/interference/max_abs_delta_s")},
      C{{"fate_changes", "INTEGER",
         "RLI: regular packets delivered in one run, dropped in the other"},
        from_e("/interference/fate_changes")},
      C{{"loss_rate_with", "REAL", "RLI: regular-packet loss rate with references"},
        from_e("/interference/loss_rate_with")},
      C{{"loss_rate_without", "REAL", "RLI: the same without references"},
        from_e("/interference/loss_rate_without")},
      C{{"loss_rate_difference", "REAL", "RLI: loss_rate_with - loss_rate_without"},
        from_e("/interference/loss_rate_difference")},
  };
  return columns;
}

void add_cdf(std::vector<CdfPoint>& out, const std::string& estimator, const std::string& metric,
             std::int64_t min_packets, const json& cdf) {
  if (!cdf.is_array())
    return;
  for (const auto& xy : cdf) {
    if (xy.is_array() && xy.size() == 2 && xy[0].is_number() && xy[1].is_number())
      out.push_back({estimator, metric, min_packets, xy[0].get<double>(), xy[1].get<double>()});
  }
}

}  // namespace

const std::vector<ColumnSpec>& point_metric_columns() {
  static const std::vector<ColumnSpec> specs = [] {
    std::vector<ColumnSpec> out;
    for (const auto& c : point_columns())
      out.push_back(c.spec);
    return out;
  }();
  return specs;
}

const std::vector<ColumnSpec>& estimator_metric_columns() {
  static const std::vector<ColumnSpec> specs = [] {
    std::vector<ColumnSpec> out;
    for (const auto& c : estimator_columns())
      out.push_back(c.spec);
    return out;
  }();
  return specs;
}

std::vector<json> point_metrics(const json& summary, const json& timing) {
  std::vector<json> out;
  for (const auto& c : point_columns())
    out.push_back(c.value(summary, timing));
  return out;
}

std::vector<EstimatorRow> estimator_rows(const json& summary) {
  std::vector<EstimatorRow> out;
  const json comparison = at(summary, "/comparison");
  if (!comparison.is_object() || !comparison["estimators"].is_array())
    return out;
  const json common = comparison.value("common", json());
  for (const auto& c : comparison["estimators"]) {
    const std::string name = c.value("name", "");
    const json& all = summary.contains("estimators") ? summary["estimators"] : json();
    const json e = all.is_object() && all.contains(name) ? all[name] : json();
    EstimatorRow row{name, {}};
    for (const auto& col : estimator_columns())
      row.values.push_back(col.value(c, e, common, name));
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<CdfPoint> cdf_points(const json& summary) {
  std::vector<CdfPoint> out;
  const json estimators = at(summary, "/estimators");
  if (!estimators.is_object())
    return out;
  for (const auto& [name, e] : estimators.items()) {
    for (const char* metric : {"mean", "std"}) {
      const json classes = at(e, (std::string("/error/") + metric).c_str());
      if (!classes.is_array())
        continue;
      for (const auto& c : classes) {
        add_cdf(out, name, std::string(metric) + "_rel_err", c.value("min_packets", 1),
                c.value("cdf", json()));
      }
    }
    add_cdf(out, name, "interference_positive_s", 1,
            at(e, "/interference/positive_abs_delta/cdf_s"));
    add_cdf(out, name, "interference_negative_s", 1,
            at(e, "/interference/negative_abs_delta/cdf_s"));
  }
  return out;
}

}  // namespace rlisim::sweep
