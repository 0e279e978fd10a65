// rlisim command line: each command family adds its subcommands; main parses and runs the one
// selected. Errors become exit codes in CommandSet only.

#include <filesystem>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include "sim/app/command_set.hpp"
#include "sim/run/report/result_writer.hpp"

namespace {

// This executable's path, for the processes a sweep starts (argv[0] may be relative to a
// folder the sweep no longer runs in, or found through PATH).
std::string self_path(const char* argv0) {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::absolute(argv0).string() : p.string();
}

}  // namespace

int main(int argc, char** argv) {
  namespace app = rlisim::app;
  CLI::App cli{"rlisim: how well can a router measure per-flow latency, and at what cost?"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string(rlisim::run::version()));

  app::CommandSet commands;
  app::add_run_command(cli, commands);
  app::add_trace_commands(cli, commands);
  app::add_sweep_commands(cli, commands, self_path(argv[0]));
  app::add_container_commands(cli, commands);
  app::add_topology_commands(cli, commands);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; --help and --version exit 0, every usage error exits 2.
    return cli.exit(e) == 0 ? 0 : app::kExitUsage;
  }
  return commands.run_selected();
}
