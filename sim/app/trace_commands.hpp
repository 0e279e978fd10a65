#pragma once
// The `rlisim trace stats` and `rlisim trace gen` commands, independent of the CLI library.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace rlisim::app {

struct TraceStatsArgs {
  std::string path;
  bool json = false;
  std::string reorder = "error";
  std::string reorder_window = "1ms";
};

struct TraceGenArgs {
  std::string out;
  std::string profile = "chic";
  std::optional<std::string> rate;
  std::optional<std::string> duration;
  std::uint64_t seed = 1;
  std::optional<std::string> size_mix;
  std::optional<double> pareto_alpha;
  std::optional<std::int64_t> max_flow_packets;
  std::uint32_t snaplen = 64;
  /// A traffic profile file (see traffic_config.hpp); replaces --profile.
  std::optional<std::string> profile_file;
  /// "tcp" or "paced"; overrides the profile's flow model.
  std::optional<std::string> flow_model;
  /// Print the effective profile as a profile file to `out` (and write no trace if `out` is
  /// empty).
  bool print_profile = false;
  /// A capture to fit the profile to (traces/analysis/profile_fit.hpp); excludes
  /// profile_file. The fitted profile is printed (to `out` or `profile_out`), the trace
  /// generated (if `out` is set) and the statistics of both printed side by side.
  std::optional<std::string> like;
  /// With `like`: where to write the fitted profile file instead of the output stream.
  std::optional<std::string> profile_out;
  /// With `like`: the capture reader's max_gap, e.g. "1s" (for captures with time jumps).
  std::optional<std::string> max_gap;
};

/// Prints the statistics of a capture to `out` (text or JSON). Returns the exit code.
/// @throws core::TraceError / core::ConfigError on bad input.
int trace_stats_command(const TraceStatsArgs& args, std::ostream& out);

/// Generates a synthetic trace and prints what was written. Returns the exit code.
int trace_gen_command(const TraceGenArgs& args, std::ostream& out);

}  // namespace rlisim::app
