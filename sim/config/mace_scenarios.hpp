#pragma once
// The MACE reproduction's scenario constants (host, native RTT, tracing, load, Fig. 5), each
// with its source, loaded from configs/container/mace-scenarios.toml.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rlisim::config {

/// Every scenario constant of `rlisim container reproduce`. Times in µs.
struct MaceScenarios {
  std::string file;

  // [host]
  std::uint32_t cpus = 8;  ///< cores = RX queues of the measured host
  // [native]
  double hot_floor_us = 20, hot_scale_us = 10, hot_sigma = 0.3;  ///< hot native RTT
  double slow_shift_us = 300;                                    ///< RTT slow mode
  double fig5_mean_us = 169.253, fig5_mode_us = 156.5, fig5_sd_us = 65.338;
  double idle_slow_native = 0.039, idle_slow_container = 0.040;
  // [tracing]
  double inflation = 2.0;              ///< traced / untraced segment latency
  double service_traced_ratio = 1.62;  ///< traced / untraced S_rx
  double trace_pipe_low_us = 115, trace_pipe_high_us = 180;
  // [neighbours]
  double contention_traced_us = 0.22;  ///< egress contention per active neighbour, traced
  int contention_max_neighbours = 16;
  double egress_tail_single = 0.004;  ///< egress p_tail for N <= 1
  double egress_tail_many = 0.025;    ///< egress p_tail for N >= 2
  /// Ingress p_tail by N: rows (largest N, p_tail) in increasing N; the last row covers
  /// every larger N.
  std::vector<std::pair<int, double>> ingress_tail;
  // [r2]
  double veth_egress_us = 1.2, veth_ingress_us = 0.8;
  // [r3]
  double app_cv = 0.5;
  double r3_calibration_shift_us = 48, r3_hot_shift_us = 9;
  // [r5]
  int gro_max_bytes = 65536, gro_mss_bytes = 1448;
  double background_wire_bytes = 1500;
  /// Native background loads: rate and the published RTT slow-mode fractions at that load.
  struct BackgroundLoad {
    double bps = 0, native_slow = 0, container_slow = 0;
  };
  std::vector<BackgroundLoad> background_loads;
  // [fig5]
  /// Per-probe ftrace cost outside the traced path: uniform in [low, high].
  double ftrace_low_us = 15, ftrace_high_us = 21;
  /// Probability that the woken trace_pipe reader runs on the probe's CPU (it then adds the
  /// tracing section's trace_pipe_low..high).
  double reader_on_probe_cpu = 0.125;
  double path_median_inner_us = 53, path_median_max_dev_us = 63, path_median_syscalls_us = 103;

  /// "section.key" -> "tag: basis" for every value above.
  std::map<std::string, std::string, std::less<>> sources;

  /// The ingress tail probability for N flooding containers.
  double ingress_tail_for(int n) const;
  /// GRO's segment limit: one skb carries at most gro_max_bytes.
  int gro_max_segments() const { return gro_max_bytes / gro_mss_bytes; }
};

/// Parses a scenarios file's text; `name` (the file) goes into messages.
/// @throws core::ConfigError "NAME:LINE: key 'tracing.X': expected ..." for syntax errors,
/// unknown or missing keys, out-of-range values, and values without a tagged source
/// (primary:, derived:, reported:, model:).
MaceScenarios parse_mace_scenarios(std::string_view text, const std::string& name);

/// Loads a scenarios file.
/// @throws core::ConfigError if the file cannot be read, or as parse_mace_scenarios.
MaceScenarios load_mace_scenarios(const std::string& path);

/// The committed configs/container/mace-scenarios.toml of this source tree.
/// @throws core::ConfigError as load_mace_scenarios.
MaceScenarios default_mace_scenarios();

}  // namespace rlisim::config
