#include "sim/app/trace_commands.hpp"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/config/traffic_config.hpp"
#include "sim/core/error.hpp"
#include "sim/core/json_text.hpp"
#include "sim/core/output_file.hpp"
#include "sim/run/source_factory.hpp"
#include "traces/analysis/profile_fit.hpp"
#include "traces/analysis/size_mix_spec.hpp"
#include "traces/analysis/traffic_statistics.hpp"
#include "traces/pcap/pcap_reader.hpp"
#include "traces/pcap/trace_stats.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/writer/write_synthetic_trace.hpp"

namespace rlisim::app {

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
    out << core::json_text(traces::trace_stats_json(stats)) << "\n";
  } else {
    out << traces::format_trace_stats_text(stats);
  }
  return 0;
}

namespace {

std::optional<traces::ProfileFit> fit_like(const TraceGenArgs& args) {
  if (!args.like) {
    if (args.profile_out || args.max_gap)
      throw core::ConfigError("--profile-out and --max-gap apply only with --like CAPTURE");
    return std::nullopt;
  }
  if (args.profile_file) {
    throw core::ConfigError(
        "--like and --profile-file both give the base profile; use one (to edit a fitted "
        "profile, save it with --like CAPTURE --profile-out FILE, edit FILE, then use "
        "--profile-file FILE)");
  }
  std::optional<core::TraceTime> max_gap;
  if (args.max_gap) {
    const auto gap = core::try_parse_duration(*args.max_gap);
    if (!gap || gap->count() < 1000) {
      throw core::ConfigError(fmt::format(
          "--max-gap: expected a duration of at least 1ns like \"1s\", got \"{}\"", *args.max_gap));
    }
    max_gap = core::TraceTime{gap->count() / 1000};
  }
  return traces::fit_capture(*args.like, max_gap);
}

// Statistics of a written trace, read back as any capture is.
traces::TrafficStatisticsReport statistics_of(const std::string& path) {
  traces::PcapReader reader(path);
  traces::TrafficStatistics statistics;
  core::Packet packet;
  core::TraceTime ts{};
  while (reader.next_timestamped(packet, ts))
    statistics.add(packet, ts);
  return statistics.report();
}
// The command line's overrides of the base profile (seed, flow model, rate, duration, sizes).
void apply_options(const TraceGenArgs& args, traces::SyntheticTrafficConfig& config) {
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
    config.size_mix = traces::size_mix_from_spec(*args.size_mix);
  if (args.pareto_alpha)
    config.flow_size.alpha = *args.pareto_alpha;
  if (args.max_flow_packets) {
    config.flow_size.max_packets = static_cast<double>(*args.max_flow_packets);
  }
}

// The fitted profile as TOML, with how it was fitted, to --profile-out or else to `out`.
void write_fitted_profile(const TraceGenArgs& args, const traces::ProfileFit& fit,
                          const traces::SyntheticTrafficConfig& config, std::ostream& out) {
  std::string comment = fit.comment(*args.like);
  if (args.rate || args.duration || args.size_mix || args.pareto_alpha || args.max_flow_packets ||
      args.flow_model) {
    comment += fmt::format(
        "Command-line options override the fit above; the capture itself ran at {} for {}.\n",
        core::format_rate(static_cast<double>(fit.config.rate.value)),
        core::format_duration(fit.config.duration));
  }
  comment += "Edit and reuse: rlisim trace gen --profile-file THIS_FILE -o OUT.pcap";
  const std::string text = config::traffic_toml(config, comment);
  if (args.profile_out) {
    core::write_output_file(*args.profile_out, "fitted profile (--profile-out)", text);
  } else if (args.out == "-") {
    throw core::ConfigError(
        "--like with --out -: the trace goes to stdout, so give --profile-out FILE for the "
        "fitted profile");
  } else {
    out << text << "\n";
  }
}

}  // namespace

int trace_gen_command(const TraceGenArgs& args, std::ostream& out) {
  const auto fit = fit_like(args);
  auto config = fit                 ? fit->config
                : args.profile_file ? config::read_traffic_file(*args.profile_file)
                                    : traces::profile(args.profile);
  apply_options(args, config);
  traces::validate(config);
  if (fit) {
    write_fitted_profile(args, *fit, config, out);
    if (args.out.empty())
      return 0;
  } else if (args.print_profile) {
    out << config::traffic_toml(
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
  if (fit) {
    out << fmt::format("\nStatistics of the capture ({}) and of the generated trace ({}):\n",
                       *args.like, args.out)
        << traces::format_traffic_statistics_comparison(fit->statistics, statistics_of(args.out),
                                                        "capture", "generated");
  }
  return 0;
}

}  // namespace rlisim::app
