#include "sim/run/report/rli_json.hpp"

#include <cmath>

#include "sim/core/json_text.hpp"
#include "sim/run/report/error_json.hpp"
#include "sim/run/scenario.hpp"

namespace rlisim::run {
namespace {

using nlohmann::ordered_json;

ordered_json sample_json(const models::SampleSummary& s) {
  ordered_json j;
  j["flows"] = s.count;
  j["median_s"] = core::json_number(s.median * 1e-12);
  j["p90_s"] = core::json_number(s.p90 * 1e-12);
  j["p99_s"] = core::json_number(s.p99 * 1e-12);
  j["max_s"] = core::json_number(s.max * 1e-12);
  ordered_json cdf = ordered_json::array();
  for (const auto& p : s.cdf)
    cdf.push_back(ordered_json::array({p.value * 1e-12, p.fraction}));
  j["cdf_s"] = cdf;
  return j;
}

}  // namespace

ordered_json rli_json(const RunResult& r, const RliReport& report) {
  const auto& spec = r.config.rli;
  ordered_json j;
  ordered_json setup;
  const auto& p = spec.policy;
  switch (p.kind) {
    case models::rli::PolicyKind::kStatic:
      setup["policy"] = "static";
      setup["n"] = p.n;
      break;
    case models::rli::PolicyKind::kPeriodic:
      setup["policy"] = "periodic";
      setup["period_s"] = core::to_seconds(p.period);
      setup["jitter"] = p.jitter;
      break;
    case models::rli::PolicyKind::kAdaptive: {
      setup["policy"] = "adaptive";
      setup["preset"] = spec.preset.empty() ? ordered_json() : ordered_json(spec.preset);
      ordered_json table = ordered_json::array();
      for (const auto& row : p.table)
        table.push_back(ordered_json::array({row.utilization, row.n}));
      setup["table"] = table;
      setup["interpolate_table"] = p.interpolate;
      setup["window_s"] = core::to_seconds(p.window);
      setup["ewma_weight"] = p.ewma_weight;
      break;
    }
  }
  setup["reference_bytes"] = p.reference_bytes;
  setup["max_byte_share"] = p.max_byte_share;
  j["setup"] = setup;

  ordered_json senders = ordered_json::array();
  for (const auto& s : r.rli_senders) {
    ordered_json k;
    k["port"] = s.port;
    k["references"] = s.counters.references;
    k["reference_bytes"] = s.counters.reference_bytes;
    k["skipped_by_cap"] = s.counters.skipped_by_cap;
    k["regular_packets"] = s.counters.regular_packets;
    k["egress_packets"] = s.counters.egress_packets;
    k["egress_bytes"] = s.counters.egress_bytes;
    k["n_changes"] = s.counters.n_changes;
    k["windows"] = s.counters.windows;
    k["final_n"] = s.final_n;
    k["last_utilization"] = core::json_number(s.last_utilization);
    senders.push_back(k);
  }
  j["senders"] = senders;

  const auto& c = r.rli->receiver_counters();
  ordered_json receiver;
  receiver["references_received"] = c.references;
  receiver["references_lost"] = c.references_lost;
  receiver["packets"] = c.packets;
  receiver["estimated"] = c.estimated;
  receiver["interpolated"] = c.interpolated;
  receiver["before_first_reference"] = c.before_first;
  receiver["after_last_reference"] = c.after_last;
  receiver["excluded"] = c.excluded;
  receiver["interpolated_across_lost_references"] = c.across_gap;
  receiver["buffer_overflow"] = c.buffer_overflow;
  receiver["out_of_bracket"] = c.out_of_bracket;
  receiver["peak_buffer_packets"] = c.peak_buffer;
  receiver["state_bytes"] = r.rli->state_bytes();
  j["receiver"] = receiver;

  const auto& o = report.overhead;
  ordered_json overhead;
  overhead["references"] = o.references;
  overhead["reference_bytes"] = o.reference_bytes;
  overhead["reference_drops"] = o.reference_drops;
  overhead["skipped_by_cap"] = o.skipped_by_cap;
  overhead["packet_share"] = o.packet_share;
  overhead["byte_share"] = o.byte_share;
  overhead["references_per_regular_packet"] = o.references_per_regular_packet;
  overhead["definition"] =
      "shares are of all packets/bytes sent to the measured ports, references included";
  j["overhead"] = overhead;

  ordered_json error;
  error["flows_measured"] = report.flows_measured;
  error["flows_estimated"] = report.flows_estimated;
  error["definition"] =
      "per regular flow with >= 1 delivered packet (std: >= 2): |estimate - truth| / truth, "
      "truth over the same run's delivered packets; classes are cumulative (>= min_packets "
      "delivered); quantiles interpolate between order statistics (numpy's default)";
  error["mean"] = error_json(report.mean_error);
  error["std"] = error_json(report.std_error);
  j["error"] = error;

  if (report.interference) {
    const auto& s = *report.interference;
    ordered_json k;
    k["flows_compared"] = s.compared;
    k["not_comparable"] = s.not_comparable;
    k["positive"] = s.positive;
    k["negative"] = s.negative;
    k["zero"] = s.zero;
    k["negative_fraction"] = core::json_number(s.negative_fraction);
    k["max_abs_delta_s"] = core::json_number(s.max_abs_delta_ps * 1e-12);
    k["mean_delta_s"] = core::json_number(s.mean_delta_ps * 1e-12);
    k["positive_abs_delta"] = sample_json(s.positive_abs_delta_ps);
    k["negative_abs_delta"] = sample_json(s.negative_abs_delta_ps);
    k["flows_with_fate_change"] = s.flows_with_fate_change;
    k["fate_changes"] = s.fate_changes;
    k["loss_rate_with"] = core::json_number(s.loss_rate_with);
    k["loss_rate_without"] = core::json_number(s.loss_rate_without);
    k["loss_rate_difference"] = core::json_number(s.loss_rate_difference);
    k["definition"] =
        "delta = true mean delay with references - without, per regular flow, from a lock-step "
        "run of the same packets through an identical router without references";
    j["interference"] = k;
  }
  return j;
}

}  // namespace rlisim::run
