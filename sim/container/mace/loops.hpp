#pragma once
// Closed-loop event simulation of N ping loops sharing one container stack's RX queue (the
// MACE R3/R4 targets), with the flooders' user-space CPU station and the loop's remainder.

#include <cstdint>
#include <vector>

#include "models/container/stack_model.hpp"

namespace rlisim::container::mace {

/// One loop's time outside the local container stack (µs): a hot native RTT (shifted
/// log-normal: remote stack + wire + the local host's native stack) plus a uniform extra in
/// [extra_low, extra_high] (the tracing reader's perturbation of a traced run; 0 untraced).
struct LoopRemainder {
  double floor_us = 20, scale_us = 10, sigma = 0.3;
  double extra_low_us = 0, extra_high_us = 0;
};

/// The senders' user-space CPU: every loop iteration (ping's send/receive work, its output
/// through the container's log driver) costs a gamma service of mean service_us and CV
/// service_cv on one of `cores` cores shared by all loops (FCFS multi-server). cores == 0:
/// no station (the next send follows the reply at once).
struct AppStation {
  std::uint32_t cores = 0;
  double service_us = 0, service_cv = 0.5;
};

struct LoopConfig {
  int flows = 1;            ///< closed loops, one packet in flight each; flow 0 is the probe
  bool record_all = false;  ///< record the stack delays of every flow (else flow 0 only)
  LoopRemainder remainder;
  AppStation app;
  std::uint32_t egress_cpus = 8;  ///< flow f sends on CPU f % egress_cpus
  std::size_t probes = 20'000;    ///< probe (flow 0) RTTs to record after the warm-up
  std::size_t warmup = 1'000;     ///< probe RTTs discarded first
};

struct LoopResult {
  std::vector<double> probe_rtt;  ///< flow 0's RTT: egress + remainder + ingress (µs)
  std::vector<double> egress, ingress;
  double kpps = 0;  ///< aggregate replies through the RX queue while recording (record_all)
};

/// Runs the loops through one ContainerStack with `params` (one RX queue). Deterministic for
/// (seed, stream). @throws std::invalid_argument for invalid parameters or flows < 1.
LoopResult run_closed_loops(const models::container::ModeParams& params, const LoopConfig& config,
                            std::uint64_t seed, std::uint64_t stream);

}  // namespace rlisim::container::mace
