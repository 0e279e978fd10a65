#include "sim/run/report/result_writer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/error.hpp"
#include "sim/core/json_text.hpp"
#include "sim/core/output_file.hpp"
#include "sim/run/report/comparison_json.hpp"
#include "sim/run/report/text_fields.hpp"

namespace rlisim::run {
namespace {

using nlohmann::ordered_json;

constexpr std::string_view kDelayDefinition =
    "egress tap minus ingress tap over delivered packets: fixed processing delay + queueing "
    "wait + the packet's own serialisation + propagation";

std::string_view kind_name(core::PacketKind kind) {
  switch (kind) {
    case core::PacketKind::kRegular:
      return "regular";
    case core::PacketKind::kCross:
      return "cross";
    case core::PacketKind::kReference:
      return "reference";
  }
  return "?";
}

double ps_to_ns(double ps) {
  return ps * 1e-3;
}

ordered_json delay_json(const models::DelayMoments& d, double p50_ps, double p99_ps) {
  ordered_json j;
  j["delivered_packets"] = d.count();
  if (d.count() == 0)
    return j;
  j["mean_ns"] = ps_to_ns(d.mean_ps());
  j["std_ns"] = ps_to_ns(d.stddev_ps());
  j["min_ns"] = ps_to_ns(static_cast<double>(d.min().count()));
  j["p50_ns"] = ps_to_ns(p50_ps);
  j["p99_ns"] = ps_to_ns(p99_ps);
  j["max_ns"] = ps_to_ns(static_cast<double>(d.max().count()));
  return j;
}

ordered_json summary_json(const models::TruthSummary& s) {
  ordered_json j;
  j["flows"] = s.flows;
  j["offered_packets"] = s.offered_packets;
  j["offered_bytes"] = s.offered_bytes;
  j["dropped_packets"] = s.dropped_packets;
  j["delay"] = delay_json(s.delay, s.p50_ps(), s.p99_ps());
  return j;
}

double window_seconds(const RunResult& r) {
  return core::to_seconds(arrival_window(r.first_arrival, r.last_arrival, r.packets));
}

// Offered load: offered bits over the link capacity during the arrival window.
double offered_load(const RunResult& r, std::size_t port) {
  const double window = window_seconds(r);
  const double rate = static_cast<double>(r.router.egress[port].rate.value);
  return window > 0 ? static_cast<double>(r.ports[port].offered_bytes) * 8.0 / (rate * window)
                    : 0.0;
}

// Achieved utilization: busy (transmitting) time over the arrival window, or over the time to
// the port's last departure when the backlog outlasts the window.
double utilization(const RunResult& r, std::size_t port) {
  const auto& c = r.ports[port];
  const double window =
      std::max(window_seconds(r), core::to_seconds(c.last_departure - r.first_arrival));
  return window > 0 ? core::to_seconds(c.busy_time) / window : 0.0;
}

// Why the estimators did well or badly on this port: how alike delays are some packets or some
// time apart (each estimator may add its own view), and how the port's load periods fall into
// classes.
ordered_json diagnostics_json(const RunResult& r, std::size_t i) {
  const auto& a = r.diagnostics->autocorrelation(static_cast<models::PortId>(i));
  ordered_json j;
  j["definition"] =
      "sample autocorrelation of the per-packet delay (regular and cross traffic, departure "
      "order) at a lag of L packets, or of tau seconds (each packet paired with the latest one "
      "that left >= tau before it), with the mean and variance of all the port's delays";
  j["packets"] = a.packets();
  ordered_json by_packets = ordered_json::object();
  for (std::size_t k = 0; k < a.packet_lags().size(); ++k)
    by_packets[std::to_string(a.packet_lags()[k])] = core::json_number(a.at_packet_lag(k));
  j["packet_lags"] = by_packets;
  ordered_json by_time = ordered_json::array();
  for (std::size_t k = 0; k < a.time_lags().size(); ++k) {
    ordered_json point;
    point["seconds"] = core::to_seconds(a.time_lags()[k]);
    point["r"] = core::json_number(a.at_time_lag(k));
    by_time.push_back(point);
  }
  j["time_lags"] = by_time;
  const PortView port{.port = i, .autocorrelation = a, .window_seconds = window_seconds(r)};
  for (const auto& e : r.estimators)
    e->add_port_diagnostics(port, j);
  ordered_json periods = ordered_json::object();
  const auto counts = r.diagnostics->periods_per_class(static_cast<models::PortId>(i));
  for (std::size_t k = 0; k < counts.size(); ++k)
    periods[std::string(load_class_name(k))] = counts[k];
  j["load_periods"] = periods;
  return j;
}

ordered_json port_json(const RunResult& r, std::size_t i) {
  const auto& cfg = r.router.egress[i];
  const auto& c = r.ports[i];
  ordered_json j;
  j["name"] = cfg.name;
  j["rate_bps"] = cfg.rate.value;
  j["configured_rate_bps"] = r.targeting[i].configured_rate.value;
  j["cross_traffic_bps"] = r.targeting[i].cross_rate_bps;
  j["offered_load"] = offered_load(r, i);
  j["offered_bps"] = offered_load(r, i) * static_cast<double>(cfg.rate.value);
  j["utilization"] = utilization(r, i);
  ordered_json buffer;
  buffer["packets"] = cfg.buffer.packets ? ordered_json(*cfg.buffer.packets) : ordered_json();
  // The byte limit enforced; for buffer_time, resolved at the final rate (rate_bps).
  const auto byte_limit = net::buffer_byte_limit(cfg);
  buffer["bytes"] = byte_limit ? ordered_json(*byte_limit) : ordered_json();
  if (cfg.buffer.time) {
    // Only with buffer_time, so that summaries of other runs keep their keys.
    buffer["time_ns"] = core::to_ns(*cfg.buffer.time);
    buffer["bytes_definition"] =
        "buffer_time as bytes at the port's final rate: ceil(rate_bps * time / 8)";
  }
  buffer["count_in_service"] = cfg.buffer.count_in_service;
  buffer["byte_occupancy"] =
      cfg.buffer.byte_occupancy == net::ByteOccupancy::kInSystem ? "in_system" : "unfinished_work";
  j["buffer"] = buffer;
  j["propagation_ns"] = core::to_ns(cfg.propagation);
  ordered_json k;
  k["offered_packets"] = c.offered_packets;
  k["offered_bytes"] = c.offered_bytes;
  k["accepted_packets"] = c.accepted_packets;
  k["accepted_bytes"] = c.accepted_bytes;
  k["dropped_packets"] = c.dropped_packets;
  k["dropped_bytes"] = c.dropped_bytes;
  k["drops_buffer_packets"] = c.drops_buffer_packets;
  k["drops_buffer_bytes"] = c.drops_buffer_bytes;
  k["busy_time_s"] = core::to_seconds(c.busy_time);
  k["max_occupancy_packets"] = c.max_occupancy_packets;
  k["max_occupancy_bytes"] = c.max_occupancy_bytes;
  k["last_departure_s"] = core::to_seconds(c.last_departure);
  j["counters"] = k;
  if (r.diagnostics && i < r.diagnostics->ports())
    j["diagnostics"] = diagnostics_json(r, i);
  return j;
}

ordered_json topology_json(const topology::TopologyTap& tap);  // [topology], below

ordered_json budget_json(const BudgetPlan& plan) {
  ordered_json j;
  j["budget"] = plan.budget;
  j["definition"] =
      "target exact per-packet delay samples per regular packet: RLI static n = round(1 / "
      "budget); trajectory probability = budget; NetFlow and Multiflow flow_sampling = budget * "
      "packets / first_last_samples (two samples per flow, one for a one-packet flow, counted "
      "by a pre-pass over the sources), capped at 1; what each spent is "
      "comparison.estimators[].budget.samples_per_packet";
  ordered_json census;
  census["packets"] = plan.census.packets;
  census["flows"] = plan.census.flows;
  census["single_packet_flows"] = plan.census.single_packet_flows;
  census["first_last_samples"] = plan.census.first_last_samples();
  j["census"] = census;
  ordered_json settings = ordered_json::object();
  for (const auto& b : plan.settings)
    settings[b.key] = b.value;
  j["settings"] = settings;
  j["not_matched"] = plan.not_matched;
  return j;
}

std::string summary_text(const RunResult& r) {
  ordered_json j;
  j["rlisim_version"] = version();
  j["complete"] = !r.error.has_value();
  j["error"] = r.error ? ordered_json(*r.error) : ordered_json();
  j["seed"] = r.config.seed;
  j["config"] = ordered_json::parse(r.config.resolved_json);
  j["delay_definition"] = kDelayDefinition;
  ordered_json sources = ordered_json::array();
  for (std::size_t i = 0; i < r.source_descriptions.size(); ++i) {
    ordered_json src;
    src["id"] = i;
    src["description"] = r.source_descriptions[i];
    ordered_json counters = ordered_json::object();
    if (i < r.source_counters.size()) {
      for (const auto& [name, value] : r.source_counters[i])
        counters[name] = value;
    }
    src["counters"] = counters;
    sources.push_back(src);
  }
  j["sources"] = sources;
  ordered_json input;
  input["packets"] = r.packets;
  input["first_arrival_s"] = core::to_seconds(r.first_arrival);
  input["last_arrival_s"] = core::to_seconds(r.last_arrival);
  input["window_s"] = window_seconds(r);
  input["window_definition"] =
      "arrival span extended by one mean gap, span * n / (n - 1); offered load and utilization "
      "use it";
  j["input"] = input;
  j["processing_delay_ns"] = core::to_ns(r.router.processing_delay);
  ordered_json ports = ordered_json::array();
  for (std::size_t i = 0; i < r.ports.size(); ++i)
    ports.push_back(port_json(r, i));
  j["ports"] = ports;
  ordered_json truth;
  truth["all"] = summary_json(r.truth_all);
  truth["regular"] = summary_json(r.truth_regular);
  truth["cross"] = summary_json(r.truth_cross);
  ordered_json quantiles;
  quantiles["enabled"] = r.config.truth.quantiles;
  quantiles["exact_packets"] = r.config.truth.exact_packets;
  quantiles["relative_accuracy"] = r.config.truth.relative_accuracy;
  quantiles["definition"] =
      "p50/p99 interpolate linearly between order statistics (numpy.quantile's default: "
      "h = q (n - 1), x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])); per flow they "
      "are exact for flows with at most exact_packets delivered packets, then within "
      "relative_accuracy of that value (DDSketch), as are the totals' p50/p99 over more than "
      "exact_packets packets; mean, std, min and max are always exact";
  truth["quantiles"] = quantiles;
  truth["flow_timeout_s"] = core::to_seconds(r.flow_timeout);
  truth["flow_definition"] =
      "a flow is a 5-tuple and a span of its packets with no gap longer than flow_timeout_s "
      "(0: no gap ends a flow; so with [topology], whatever the configuration, since its "
      "columns find flows by 5-tuple after the run)";
  j["truth"] = truth;
  ordered_json estimators = ordered_json::object();
  if (r.comparison) {
    // Scores are parallel to the estimators; of two with the same name the first is shown.
    for (std::size_t i = 0; i < r.estimators.size(); ++i) {
      const auto& score = r.comparison->scores[i];
      if (!estimators.contains(score.name))
        r.estimators[i]->summary_entry(score, estimators[score.name]);
    }
  }
  j["estimators"] = estimators;
  if (r.comparison)
    j["comparison"] = comparison_json(*r.comparison);
  if (r.budget)
    j["compare"] = budget_json(*r.budget);
  if (r.topology)
    j["topology"] = topology_json(*r.topology);
  return core::json_text(j) + "\n";
}

// [topology] columns of one flow: its containers, end-to-end delay and the shares of it.
void append_topology_fields(std::string& out, const topology::TopologyTap& tap,
                            const core::FlowKey& key) {
  auto it = std::back_inserter(out);
  const auto* f = tap.find(key);
  if (f == nullptr) {
    out += ",,,,,,,,";
    return;
  }
  const auto [src, dst] = tap.endpoints(f->route);
  const auto share = [&](double part) {
    const double x = f->share(part);
    return std::isfinite(x) ? fmt::format("{:.6f}", x) : std::string();
  };
  fmt::format_to(it, ",{},{},{},{},{},{},{},{}", src, dst, ns_field(f->mean_ps()),
                 ns_field(f->delivered ? f->e2e.quantile(0.99) : NAN), share(f->stack_ps),
                 share(f->measured_router_ps + f->other_routers_ps), share(f->links_ps),
                 share(f->measured_router_ps));
}

ordered_json topology_json(const topology::TopologyTap& tap) {
  const auto& s = tap.summary();
  const auto share = [&](double part) {
    return s.e2e_ps > 0 ? ordered_json(part / s.e2e_ps) : ordered_json();
  };
  ordered_json j;
  j["file"] = tap.spec().file;
  j["router"] = tap.spec().router;
  j["flows"] = s.flows;
  j["delivered_packets"] = s.delivered;
  j["e2e_mean_ns"] = s.delivered
                         ? ordered_json(ps_to_ns(s.e2e_ps / static_cast<double>(s.delivered)))
                         : ordered_json();
  j["e2e_p99_ns"] = s.delivered ? ordered_json(ps_to_ns(s.e2e.quantile(0.99))) : ordered_json();
  j["stack_share"] = share(s.stack_ps);
  j["router_share"] = share(s.measured_router_ps + s.other_routers_ps);
  j["propagation_share"] = share(s.links_ps);
  j["rli_visible_share"] = share(s.measured_router_ps);
  j["median_flow_rli_visible_share"] = std::isfinite(s.median_flow_rli_visible_share)
                                           ? ordered_json(s.median_flow_rli_visible_share)
                                           : ordered_json();
  j["max_in_flight_packets"] = tap.max_in_flight();
  j["definition"] =
      "shares of the summed end-to-end delay of delivered packets: container stacks (source "
      "egress + destination ingress), routers (the simulated one + other routers' processing), "
      "propagation (links: propagation, jitter, serialisation); rli_visible_share is the "
      "simulated router's segment, the part RLI at that router measures; e2e_p99_ns and "
      "median_flow_rli_visible_share interpolate linearly between order statistics (numpy's "
      "default), e2e_p99_ns within the truth's relative_accuracy beyond exact_packets";
  return j;
}

// flows.csv, one row per flow in first-seen order, streamed into `file` as it is built.
void write_flows_csv(const RunResult& r, core::OutputFile& file) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  std::string out;
  out.reserve(kChunk + 4096);
  out +=
      "flow,kind,src,dst,src_port,dst_port,protocol,port,packets,bytes,drops,delivered,"
      "delay_mean_ns,delay_std_ns,delay_min_ns,delay_max_ns,delay_p50_ns,delay_p99_ns";
  for (const auto& e : r.estimators)
    e->append_flow_columns(out);
  if (r.topology) {
    out +=
        ",src_container,dst_container,e2e_mean_ns,e2e_p99_ns,stack_share,router_share,"
        "propagation_share,rli_visible_share";
  }
  out += '\n';
  RLISIM_CHECK(r.ledger->estimators().size() == r.estimators.size());
  r.ledger->for_each(
      [&](const models::FlowRow& flow) {
        const auto* key = &flow.key;
        const auto* rec = &flow.truth;
        const auto& d = rec->delay;
        const bool any = d.count() > 0;
        fmt::format_to(std::back_inserter(out), FMT_COMPILE("{},{},{},{},{},{},{},{}"),
                       rec->first_seen, kind_name(rec->kind), key->src_string(), key->dst_string(),
                       key->src_port, key->dst_port, key->protocol, rec->port);
        append_count_field(out, rec->offered_packets);
        append_count_field(out, rec->offered_bytes);
        append_count_field(out, rec->dropped_packets);
        append_count_field(out, d.count());
        append_ns_field(out, d.mean_ps());
        append_ns_field(out, d.stddev_ps());
        append_ns_field(out, any ? static_cast<double>(d.min().count()) : NAN);
        append_ns_field(out, any ? static_cast<double>(d.max().count()) : NAN);
        append_ns_field(out, rec->p50_ps);
        append_ns_field(out, rec->p99_ps);
        for (std::size_t i = 0; i < r.estimators.size(); ++i)
          r.estimators[i]->append_flow_fields(out, flow, flow.estimates[i]);
        if (r.topology)
          append_topology_fields(out, *r.topology, *key);
        out += '\n';
        if (out.size() >= kChunk) {
          file.write(out);
          out.clear();
        }
      },
      /*quantiles=*/true);
  file.write(out);
}

// The estimators side by side: coverage, median and p90 error of the mean (all flows and
// flows of >= 100 packets), median error of the std, and the budget each spent.
std::string comparison_table(const models::Comparison& c) {
  std::string s;
  auto it = std::back_inserter(s);
  const auto pct = [](double x) {
    return std::isfinite(x) ? fmt::format("{:.2f}%", 100 * x) : std::string("-");
  };
  const auto of_class = [](const models::ErrorSummary& e, std::uint64_t min_packets) {
    for (const auto& k : e.classes) {
      if (k.min_packets == min_packets)
        return &k;
    }
    return static_cast<const models::ErrorClassSummary*>(nullptr);
  };
  const auto per_packet = [](double x) {
    return std::isfinite(x) ? fmt::format("{:.4f}", x) : std::string("-");
  };
  const auto amount = [](double x) {
    return std::isfinite(x) ? fmt::format("{:.0f}", x) : std::string("-");
  };
  std::size_t width = 9;
  for (const auto& e : c.scores)
    width = std::max(width, e.name.size());
  fmt::format_to(it,
                 "per-flow relative error of the mean delay, by estimator, with the budget each "
                 "spent\n(samples/pkt: exact delay samples per regular packet; injected/pkt: "
                 "packets added per regular packet):\n");
  fmt::format_to(it, "  {:<{}} {:>9} {:>9} {:>9} {:>9} {:>10} {:>11} {:>12} {:>12} {:>12}\n",
                 "estimator", width, "coverage", "median", "p90", "med>=100", "std median",
                 "samples/pkt", "injected/pkt", "state B/flow", "export B/s");
  for (const auto& e : c.scores) {
    const auto* all = of_class(e.mean_error, 1);
    const auto* big = of_class(e.mean_error, 100);
    const auto* sd = e.std_error ? of_class(*e.std_error, 1) : nullptr;
    const double coverage = e.flows_measured ? static_cast<double>(e.flows_estimated) /
                                                   static_cast<double>(e.flows_measured)
                                             : NAN;
    const auto& b = e.budget;
    fmt::format_to(it, "  {:<{}} {:>9} {:>9} {:>9} {:>9} {:>10} {:>11} {:>12} {:>12} {:>12}\n",
                   e.name, width, pct(coverage), pct(all ? all->median : NAN),
                   pct(all ? all->p90 : NAN), pct(big ? big->median : NAN),
                   pct(sd ? sd->median : NAN), per_packet(b.samples_per_packet),
                   per_packet(b.injected_packets_per_packet), amount(b.state_bytes_per_flow),
                   amount(b.export_bytes_per_second));
  }
  return s;
}

std::string budget_text(const BudgetPlan& plan) {
  std::string s;
  auto it = std::back_inserter(s);
  std::vector<std::string> settings;
  for (const auto& b : plan.settings)
    settings.push_back(fmt::format("{} = {}", b.key, b.value));
  fmt::format_to(it, "equal budget: {} exact delay samples per regular packet ({})\n", plan.budget,
                 settings.empty() ? std::string("nothing to set")
                                  : fmt::format("{}", fmt::join(settings, ", ")));
  for (const auto& n : plan.not_matched)
    fmt::format_to(it, "  not matched: {}\n", n);
  return s;
}

// The `top_flows` largest flows by packets, with their true delay.
void append_largest_flows(std::string& s, const models::FlowLedger& ledger, std::size_t top_flows) {
  auto it = std::back_inserter(s);
  struct Listed {
    core::FlowKey key;
    models::FlowTruth truth;
  };
  // Largest first; ties keep first-seen order so the listing is deterministic.
  const auto larger = [](const Listed& a, const Listed& b) {
    return a.truth.offered_packets != b.truth.offered_packets
               ? a.truth.offered_packets > b.truth.offered_packets
               : a.truth.first_seen < b.truth.first_seen;
  };
  // A heap of the largest so far, the smallest of them on top.
  std::vector<Listed> top;
  std::uint64_t total_flows = 0;
  std::uint64_t listed_flows = 0;
  // Whether a flow would enter the listing: only those need their quantiles.
  const auto would_enter = [&](const models::FlowTruth& t) {
    if (t.kind == core::PacketKind::kReference || top_flows == 0)
      return false;
    return top.size() < top_flows || larger(Listed{core::FlowKey{}, t}, top.front());
  };
  ledger.for_each(
      [&](const models::FlowRow& flow) {
        ++total_flows;
        // References are the measurement's own packets, not traffic a user asks about.
        if (flow.truth.kind == core::PacketKind::kReference)
          return;
        ++listed_flows;
        if (!would_enter(flow.truth))
          return;
        if (top.size() == top_flows) {
          std::pop_heap(top.begin(), top.end(), larger);
          top.pop_back();
        }
        top.push_back(Listed{flow.key, flow.truth});
        std::push_heap(top.begin(), top.end(), larger);
      },
      would_enter, models::FlowLedger::kNoEstimates);
  std::sort_heap(top.begin(), top.end(), larger);
  fmt::format_to(it, "flows: {}; the {} largest by packets{}:\n", total_flows, top.size(),
                 listed_flows < total_flows ? " (reference packets not listed)" : "");
  fmt::format_to(it, "  {:<50} {:>9} {:>6} {:>11} {:>11} {:>11}\n", "flow", "packets", "drops",
                 "mean", "p50", "p99");
  for (const Listed& f : top) {
    const auto& rec = f.truth;
    fmt::format_to(it, "  {:<50} {:>9} {:>6} {:>11} {:>11} {:>11}\n", f.key.to_string(),
                   rec.offered_packets, rec.dropped_packets, format_ps(rec.delay.mean_ps()),
                   format_ps(rec.p50_ps), format_ps(rec.p99_ps));
  }
}

}  // namespace

std::string_view version() {
  return RLISIM_VERSION;
}

void write_results(const RunResult& result, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw core::OutputError(
        fmt::format("{}: cannot create the output directory: {}", dir, ec.message()));
  }
  const std::filesystem::path d(dir);
  const auto write = [&d](const char* name, std::string_view text) {
    core::write_output_file((d / name).string(), name, text);
  };
  write("config.toml", result.config.resolved_toml);
  {
    core::OutputFile flows((d / "flows.csv").string(), "flows.csv");
    write_flows_csv(result, flows);
    flows.close();
  }
  write("summary.json", summary_text(result));
  ordered_json timing;
  timing["wall_seconds"] = result.wall_seconds;
  timing["threads"] = result.threads;
  timing["packets_per_second"] =
      result.wall_seconds > 0 ? static_cast<double>(result.packets) / result.wall_seconds : 0.0;
  write("timing.json", core::json_text(timing) + "\n");
}

std::string format_text_summary(const RunResult& r, std::size_t top_flows) {
  std::string s;
  auto it = std::back_inserter(s);
  fmt::format_to(it, "rlisim {}: seed {}, {} packets over {:.6f} s from {}\n", version(),
                 r.config.seed, r.packets, window_seconds(r),
                 fmt::join(r.source_descriptions, ", "));
  for (std::size_t i = 0; i < r.ports.size(); ++i) {
    const auto& c = r.ports[i];
    const double drop_pct = c.offered_packets ? 100.0 * static_cast<double>(c.dropped_packets) /
                                                    static_cast<double>(c.offered_packets)
                                              : 0.0;
    fmt::format_to(it,
                   "port {} ({}): {}, offered load {:.3f}, utilization {:.3f}, {} packets, "
                   "{} dropped ({:.3f} %), max queue {} packets\n",
                   i, r.router.egress[i].name,
                   core::format_rate(static_cast<double>(r.router.egress[i].rate.value)),
                   offered_load(r, i), utilization(r, i), c.offered_packets, c.dropped_packets,
                   drop_pct, c.max_occupancy_packets);
    if (r.diagnostics && i < r.diagnostics->ports()) {
      const PortView port{
          .port = i,
          .autocorrelation = r.diagnostics->autocorrelation(static_cast<models::PortId>(i)),
          .window_seconds = window_seconds(r)};
      for (const auto& e : r.estimators)
        e->append_port_text(port, s);
    }
  }
  const auto& all = r.truth_all;
  fmt::format_to(
      it, "true delay, all {} delivered packets: mean {}, std {}, p50 {}, p99 {}, max {}\n",
      all.delivered_packets(), format_ps(all.delay.mean_ps()), format_ps(all.delay.stddev_ps()),
      format_ps(all.p50_ps()), format_ps(all.p99_ps()),
      all.delivered_packets() ? format_ps(static_cast<double>(all.delay.max().count())) : "-");
  for (const auto& e : r.estimators)
    e->append_text_summary(s);
  if (r.budget)
    s += budget_text(*r.budget);
  if (r.comparison && r.comparison->scores.size() > 1)
    s += comparison_table(*r.comparison);
  if (r.topology) {
    const auto& t = r.topology->summary();
    const auto pct = [&](double part) { return t.e2e_ps > 0 ? 100 * part / t.e2e_ps : NAN; };
    fmt::format_to(it,
                   "end to end ({} flows between containers, router '{}'): mean {}, p99 {}; "
                   "container stacks {:.1f} %, routers {:.1f} %, propagation {:.1f} %; RLI at "
                   "the router sees {:.1f} % (median flow {:.1f} %)\n",
                   t.flows, r.topology->spec().router,
                   format_ps(t.delivered ? t.e2e_ps / static_cast<double>(t.delivered) : NAN),
                   format_ps(t.delivered ? t.e2e.quantile(0.99) : NAN), pct(t.stack_ps),
                   pct(t.measured_router_ps + t.other_routers_ps), pct(t.links_ps),
                   pct(t.measured_router_ps), 100 * t.median_flow_rli_visible_share);
  }
  append_largest_flows(s, *r.ledger, top_flows);
  return s;
}

}  // namespace rlisim::run
