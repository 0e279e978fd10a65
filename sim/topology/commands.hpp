#pragma once
// The `rlisim topology ...` commands: list paths, and simulate round-trip probes between every
// pair of endpoints next to published figures.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sim/config/topology_config.hpp"
#include "sim/core/time.hpp"

namespace rlisim::topology {

struct TopologyPathsArgs {
  std::string config;
  bool json = false;
};

struct TopologyRttArgs {
  std::string config;
  /// Request/response transactions per pair (netperf UDP_RR: one in flight, back to back).
  /// 1e5 by default, so that the sample min estimates the same 1e-5 quantile that calibrated
  /// circuits take as their published min (net::kCircuitMinQuantile).
  std::uint64_t probes = 100000;
  std::uint64_t seed = 1;
  /// Request and response size (UDP payload + headers), bytes.
  std::uint64_t probe_bytes = 64;
  bool json = false;
};

/// Round-trip statistics of one endpoint pair. Units: ms.
struct RttStats {
  std::string a;
  std::string b;
  bool containers = false;  ///< both endpoints are containers (else hosts: VM-to-VM)
  std::uint64_t probes = 0;
  double min_ms = 0;
  double mean_ms = 0;
  /// 99th percentile of the RTTs, numpy.quantile's default definition (models::sorted_quantile).
  double p99_ms = 0;
  /// Sample standard deviation of the RTT (for the Monte Carlo error of the mean).
  double sd_ms = 0;
  /// Mean container-stack part of the RTT (both endpoints, both directions).
  double stack_mean_ms = 0;
};

/// Simulates `probes` back-to-back request/response transactions between `a` and `b` (node
/// indices of hosts or containers) on a fresh model seeded from `seed`.
/// @throws std::invalid_argument if there is no path.
RttStats simulate_rtt(const config::TopologyConfig& config, std::size_t a, std::size_t b,
                      std::uint64_t probes, std::uint64_t seed, std::uint64_t probe_bytes = 64);

/// Whether `ours` matches `published` within the tables' 0.1 ms resolution:
/// |ours - published| <= 0.1 ms.
bool within_resolution(double ours_ms, double published_ms);

/// Whether min, mean and p99 all match `published` within the resolution.
bool matches(const RttStats& ours, const config::PublishedRtt& published);

/// Prints every container pair's and host pair's path. Returns the exit code.
int topology_paths_command(const TopologyPathsArgs& args, std::ostream& out);
/// Prints the calibrated circuits, then RTT min/mean/p99 for every container pair and host
/// pair side by side with the file's [[published]] rows and a verdict per row ("match" or
/// "miss" within 0.1 ms; host pairs over calibrated circuits check the calibration), then per
/// circuit the simulated Docker-minus-VM mean (the modelled container part, with its Monte
/// Carlo error) next to the published difference, the counts of VM and Docker rows within
/// 0.1 ms, and notes explaining misses. Returns the exit code (0 whatever the verdicts).
int topology_rtt_command(const TopologyRttArgs& args, std::ostream& out);

}  // namespace rlisim::topology
