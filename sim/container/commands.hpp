#pragma once
// The `rlisim container ...` commands (measure kernel traces, fit the stack model, reproduce the
// published container-latency figures), independent of the CLI library.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace rlisim::container {

struct ContainerMeasureArgs {
  /// Kernel trace files (tracefs `trace`/`trace_pipe` text or `trace-cmd report` output).
  std::vector<std::string> traces;
  /// Event path: inner-dev, max-dev or syscalls.
  std::string path = "inner-dev";
  bool json = false;
  /// Device names the path's roles resolve to (container end of the veth; outer/physical).
  std::string inner_dev;
  std::string outer_dev;
  /// A TOML event-path file (overrides --path; its device names yield to --inner/--outer-dev).
  std::string path_file;
  /// Ping logs (ping -D output), one per trace in order; default: found next to each trace.
  std::vector<std::string> pings;
  /// Per-packet CSV output; empty: none.
  std::string packets_out;
  /// Open chains older than this never match (ms).
  double expiry_ms = 1000;
  /// Drop latencies >= this (µs) as outliers; <= 0: off (the default).
  double outlier_us = 0;
  /// IP length of probe packets (bytes); 0: from the ping log, else 84.
  std::int64_t probe_bytes = 0;
  /// Overlay bytes on the outer device (EventPath::encapsulation_bytes); -1: not given (the
  /// path file's value, else 0).
  std::int64_t encap_bytes = -1;
};

struct ContainerFitArgs {
  std::vector<std::string> traces;
  std::string path = "inner-dev";
  /// The network mode whose parameters are fitted (e.g. bridge-nat).
  std::string mode = "bridge-nat";
  bool json = false;
  /// Device names the path's roles resolve to (container end of the veth; outer/physical).
  std::string inner_dev;
  std::string outer_dev;
  /// Overlay bytes on the outer device (EventPath::encapsulation_bytes).
  std::int64_t encap_bytes = 0;
  /// Write the fitted mode as a modes.toml-format file; empty: none.
  std::string out;
  /// Modes file whose entries replace the built-in ones of the same name (the starting point
  /// of the fit); empty: the built-in configs/container/modes.toml.
  std::string modes;
  /// Traced latencies are divided by this (container.md: tracing inflates about 2x).
  double tracing_inflation = 1.0;
  /// Idle gap after which a CPU's path is cold (µs).
  double cold_gap_us = 5000;
};

struct ContainerReproduceArgs {
  std::uint64_t seed = 1;
  bool json = false;
  /// MACE scenario constants file; empty: the committed configs/container/mace-scenarios.toml.
  std::string scenarios;
  /// Modes file whose entries replace the built-in ones of the same name (bridge-nat and
  /// bridge are simulated); empty: the built-in configs/container/modes.toml.
  std::string modes;
};

/// Per-packet egress/ingress latencies of kernel traces along one event path. Returns the exit
/// code.
int container_measure_command(const ContainerMeasureArgs& args, std::ostream& out);
/// Fits one mode's stack-model parameters to kernel traces. Returns the exit code.
int container_fit_command(const ContainerFitArgs& args, std::ostream& out);
/// Simulates the MACE targets with the published parameters and prints them next to the
/// published figures. Returns the exit code.
int container_reproduce_command(const ContainerReproduceArgs& args, std::ostream& out);

}  // namespace rlisim::container
