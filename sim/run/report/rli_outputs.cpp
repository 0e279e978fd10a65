// What RLI shows in the outputs beyond any estimator's defaults: the "rli" entry of
// summary.json (setup, senders, receiver, overhead, error on the measured ports, interference),
// its flows.csv columns with the paired run's truth, and its lines in the text summary.

#include <cmath>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/json_text.hpp"
#include "sim/run/report/error_json.hpp"
#include "sim/run/report/text_fields.hpp"
#include "sim/run/rli_run.hpp"

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

ordered_json setup_json(const config::RliSpec& spec) {
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
  return setup;
}

ordered_json senders_json(const std::vector<RliSenderResult>& senders) {
  ordered_json all = ordered_json::array();
  for (const auto& s : senders) {
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
    all.push_back(k);
  }
  return all;
}

ordered_json receiver_json(const models::rli::RliReceiver& rx) {
  const auto& c = rx.receiver_counters();
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
  receiver["state_bytes"] = rx.state_bytes();
  return receiver;
}

ordered_json overhead_json(const RliOverhead& o) {
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
  return overhead;
}

ordered_json score_error_json(const RliScore& score) {
  ordered_json error;
  error["flows_measured"] = score.flows_measured;
  error["flows_estimated"] = score.flows_estimated;
  error["definition"] =
      "per regular flow with >= 1 delivered packet (std: >= 2): |estimate - truth| / truth, "
      "truth over the same run's delivered packets; classes are cumulative (>= min_packets "
      "delivered); quantiles interpolate between order statistics (numpy's default)";
  error["mean"] = error_json(score.mean_error);
  error["std"] = error_json(score.std_error);
  return error;
}

ordered_json interference_json(const models::InterferenceStats& s) {
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
  return k;
}

}  // namespace

// RLI's entry rests on its own score (measured ports only) rather than the comparison's row.
void RliRun::summary_entry(const models::EstimatorScore& score, ordered_json& entry) const {
  (void)score;
  entry = ordered_json();
  entry["setup"] = setup_json(spec_);
  entry["senders"] = senders_json(senders_);
  entry["receiver"] = receiver_json(*receiver_);
  entry["overhead"] = overhead_json(score_->overhead);
  entry["error"] = score_error_json(*score_);
  if (score_->interference)
    entry["interference"] = interference_json(*score_->interference);
}

void RliRun::append_flow_columns(std::string& header) const {
  header += ",rli_packets,rli_mean_ns,rli_std_ns,rli_mean_rel_err,rli_std_rel_err";
  if (paired_)
    header += ",drops_without_refs,delay_mean_without_refs_ns,interference_ns,fate_changes";
}

// The flow's estimates and their errors, and its truth in the paired run.
void RliRun::append_flow_fields(std::string& row, const models::FlowRow& flow,
                                const std::optional<models::FlowDelayEstimate>& est) const {
  const auto& truth = flow.truth;
  const double mean = est ? est->mean_ps : NAN;
  const bool two = truth.delay.count() >= 2;
  const double sd = est && two ? est->std_ps : NAN;
  append_count_field(row, est ? est->samples : 0);
  append_ns_field(row, mean);
  append_ns_field(row, sd);
  append_relative_error_field(row, mean, truth.delay.mean_ps());
  append_relative_error_field(row, two ? sd : NAN, truth.delay.stddev_ps());
  if (!paired_)
    return;
  const auto* other = paired_->row(truth.first_seen);
  const double without = other ? other->mean_ps : NAN;
  const double with = truth.delay.mean_ps();
  append_count_field(row, other ? other->dropped_packets : 0);
  append_ns_field(row, without);
  append_ns_field(row, std::isfinite(with) && std::isfinite(without) ? with - without : NAN);
  append_count_field(row, other ? other->fate_changes : 0);
}

void RliRun::append_text_summary(std::string& text) const {
  auto it = std::back_inserter(text);
  const auto& s = *score_;
  const auto headline = [](const models::ErrorSummary& e) {
    return e.classes.empty() ? std::string("-")
                             : fmt::format("{:.2f} %", 100 * e.classes.front().median);
  };
  fmt::format_to(it,
                 "rli: {} references ({:.4f} % of packets, {:.4f} % of bytes); per-flow median "
                 "relative error of the mean {}, of the std {} ({} flows)\n",
                 s.overhead.references, 100 * s.overhead.packet_share, 100 * s.overhead.byte_share,
                 headline(s.mean_error), headline(s.std_error), s.flows_measured);
  if (s.interference) {
    const auto& i = *s.interference;
    fmt::format_to(it,
                   "rli interference: {} flows later, {} earlier, {} unchanged (max |delta| "
                   "{}); loss rate {:.3g} with references, {:.3g} without\n",
                   i.positive, i.negative, i.zero, format_ps(i.max_abs_delta_ps), i.loss_rate_with,
                   i.loss_rate_without);
  }
}

std::optional<RliRun::ReferenceSpacing> RliRun::reference_spacing(const PortView& port) const {
  for (const auto& sender : senders_) {
    if (sender.port != port.port || sender.counters.references == 0)
      continue;
    const auto refs = static_cast<double>(sender.counters.references);
    ReferenceSpacing s;
    s.packets = static_cast<double>(sender.counters.egress_packets) / refs;
    s.seconds = port.window_seconds / refs;
    s.r_packets = port.autocorrelation.at_packets(s.packets);
    s.r_time = port.autocorrelation.at_time(s.seconds);
    return s;
  }
  return std::nullopt;
}

// Why RLI did well or badly on the port: how alike delays are one reference spacing apart.
void RliRun::add_port_diagnostics(const PortView& port, ordered_json& diagnostics) const {
  if (const auto spacing = reference_spacing(port)) {
    ordered_json at;
    at["packets"] = spacing->packets;
    at["r_packets"] = core::json_number(spacing->r_packets);
    at["seconds"] = spacing->seconds;
    at["r_time"] = core::json_number(spacing->r_time);
    diagnostics["at_reference_spacing"] = at;
  }
}

void RliRun::append_port_text(const PortView& port, std::string& text) const {
  if (const auto spacing = reference_spacing(port)) {
    fmt::format_to(std::back_inserter(text),
                   "  delay autocorrelation one reference spacing apart: {:.2f} at {:.0f} "
                   "packets, {:.2f} at {}\n",
                   spacing->r_packets, spacing->packets, spacing->r_time,
                   format_ps(spacing->seconds * 1e12));
  }
}

}  // namespace rlisim::run
