// rlisim command line: each command family adds its subcommands; main parses and runs the one
// selected. Errors become exit codes in CommandSet only.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <CLI/CLI.hpp>
#include <unistd.h>

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

// Per-flow state is allocated a little at a time as flows appear, and each fresh 4 KiB page
// costs a fault: a fifth of a truth-only run's CPU time, a tenth of the full comparison's
// (perf, cpu-clock). With glibc's hugetlb tunable (2.35 on), malloc asks for transparent huge
// pages (THP in "madvise" mode, the usual default, then serves 2 MiB per fault); results do
// not change. Tunables are read only when a process starts, so this one starts itself again
// with it set, once; RLISIM_NO_HUGE_PAGES=1 (or a GLIBC_TUNABLES already naming it) keeps it
// as started, e.g. under a memory profiler that does not follow exec.
void restart_with_huge_pages(char** argv) {
  constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("RLISIM_NO_HUGE_PAGES") != nullptr ||
      (tunables != nullptr && std::string_view(tunables).find(kTunable) != std::string_view::npos))
    return;
  std::string value = tunables != nullptr && *tunables != '\0' ? std::string(tunables) + ":" : "";
  value += std::string(kTunable) + "=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0)
    return;
  ::execv("/proc/self/exe", argv);
  // Not restarted (no /proc, say): go on as started, without the tunable in children either.
  if (tunables != nullptr)
    ::setenv("GLIBC_TUNABLES", tunables, 1);
  else
    ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_huge_pages(argv);
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
