// rlisim run: one experiment from a configuration file.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/app/command_set.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/report/result_writer.hpp"
#include "sim/run/scenario.hpp"

namespace rlisim::app {
namespace {

struct RunArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  std::string packets_out;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  unsigned threads = 1;
};

int run_command(const RunArgs& args) {
  auto overrides = args.sets;
  if (args.seed)
    overrides.push_back(fmt::format("seed={}", *args.seed));
  const auto config = config::load_config(args.config, overrides);
  run::TerminalProgress progress(stderr);
  run::RunOptions options;
  options.packets_out = args.packets_out;
  options.threads = args.threads;
  if (!args.quiet)
    options.progress = &progress;
  const auto result = run::run_experiment(config, options);
  run::write_results(result, args.out);
  fmt::print("{}", run::format_text_summary(result));
  fmt::print("results: {}/summary.json, {}/flows.csv", args.out, args.out);
  if (!args.packets_out.empty())
    fmt::print(", {}", args.packets_out);
  fmt::print("\n");
  if (result.ledger && result.ledger->spill_error()) {
    print_error("rlisim: warning: {} (the results are complete; only memory grew)\n",
                *result.ledger->spill_error());
  }
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

}  // namespace

void add_run_command(CLI::App& app, CommandSet& commands) {
  auto args = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Run one experiment from a TOML configuration");
  run->add_option("config", args->config, "Experiment configuration (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--set", args->sets, "Override a configuration key: key.path=value")
      ->type_name("KEY=VALUE");
  run->add_option("--out", args->out, "Output directory for summary.json and flows.csv")
      ->required();
  run->add_option("--packets-out", args->packets_out, "Write one CSV row per packet here");
  run->add_option("--seed", args->seed, "Experiment seed (same as --set seed=N)")
      ->check(seed_check());
  run->add_flag("--quiet,-q", args->quiet, "No progress on stderr");
  run->add_option("--threads", args->threads,
                  "Threads the truth and the estimators run on (results are identical for any "
                  "number)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  commands.add(run, [args] { return run_command(*args); });
}

}  // namespace rlisim::app
