#pragma once
// Topology files (hosts, containers, routers, links, published RTTs) loaded from TOML.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config/toml_section.hpp"
#include "sim/net/circuit_calibration.hpp"
#include "sim/net/container_path.hpp"
#include "sim/net/topology.hpp"

namespace rlisim::config {

/// A published round-trip time between two endpoints ([[published]]), for `rlisim topology
/// rtt` to print beside its own figures. Units: ms.
struct PublishedRtt {
  std::string a;
  std::string b;
  double min_ms = 0;
  double mean_ms = 0;
  double p99_ms = 0;
  /// Where the figures come from.
  std::string source;
  /// The authors themselves call the row an outlier: reported as "not reproduced" with `note`.
  bool outlier = false;
  std::string note;
};

/// A [[link]] given by its measured round trip (rtt_min, rtt_mean, rtt_p99) and calibrated at
/// load time: the link's propagation and jitter are net::calibrate_circuit(target).
struct CalibratedCircuit {
  /// Index into Topology::links().
  std::size_t link = 0;
  net::CircuitRtt target;
};

/// A loaded topology file.
struct TopologyConfig {
  std::string file;
  std::string name;
  std::string description;
  net::Topology topology;
  /// Every network mode a container may use: the catalog (configs/container/modes.toml) plus
  /// the file's own `modes_file`, whose entries replace catalog entries of the same name.
  net::ModeTable modes;
  std::vector<PublishedRtt> published;
  /// The links calibrated from a measured round trip, in file order.
  std::vector<CalibratedCircuit> circuits;
};

/// Parses a topology file's text. Keys (every table checks for unknown keys):
///   name, description, modes_file (relative to `base_dir`);
///   [[host]] name, rx_queues;  [[router]] name, processing;
///   [[container]] name, host, mode;
///   [[link]] a, b, and either propagation, rate, jitter_mean, jitter_shape, or the circuit's
///            measured round trip rtt_min, rtt_mean, rtt_p99 (all three; min as the 1e-5
///            quantile, see net::kCircuitMinQuantile), from which propagation and jitter are
///            calibrated (net::calibrate_circuit());
///   [[published]] a, b, min_ms, mean_ms, p99_ms, source, outlier, note.
/// @throws core::ConfigError "FILE:LINE: key '...': ..." for syntax errors, unknown keys,
///         duplicate or unknown node names, negative delays, unknown modes, rtt_* mixed with
///         propagation/jitter/rate or incomplete, or RTT statistics the jitter family cannot
///         reach (the message names the link).
TopologyConfig parse_topology(std::string_view text, const std::string& name,
                              const std::string& base_dir = ".");

/// Loads a topology file (paths inside it resolve against its folder).
/// @throws core::ConfigError as parse_topology, or if the file cannot be read.
TopologyConfig load_topology(const std::string& path);

/// The [topology] table of a run configuration.
struct TopologyRunSpec {
  /// The topology file (resolved against the run config's folder) and its contents.
  std::string file;
  std::shared_ptr<const TopologyConfig> topology;
  /// The node that is the simulated router (RLI measures it).
  std::string router;
  /// Container pairs flows are spread over: explicit ([["a", "b"], ...]) or, when empty,
  /// every ordered pair of containers whose path crosses the router.
  std::vector<std::pair<std::string, std::string>> pairs;
};

/// Reads [topology]: file (required), router (required), pairs (optional).
/// @throws core::ConfigError naming the key and line: unknown keys, an unreadable or invalid
///         topology file, a router that is not a router, pairs whose path misses the router.
TopologyRunSpec read_topology_run(TomlSection& s, const std::string& base_dir);

}  // namespace rlisim::config
