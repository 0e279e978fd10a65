#pragma once
// What main() needs from each command family: its subcommands, the action behind each, and one
// mapping from errors to exit codes.

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace rlisim::app {

/// Exit codes: 0 success, 1 bad input (configuration, trace, I/O, results database), 2 usage,
/// 3 internal error.
inline constexpr int kExitInput = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

/// The subcommands of the command line, each with the action that runs it once the options
/// are parsed. A family adds the subcommands it holds before the command that holds them, so
/// that the first selected one is the one the user named.
class CommandSet {
 public:
  void add(const CLI::App* command, std::function<int()> action);

  /// Runs the selected subcommand's action, turning the errors of bad input into messages on
  /// stderr and exit codes; then checks that standard output was written.
  int run_selected() const;

 private:
  std::vector<std::pair<const CLI::App*, std::function<int()>>> commands_;
};

/// Messages for stderr. A failure to write them is ignored: there is nowhere left to report it,
/// and fmt::print would throw from inside the handlers that report every other error.
template <typename... T>
void print_error(fmt::format_string<T...> format, T&&... args) {
  std::fputs(fmt::format(format, std::forward<T>(args)...).c_str(), stderr);
}

/// A seed option: an integer from 0 to 2^63 - 1, the range every seed key accepts (TOML's).
const CLI::Validator& seed_check();

// One function per command family, each in its own file.
void add_run_command(CLI::App& app, CommandSet& commands);
void add_trace_commands(CLI::App& app, CommandSet& commands);
/// `self` is this executable, which the sweep runs for each point.
void add_sweep_commands(CLI::App& app, CommandSet& commands, const std::string& self);
void add_container_commands(CLI::App& app, CommandSet& commands);
void add_topology_commands(CLI::App& app, CommandSet& commands);

}  // namespace rlisim::app
