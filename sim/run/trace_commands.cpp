#include "sim/run/trace_commands.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/error.hpp"
#include "sim/run/source_factory.hpp"
#include "sim/run/traffic_config.hpp"
#include "traces/pcap/pcap_reader.hpp"
#include "traces/pcap/trace_stats.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/writer/write_synthetic_trace.hpp"

namespace rlisim::run {

int trace_stats_command(const TraceStatsArgs& args, std::ostream& out) {
  traces::PcapReaderOptions options;
  if (args.reorder == "sort") {
    options.reorder = traces::Reorder::kSort;
  } else if (args.reorder == "clamp") {
    options.reorder = traces::Reorder::kClamp;
  }
  const auto window = core::try_parse_duration(args.reorder_window);
  if (!window) {
    throw core::ConfigError(fmt::format(
        "--reorder-window: expected a duration like \"1ms\", got \"{}\"", args.reorder_window));
  }
  options.sort_window = core::TraceTime{window->count() / 1000};
  traces::PcapReader reader(args.path, options);
  const auto stats = traces::compute_trace_stats(reader);
  if (args.json) {
    out << traces::trace_stats_json(stats).dump(2) << "\n";
  } else {
    out << traces::format_trace_stats_text(stats);
  }
  return 0;
}

int trace_gen_command(const TraceGenArgs& args, std::ostream& out) {
  auto config =
      args.profile_file ? read_traffic_file(*args.profile_file) : traces::profile(args.profile);
  config.seed = args.seed;
  if (args.flow_model) {
    if (*args.flow_model != "tcp" && *args.flow_model != "paced") {
      throw core::ConfigError(
          fmt::format("--flow-model: expected \"tcp\" or \"paced\", got \"{}\"", *args.flow_model));
    }
    config.flow_model =
        *args.flow_model == "tcp" ? traces::FlowModel::kTcp : traces::FlowModel::kPaced;
  }
  if (args.rate) {
    const auto rate = core::try_parse_rate(*args.rate);
    if (!rate || rate->value == 0) {
      throw core::ConfigError(
          fmt::format("--rate: expected a rate like \"2Gbps\", got \"{}\"", *args.rate));
    }
    config.rate = *rate;
  }
  if (args.duration) {
    const auto duration = core::try_parse_duration(*args.duration);
    if (!duration || duration->count() == 0) {
      throw core::ConfigError(
          fmt::format("--duration: expected a duration like \"5s\", got \"{}\"", *args.duration));
    }
    config.duration = *duration;
  }
  if (args.size_mix)
    config.size_mix = size_mix_from_spec(*args.size_mix);
  if (args.pareto_alpha)
    config.flow_size.alpha = *args.pareto_alpha;
  if (args.max_flow_packets) {
    config.flow_size.max_packets = static_cast<double>(*args.max_flow_packets);
  }
  traces::validate(config);
  if (args.print_profile) {
    out << traffic_toml(
        config,
        fmt::format("rlisim traffic profile '{}' (trace gen --print-profile)", config.name));
    if (args.out.empty())
      return 0;
  }
  traces::WriterOptions options;
  options.snaplen = args.snaplen;
  const auto summary = traces::write_synthetic_trace(config, args.out, options);
  // With "-" the trace itself goes to stdout; the report must not corrupt it.
  if (args.out == "-")
    return 0;
  const double requested = static_cast<double>(config.rate.value);
  out << fmt::format(
      "wrote {}: {} packets, {} bytes, {} flows over {} (profile {}, seed {})\n"
      "rate {} (requested {}, {:+.2f} %), mean packet {:.1f} B, at most {} flows active\n",
      args.out, summary.packets, summary.wire_bytes, summary.flows,
      core::format_duration(summary.duration), config.name, config.seed,
      core::format_rate(summary.bits_per_second), core::format_rate(requested),
      (summary.bits_per_second / requested - 1.0) * 100.0, summary.mean_packet_bytes,
      summary.max_active_flows);
  return 0;
}

}  // namespace rlisim::run
