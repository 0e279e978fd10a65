// `rlisim container measure`: options -> event path -> measurement -> text or JSON summary.

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "sim/config/toml_section.hpp"
#include "sim/container/commands.hpp"
#include "sim/container/measure.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/core/json_text.hpp"
#include "sim/core/output_file.hpp"

namespace rlisim::container {
namespace mc = models::container;
namespace {

std::vector<std::string_view> names_of_events() {
  return {"net_dev_queue",     "net_dev_xmit",         "net_dev_start_xmit",
          "netif_receive_skb", "napi_gro_frags_entry", "napi_gro_receive_entry",
          "sys_enter_sendto",  "sys_exit_recvmsg",     "sys_exit_recvmmsg"};
}

mc::PathPoint read_point(config::TomlSection& dir, std::string_view key) {
  auto t = dir.table(key);
  if (!t)
    dir.fail(key, "expected a table { device = \"container|outer|none\", event = \"...\" }");
  mc::PathPoint p;
  const auto device =
      t->choice("device", {"container", "veth", "inner", "outer", "physical", "none"});
  const auto event = t->choice("event", names_of_events());
  if (!device || !event)
    t->fail(device ? "event" : "device", "is required");
  p.role = *mc::parse_device_role(*device);
  p.event = *mc::parse_path_event(*event);
  t->finish();
  return p;
}

/// Reads a TOML event-path file (format in docs of --path-file: name, container_device,
/// outer_device, [egress]/[ingress] with start/end = { device, event }).
mc::EventPath read_path_file(const std::string& file) {
  const toml::table root = config::parse_toml(core::read_text_file(file, "event-path file"), file);
  config::TomlSection top(root, "", file);
  mc::EventPath p;
  p.name = top.string("name").value_or(file);
  p.container_device = top.string("container_device").value_or("");
  p.outer_device = top.string("outer_device").value_or("");
  p.encapsulation_bytes =
      top.integer("encapsulation_bytes", 0, mc::EventPath::kMaxEncapsulationBytes).value_or(0);
  for (const auto* key : {"egress", "ingress"}) {
    auto dir = top.table(key);
    if (!dir)
      top.fail(key, "expected a table with start and end points");
    mc::DirectionPath& dp = std::string_view(key) == "egress" ? p.egress : p.ingress;
    dp.start = read_point(*dir, "start");
    dp.end = read_point(*dir, "end");
    dir->finish();
  }
  top.finish();
  return p;
}

std::string us(double ns) {
  return fmt::format("{:.3f}", ns / 1000.0);
}

void print_stats_row(std::ostream& out, std::string_view name, const LatencyStats& s) {
  out << fmt::format("  {:<9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", name, s.count,
                     us(s.mean), us(s.sd), us(s.min), us(s.p50), us(s.p90), us(s.p99), us(s.max));
}

nlohmann::json stats_json(const LatencyStats& s) {
  return {{"count", s.count},       {"mean_us", s.mean / 1000}, {"sd_us", s.sd / 1000},
          {"min_us", s.min / 1000}, {"p50_us", s.p50 / 1000},   {"p90_us", s.p90 / 1000},
          {"p99_us", s.p99 / 1000}, {"max_us", s.max / 1000}};
}

std::string point_text(const mc::EventPath& p, const mc::PathPoint& pt) {
  const std::string dev = pt.role == mc::DeviceRole::kContainer ? p.container_device
                          : pt.role == mc::DeviceRole::kOuter   ? p.outer_device
                                                                : "-";
  return fmt::format("{} {} ({})", mc::to_string(pt.role), mc::to_string(pt.event), dev);
}

}  // namespace

void print_measure_text(const MeasureReport& r, std::ostream& out) {
  out << fmt::format("event path {}: container device '{}', outer device '{}'", r.path.name,
                     r.path.container_device, r.path.outer_device);
  if (r.path.encapsulation_bytes)
    out << fmt::format(", {} encapsulation bytes on the outer device", r.path.encapsulation_bytes);
  out << "\n";
  for (const auto d : {mc::Direction::kEgress, mc::Direction::kIngress})
    out << fmt::format("  {:<8} {} -> {}\n", mc::to_string(d),
                       point_text(r.path, r.path.direction(d).start),
                       point_text(r.path, r.path.direction(d).end));
  for (const auto& f : r.files) {
    out << fmt::format("trace {}: {} lines, {} events, {} header, {} malformed, {} lost events",
                       f.path, f.parse.lines, f.parse.events, f.parse.header_lines,
                       f.parse.malformed_total(), f.parse.lost_events);
    if (f.parse.out_of_order)
      out << fmt::format(", {} out of time order", f.parse.out_of_order);
    out << "\n  events:";
    for (std::size_t k = 0; k < traces::kKernelEventKindCount; ++k)
      if (f.parse.by_kind[k])
        out << fmt::format(" {} {}", traces::to_string(static_cast<traces::KernelEventKind>(k)),
                           f.parse.by_kind[k]);
    out << "\n";
    for (std::size_t m = 1; m < traces::kMalformedReasonCount; ++m)
      if (f.parse.malformed[m])
        out << fmt::format("  malformed ({}): {} lines, first at line {}\n",
                           traces::to_string(static_cast<traces::MalformedReason>(m)),
                           f.parse.malformed[m], fmt::join(f.parse.malformed_lines[m], ", "));
    if (f.parse.lost_events)
      out << "  warning: the trace ring buffer overflowed; some chains are incomplete\n";
  }
  out << "per-packet latency (µs):\n";
  out << fmt::format("  {:<9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "direction",
                     "count", "mean", "sd", "min", "p50", "p90", "p99", "max");
  print_stats_row(out, "egress", r.egress);
  print_stats_row(out, "ingress", r.ingress);
  for (const auto d : {mc::Direction::kEgress, mc::Direction::kIngress}) {
    const auto& c = r.matching[d];
    out << fmt::format(
        "  {} matching: {} starts, {} matched, {} unmatched starts, {} unmatched ends, "
        "{} expired, {} reused, {} outliers, {} negative\n",
        mc::to_string(d), c.starts, c.matched, c.unmatched_starts, c.unmatched_ends, c.expired,
        c.reused, c.outliers, c.negative);
  }
  if (r.matching.syscall_errors)
    out << fmt::format("  {} receive syscalls returned an error (ignored)\n",
                       r.matching.syscall_errors);
  const auto& ingress = r.matching[mc::Direction::kIngress];
  if (r.path.ingress_by_length() && ingress.matched == 0 && ingress.unmatched_ends > 0)
    out << fmt::format(
        "  hint: no receive syscall returned the length of an outer receive; over an overlay the "
        "outer device sees larger packets: give --encap-bytes (VXLAN over IPv4: 50; now {})\n",
        r.path.encapsulation_bytes);
  out << fmt::format(
      "RTT adjustment (MACE: adjusted = raw - (egress + ingress)): matching {}, {} raw RTTs, "
      "{} probes in the trace ({}-byte IP), {} adjusted\n",
      to_string(r.rtt.matching), r.rtt.rtts, r.rtt.trace_probes, r.probe_ip_bytes, r.rtt.adjusted);
  if (r.rtt.adjusted) {
    out << fmt::format("  {:<9} {:>9} {:>9} {:>9}\n", "(µs)", "mean", "p50", "p99");
    for (const auto& [name, s] :
         {std::pair{"raw RTT", &r.rtt.raw}, std::pair{"overhead", &r.rtt.overhead},
          std::pair{"adjusted", &r.rtt.adjusted_rtt}})
      out << fmt::format("  {:<9} {:>9} {:>9} {:>9}\n", name, us(s->mean), us(s->p50), us(s->p99));
  }
}

void print_measure_json(const MeasureReport& r, std::ostream& out) {
  nlohmann::json j;
  j["path"] = {{"name", r.path.name},
               {"container_device", r.path.container_device},
               {"outer_device", r.path.outer_device},
               {"encapsulation_bytes", r.path.encapsulation_bytes}};
  for (const auto d : {mc::Direction::kEgress, mc::Direction::kIngress}) {
    const auto& dp = r.path.direction(d);
    j["path"][std::string(mc::to_string(d))] = {
        {"start",
         {{"device", mc::to_string(dp.start.role)}, {"event", mc::to_string(dp.start.event)}}},
        {"end", {{"device", mc::to_string(dp.end.role)}, {"event", mc::to_string(dp.end.event)}}}};
  }
  j["files"] = nlohmann::json::array();
  for (const auto& f : r.files) {
    nlohmann::json by_kind, malformed;
    for (std::size_t k = 0; k < traces::kKernelEventKindCount; ++k)
      by_kind[std::string(traces::to_string(static_cast<traces::KernelEventKind>(k)))] =
          f.parse.by_kind[k];
    for (std::size_t m = 1; m < traces::kMalformedReasonCount; ++m)
      malformed[std::string(traces::to_string(static_cast<traces::MalformedReason>(m)))] = {
          {"count", f.parse.malformed[m]}, {"first_lines", f.parse.malformed_lines[m]}};
    j["files"].push_back({{"path", f.path},
                          {"lines", f.parse.lines},
                          {"events", f.parse.events},
                          {"header_lines", f.parse.header_lines},
                          {"lost_events", f.parse.lost_events},
                          {"out_of_order", f.parse.out_of_order},
                          {"events_by_kind", by_kind},
                          {"malformed", malformed},
                          {"devices_seen", f.devices_seen},
                          {"path_events", f.path_events}});
  }
  for (const auto d : {mc::Direction::kEgress, mc::Direction::kIngress}) {
    const auto& c = r.matching[d];
    const std::string name(mc::to_string(d));
    j[name] = stats_json(d == mc::Direction::kEgress ? r.egress : r.ingress);
    j["matching"][name] = {{"starts", c.starts},
                           {"matched", c.matched},
                           {"unmatched_starts", c.unmatched_starts},
                           {"unmatched_ends", c.unmatched_ends},
                           {"expired", c.expired},
                           {"reused", c.reused},
                           {"outliers", c.outliers},
                           {"negative", c.negative}};
  }
  j["matching"]["syscall_errors"] = r.matching.syscall_errors;
  j["matching"]["out_of_order"] = r.matching.out_of_order;
  j["rtt"] = {
      {"matching", to_string(r.rtt.matching)},  {"raw_rtts", r.rtt.rtts},
      {"trace_probes", r.rtt.trace_probes},     {"probe_ip_bytes", r.probe_ip_bytes},
      {"adjusted_probes", r.rtt.adjusted},      {"raw", stats_json(r.rtt.raw)},
      {"overhead", stats_json(r.rtt.overhead)}, {"adjusted", stats_json(r.rtt.adjusted_rtt)}};
  out << core::json_text(j) << "\n";
}

int container_measure_command(const ContainerMeasureArgs& args, std::ostream& out) {
  check_kernel_trace_files(args.traces);
  MeasureOptions options;
  if (!args.path_file.empty()) {
    options.path = read_path_file(args.path_file);
    if (!args.inner_dev.empty())
      options.path.container_device = args.inner_dev;
    if (!args.outer_dev.empty())
      options.path.outer_device = args.outer_dev;
    if (args.encap_bytes >= 0)
      options.path.encapsulation_bytes = args.encap_bytes;
  } else {
    options.path = mc::builtin_event_path(args.path, args.inner_dev, args.outer_dev);
    options.path.encapsulation_bytes = std::max<std::int64_t>(args.encap_bytes, 0);
  }
  mc::validate_event_path(options.path);
  options.matcher.expiry_ns = static_cast<std::int64_t>(args.expiry_ms * 1e6);
  if (args.outlier_us > 0)
    options.matcher.outlier_threshold_ns = static_cast<std::int64_t>(args.outlier_us * 1e3);
  if (args.probe_bytes > 0)
    options.probe_ip_bytes = args.probe_bytes;
  if (!args.pings.empty() && args.pings.size() != args.traces.size())
    throw core::ConfigError(fmt::format("--ping: give one ping log per trace ({} traces, {} logs)",
                                        args.traces.size(), args.pings.size()));
  options.ping_logs = args.pings;
  options.packets_csv = args.packets_out;

  const MeasureReport report = measure_container_traces(args.traces, options);
  if (args.json)
    print_measure_json(report, out);
  else
    print_measure_text(report, out);
  if (report.packets_csv_error)
    throw core::OutputError(*report.packets_csv_error);
  if (report.egress.count + report.ingress.count == 0) {
    std::string seen;
    for (const auto& f : report.files)
      for (const auto& d : f.devices_seen)
        seen += (seen.empty() ? "" : ", ") + d;
    out << fmt::format(
        "no packet matched event path '{}' (container device '{}', outer device '{}'); devices "
        "in the trace: {}. Check --inner-dev/--outer-dev and that the trace holds the path's "
        "events.\n",
        report.path.name, report.path.container_device, report.path.outer_device,
        seen.empty() ? "none" : seen);
    return 1;
  }
  return 0;
}

}  // namespace rlisim::container
