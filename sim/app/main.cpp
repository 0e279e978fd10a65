// rlisim command line: parse, build, run, print. Exceptions become exit codes here only.

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/output_file.hpp"
#include "sim/run/config.hpp"
#include "sim/run/container_commands.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/result_writer.hpp"
#include "sim/run/scenario.hpp"
#include "sim/run/topology_commands.hpp"
#include "sim/run/trace_commands.hpp"
#include "sim/sweep/sqlite_db.hpp"
#include "sim/sweep/sweep_commands.hpp"

namespace {

// Exit codes: 0 success, 1 bad input (config, trace, I/O), 2 usage, 3 internal error.
constexpr int kExitInput = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

// Seeds are unsigned, and a text-to-unsigned conversion would turn "-1" into 2^64 - 1: the
// text itself is checked, against the range every seed key accepts (int64, as TOML).
const CLI::Validator kSeed(
    [](std::string& text) -> std::string {
      std::int64_t value = 0;
      const auto* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (ec != std::errc() || ptr != end || value < 0)
        return "expected an integer from 0 to 9223372036854775807, got " + text;
      return "";
    },
    "SEED");

struct RunArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::string packets_out;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
};

// Messages for stderr. A failure to write them is ignored: there is nowhere left to report it,
// and fmt::print would throw from inside the handlers that report every other error.
template <typename... T>
void print_error(fmt::format_string<T...> format, T&&... args) {
  std::fputs(fmt::format(format, std::forward<T>(args)...).c_str(), stderr);
}

int run_command(const RunArgs& args) {
  auto overrides = args.sets;
  if (args.seed)
    overrides.push_back(fmt::format("seed={}", *args.seed));
  const auto config = rlisim::run::load_config(args.config, overrides);
  rlisim::run::TerminalProgress progress(stderr);
  rlisim::run::RunOptions options;
  options.packets_out = args.packets_out;
  if (!args.quiet)
    options.progress = &progress;
  const auto result = rlisim::run::run_experiment(config, options);
  rlisim::run::write_results(result, args.out);
  fmt::print("{}", rlisim::run::format_text_summary(result));
  fmt::print("results: {}/summary.json, {}/flows.csv", args.out, args.out);
  if (!args.packets_out.empty())
    fmt::print(", {}", args.packets_out);
  fmt::print("\n");
  if (result.packet_log_error) {
    print_error("rlisim: output error: {}\n", *result.packet_log_error);
    return kExitInput;
  }
  if (!result.error && result.packets == 0) {
    print_error(
        "rlisim: error: the sources produced no packets; see sources[].counters "
        "in {}/summary.json (e.g. records skipped as non-IP)\n",
        args.out);
    return kExitInput;
  }
  if (result.error) {
    print_error(
        "rlisim: error: {}\nrlisim: the run stopped early; the results above cover "
        "the packets before the error and are marked incomplete\n",
        *result.error);
    return kExitInput;
  }
  return 0;
}

// Standard output is an output like any file: text that could not be written (a full disk)
// fails the command, even when the failure only shows at the final flush.
int finish_standard_output(int code) {
  std::cout.flush();
  const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  if (!failed)
    return code;
  print_error("rlisim: output error: standard output: {}\n", std::strerror(errno));
  return code == 0 ? kExitInput : code;
}

// This executable's path, for the processes a sweep starts (argv[0] may be relative to a
// folder the sweep no longer runs in, or found through PATH).
std::string self_path(const char* argv0) {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::absolute(argv0).string() : p.string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rlisim: how well can a router measure per-flow latency, and at what cost?"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(rlisim::run::version()));

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "Run one experiment from a TOML configuration");
  run->add_option("config", run_args.config, "Experiment configuration (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--set", run_args.sets, "Override a configuration key: key.path=value")
      ->type_name("KEY=VALUE");
  run->add_option("--out", run_args.out, "Output directory for summary.json and flows.csv")
      ->required();
  run->add_option("--packets-out", run_args.packets_out, "Write one CSV row per packet here");
  run->add_option("--seed", run_args.seed, "Experiment seed (same as --set seed=N)")->check(kSeed);
  run->add_flag("--quiet,-q", run_args.quiet, "No progress on stderr");

  auto* trace = app.add_subcommand("trace", "Inspect or generate packet traces");
  trace->require_subcommand(1);
  rlisim::run::TraceStatsArgs stats_args;
  auto* stats = trace->add_subcommand("stats", "Statistics of a capture (pcap, pcapng, .gz, -)");
  stats->add_option("file", stats_args.path, "Capture file, or - for standard input")->required();
  stats->add_flag("--json", stats_args.json, "Print JSON instead of text");
  stats
      ->add_option("--reorder", stats_args.reorder,
                   "Timestamps going backwards: error (default), sort, clamp")
      ->check(CLI::IsMember({"error", "sort", "clamp"}));
  stats->add_option("--reorder-window", stats_args.reorder_window,
                    "Window for --reorder sort, e.g. 1ms");

  rlisim::run::TraceGenArgs gen_args;
  auto* gen = trace->add_subcommand("gen", "Generate a synthetic CAIDA-like pcap (LINKTYPE_RAW)");
  gen->add_option("--out,-o", gen_args.out, "Output pcap (- for stdout, .gz to compress)");
  auto* gen_profile =
      gen->add_option("--profile", gen_args.profile, "Traffic profile: chic, sanj or default")
          ->capture_default_str();
  gen->add_option("--rate", gen_args.rate, "Target bit rate, e.g. 2Gbps");
  gen->add_option("--duration", gen_args.duration, "Trace duration, e.g. 1s");
  gen->add_option("--seed", gen_args.seed, "Random seed")->capture_default_str()->check(kSeed);
  gen->add_option("--size-mix", gen_args.size_mix,
                  "Packet sizes: caida2018, trimodal, imix, or trace:FILE (sizes of a capture)");
  gen->add_option("--pareto-alpha", gen_args.pareto_alpha, "Flow-size Pareto shape");
  gen->add_option("--max-flow-packets", gen_args.max_flow_packets, "Flow-size truncation");
  gen->add_option("--snaplen", gen_args.snaplen, "Bytes captured per packet (CAIDA: 48-96)")
      ->capture_default_str();
  auto* gen_profile_file =
      gen->add_option("--profile-file", gen_args.profile_file,
                      "Traffic profile file (TOML, as --print-profile writes); replaces --profile")
          ->check(CLI::ExistingFile);
  gen->add_option("--like", gen_args.like,
                  "Fit the profile to this capture, print it, generate, and compare the two "
                  "(excludes --profile and --profile-file)")
      ->check(CLI::ExistingFile)
      ->excludes(gen_profile)
      ->excludes(gen_profile_file);
  gen->add_option("--profile-out", gen_args.profile_out,
                  "With --like: write the fitted profile file here instead of stdout");
  gen->add_option("--max-gap", gen_args.max_gap,
                  "With --like: shorten gaps in the capture longer than this, e.g. 1s");
  gen->add_option("--flow-model", gen_args.flow_model,
                  "tcp (windows per round trip, ACK streams) or paced (evenly paced flows)")
      ->check(CLI::IsMember({"tcp", "paced"}));
  gen->add_flag("--print-profile", gen_args.print_profile,
                "Print the effective profile as an editable profile file");

  namespace sw = rlisim::sweep;
  const std::string self = self_path(argv[0]);
  sw::SweepRunArgs sweep_args;
  sweep_args.rlisim = self;
  auto* sweep = app.add_subcommand(
      "sweep", "Run a parameter sweep (SWEEP.toml) into a SQLite results database, or manage one");
  sweep->add_option("sweep", sweep_args.sweep_file, "Sweep file (TOML)")->check(CLI::ExistingFile);
  sweep->add_option("--db", sweep_args.database,
                    "Results database (default: the sweep's 'database', else SWEEP.sqlite)");
  sweep->add_option("--jobs,-j", sweep_args.jobs, "Points run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  sweep
      ->add_option("--shard", sweep_args.shard,
                   "Run only slice K of N (points with index % N == K)")
      ->type_name("K/N");
  sweep->add_flag("--quiet,-q", sweep_args.quiet, "No progress lines on stderr");
  sweep->add_flag("--wait", sweep_args.wait,
                  "If another sweep is running into the database, wait for it to finish instead "
                  "of refusing to start");

  std::string manifest_file;
  std::optional<std::string> manifest_shard;
  auto* manifest = sweep->add_subcommand("manifest", "Print the sweep's points, one per line");
  manifest->add_option("sweep", manifest_file, "Sweep file")->required()->check(CLI::ExistingFile);
  manifest->add_option("--shard", manifest_shard, "Only slice K of N")->type_name("K/N");

  sw::SweepSlurmArgs slurm_args;
  slurm_args.rlisim = self;
  auto* slurm = sweep->add_subcommand("slurm", "Write a Slurm job-array script running the shards");
  slurm->add_option("sweep", slurm_args.sweep_file, "Sweep file")
      ->required()
      ->check(CLI::ExistingFile);
  slurm->add_option("--tasks", slurm_args.tasks, "Array tasks (shards)")
      ->required()
      ->check(CLI::Range(1, 1000));
  slurm->add_option("--throttle", slurm_args.throttle, "Tasks running at once (0: no limit)");
  slurm
      ->add_option("--cpus-per-task", slurm_args.cpus_per_task,
                   "CPUs (and points at once) per task")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  slurm->add_option("--db", slurm_args.database, "Merged database (default as for sweep)");
  slurm->add_option("--db-dir", slurm_args.shard_dir, "Folder for shard databases and task logs");
  slurm->add_option("--time", slurm_args.time, "Time limit per task (HH:MM:SS)");
  slurm->add_option("--partition", slurm_args.partition, "Slurm partition");
  slurm->add_option("--account", slurm_args.account, "Slurm account");
  slurm->add_option("--rlisim", slurm_args.rlisim,
                    "rlisim binary the tasks run (default: this one)");
  slurm->add_option("--out,-o", slurm_args.out, "Write the script here (default: stdout)");

  std::string merge_into;
  std::vector<std::string> merge_from;
  auto* merge = sweep->add_subcommand("merge", "Merge shard databases into one");
  merge->add_option("into", merge_into, "Database to merge into (created if absent)")->required();
  merge->add_option("from", merge_from, "Shard databases")->required()->check(CLI::ExistingFile);

  std::string export_db;
  std::string export_csv;
  bool export_no_timings = false;
  auto* exporter = sweep->add_subcommand("export", "Export a results database as CSV files");
  exporter->add_option("database", export_db, "Results database")->required();
  exporter->add_option("--csv", export_csv, "Folder for points.csv, results.csv, cdfs.csv")
      ->required();
  exporter->add_flag("--no-timings", export_no_timings,
                     "Leave out columns that differ between identical runs (times, host, speed)");

  std::string status_db;
  auto* status = sweep->add_subcommand("status", "Count done and failed points of a database");
  status->add_option("database", status_db, "Results database")->required();
  auto* schema = sweep->add_subcommand("schema", "Print the results database schema (markdown)");

  // --- rlisim container: kernel-trace measurement, stack-model fitting, reproduction ---
  auto* container = app.add_subcommand(
      "container", "Container network-stack latency: measure kernel traces, fit, reproduce");
  container->require_subcommand(1);

  // [container measure]
  rlisim::run::ContainerMeasureArgs measure_args;
  auto* measure = container->add_subcommand(
      "measure", "Per-packet container egress/ingress latency from Linux kernel trace events");
  measure->add_option("trace", measure_args.traces, "Kernel trace file(s) (tracefs text)")
      ->required()
      ->check(CLI::ExistingFile);
  measure->add_option("--path", measure_args.path, "Event path: inner-dev, max-dev, syscalls")
      ->capture_default_str();
  measure->add_flag("--json", measure_args.json, "Print JSON instead of text");
  measure->add_option("--inner-dev", measure_args.inner_dev,
                      "Container-side device name (the container's veth end)");
  measure->add_option("--outer-dev", measure_args.outer_dev,
                      "Outer device name (the host NIC facing the remote)");
  measure->add_option("--path-file", measure_args.path_file, "TOML event-path file")
      ->check(CLI::ExistingFile);
  measure
      ->add_option("--ping", measure_args.pings,
                   "ping -D output recorded with each trace (default: found next to it)")
      ->check(CLI::ExistingFile);
  measure->add_option("--packets-out", measure_args.packets_out, "Per-packet latencies (CSV)");
  // Both become int64 nanoseconds: bounded well inside that range (about 292 years).
  measure->add_option("--expiry-ms", measure_args.expiry_ms, "Open chains expire after (ms)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber & CLI::Range(0.0, 1e9));
  measure
      ->add_option("--outlier-us", measure_args.outlier_us,
                   "Drop latencies >= this many µs (default: keep all)")
      ->check(CLI::Range(0.0, 1e12));
  measure->add_option("--probe-bytes", measure_args.probe_bytes,
                      "IP length of probe packets (default: from the ping log, else 84)");
  measure->add_option("--encap-bytes", measure_args.encap_bytes,
                      "Overlay bytes on the outer device, for the syscalls path's length match "
                      "(VXLAN over IPv4: 50)");
  // [/container measure]

  // [container fit]
  rlisim::run::ContainerFitArgs fit_args;
  auto* fit = container->add_subcommand(
      "fit", "Fit a network mode's stack-model parameters to kernel traces");
  fit->add_option("trace", fit_args.traces, "Kernel trace file(s) (tracefs text)")
      ->required()
      ->check(CLI::ExistingFile);
  fit->add_option("--path", fit_args.path, "Event path: inner-dev, max-dev, syscalls")
      ->capture_default_str();
  fit->add_option("--mode", fit_args.mode, "Network mode to fit")->capture_default_str();
  fit->add_flag("--json", fit_args.json, "Print JSON instead of text");
  fit->add_option("--inner-dev", fit_args.inner_dev, "Container-side device name (e.g. veth-c)");
  fit->add_option("--outer-dev", fit_args.outer_dev, "Outer/physical device name (e.g. eth0)");
  fit->add_option("--encap-bytes", fit_args.encap_bytes,
                  "Overlay bytes on the outer device (syscalls path; VXLAN over IPv4: 50)")
      ->check(CLI::Range(0, 1024));
  fit->add_option("--out", fit_args.out, "Write the fitted mode as a modes.toml-format file");
  fit->add_option("--tracing-inflation", fit_args.tracing_inflation,
                  "Divide traced latencies by this (tracing inflates them about 2x)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 100.0));
  fit->add_option("--cold-gap-us", fit_args.cold_gap_us, "Idle gap that makes a path cold (us)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7));
  // [/container fit]

  // [container reproduce]
  rlisim::run::ContainerReproduceArgs reproduce_args;
  auto* reproduce = container->add_subcommand(
      "reproduce", "Simulate the published container-latency targets and compare");
  reproduce->add_option("--seed", reproduce_args.seed, "Random seed")
      ->capture_default_str()
      ->check(kSeed);
  reproduce->add_flag("--json", reproduce_args.json, "Print JSON instead of text");
  reproduce
      ->add_option("--scenarios", reproduce_args.scenarios,
                   "MACE scenario constants file (default: configs/container/mace-scenarios.toml)")
      ->check(CLI::ExistingFile);
  // [/container reproduce]

  // [topology] --- rlisim topology: paths and round-trip probes on a topology file ---
  auto* topology = app.add_subcommand(
      "topology", "Topologies of hosts, containers and routers: paths, simulated RTTs");
  topology->require_subcommand(1);
  rlisim::run::TopologyPathsArgs paths_args;
  auto* topo_paths =
      topology->add_subcommand("paths", "Every endpoint pair's path (hops, propagation delay)");
  topo_paths->add_option("config", paths_args.config, "Topology file")
      ->required()
      ->check(CLI::ExistingFile);
  topo_paths->add_flag("--json", paths_args.json, "Print JSON instead of text");
  rlisim::run::TopologyRttArgs rtt_args;
  auto* topo_rtt = topology->add_subcommand(
      "rtt", "netperf UDP_RR-like RTT probes between every endpoint pair, vs published rows");
  topo_rtt->add_option("config", rtt_args.config, "Topology file")
      ->required()
      ->check(CLI::ExistingFile);
  topo_rtt->add_option("--probes", rtt_args.probes, "Transactions per pair")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  topo_rtt->add_option("--seed", rtt_args.seed, "Random seed")->capture_default_str()->check(kSeed);
  topo_rtt->add_flag("--json", rtt_args.json, "Print JSON instead of text");
  // [/topology]

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; --help and --version exit 0, every usage error exits 2.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  const int code = [&]() -> int {
    try {
      if (*run)
        return run_command(run_args);
      if (*stats)
        return rlisim::run::trace_stats_command(stats_args, std::cout);
      if (*gen) {
        if (gen_args.out.empty() && !gen_args.print_profile && !gen_args.like) {
          std::cerr << "rlisim trace gen: --out is required (unless --print-profile or --like)\n";
          return 2;
        }
        return rlisim::run::trace_gen_command(gen_args, std::cout);
      }
      if (*measure)
        return rlisim::run::container_measure_command(measure_args, std::cout);
      if (*fit)
        return rlisim::run::container_fit_command(fit_args, std::cout);
      if (*reproduce)
        return rlisim::run::container_reproduce_command(reproduce_args, std::cout);
      if (*topo_paths)  // [topology]
        return rlisim::run::topology_paths_command(paths_args, std::cout);
      if (*topo_rtt)  // [topology]
        return rlisim::run::topology_rtt_command(rtt_args, std::cout);
      if (*manifest)
        return sw::sweep_manifest_command(manifest_file, manifest_shard, std::cout);
      if (*slurm)
        return sw::sweep_slurm_command(slurm_args, std::cout);
      if (*merge)
        return sw::sweep_merge_command(merge_into, merge_from, std::cout);
      if (*exporter)
        return sw::sweep_export_command(export_db, export_csv, !export_no_timings, std::cout);
      if (*status)
        return sw::sweep_status_command(status_db, std::cout);
      if (*schema)
        return sw::sweep_schema_command(std::cout);
      if (*sweep) {
        if (sweep_args.sweep_file.empty()) {
          print_error(
              "rlisim sweep: give a sweep file, or one of: manifest, slurm, merge, "
              "export, status, schema (see rlisim sweep --help)\n");
          return kExitUsage;
        }
        return sw::sweep_run_command(sweep_args);
      }
    } catch (const rlisim::core::ConfigError& e) {
      print_error("rlisim: configuration error: {}\n", e.what());
      return kExitInput;
    } catch (const rlisim::core::OutputError& e) {
      print_error("rlisim: output error: {}\n", e.what());
      return kExitInput;
    } catch (const rlisim::sweep::StoreError& e) {
      print_error("rlisim: results database error: {}\n", e.what());
      return kExitInput;
    } catch (const rlisim::core::TraceError& e) {
      print_error("rlisim: trace error: {}\n", e.what());
      return kExitInput;
    } catch (const std::overflow_error& e) {
      print_error("rlisim: simulation error: {}\n", e.what());
      return kExitInput;
    } catch (const std::invalid_argument& e) {
      print_error("rlisim: invalid setting: {}\n", e.what());
      return kExitInput;
    } catch (const std::system_error& e) {
      // The OS refused a write or a resource (fmt reports a failed write to stdout this way).
      print_error("rlisim: output error: {}\n", e.what());
      return kExitInput;
    } catch (const std::exception& e) {
      print_error("rlisim: internal error: {}\n", e.what());
      return kExitInternal;
    }
    return 0;
  }();
  return finish_standard_output(code);
}
