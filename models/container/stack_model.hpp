#pragma once
// Per-mode container network-stack delay model: fixed path cost, cold-path extra, explicit
// single-server queues (Lindley) and a rare deferral tail, one host's stack per object.
//
// Model (container.md §2.1, a *model* choice calibrated on MACE data, container.md §1.4/§2.2):
//
//     D_dir = F + C_cold * 1[cold] + Q + T
//
//   F      shifted log-normal: f0 + exp(ln(m - f0) + sigma * Z), median m.
//   C_cold constant plus a normal jitter (truncated so that the cold term is never negative),
//          added when the same CPU (egress) / RX queue (ingress) saw no packet of this
//          direction within cold_gap (the first packet on a CPU/queue is cold).
//   Q      waiting time of a single-server FIFO per sending CPU (egress) or per RX queue
//          (ingress), by the Lindley recursion in integer picoseconds; service times are gamma
//          distributed with the given mean and coefficient of variation. Q is the wait only: the
//          packet's own service is the host's work that a native packet sees as well.
//   T      with probability p_tail a log-normal excursion with median tail_median.
//
// Host mode (all parameters zero) gives exactly zero for every packet.

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"

namespace rlisim::models::container {

/// Container network modes. Config names: host, bridge, bridge-nat, macvlan, routed, vxlan,
/// userspace-overlay.
enum class NetworkMode {
  kHost,
  kBridge,
  kBridgeNat,
  kMacvlan,
  kRouted,
  kVxlanOverlay,
  kUserspaceOverlay
};

/// Every mode, in declaration order.
inline constexpr NetworkMode kAllNetworkModes[] = {NetworkMode::kHost,
                                                   NetworkMode::kBridge,
                                                   NetworkMode::kBridgeNat,
                                                   NetworkMode::kMacvlan,
                                                   NetworkMode::kRouted,
                                                   NetworkMode::kVxlanOverlay,
                                                   NetworkMode::kUserspaceOverlay};

/// The config name of `mode` ("bridge-nat"...).
std::string_view to_string(NetworkMode mode);
/// The mode whose config name is `name`; nullopt for anything else (case-sensitive).
std::optional<NetworkMode> parse_network_mode(std::string_view name);

/// One direction (egress or ingress) of one mode.
struct DirectionParams {
  core::Time fixed_floor{};     ///< f0 of the shifted log-normal warm path cost
  core::Time fixed_median{};    ///< its median m (> f0, or == f0 == 0 for host mode)
  double fixed_sigma = 0;       ///< log-normal sigma
  core::Time cold_extra{};      ///< C_cold, added when the path was idle >= cold_gap
  core::Time cold_jitter_sd{};  ///< sd of a normal jitter on C_cold (truncated at 0)
  core::Time service{};         ///< single-server queue service time mean (0: no queue)
  double service_cv = 0;        ///< its coefficient of variation (gamma distributed)
  double tail_probability = 0;  ///< p_tail of the deferral tail
  core::Time tail_median{};     ///< log-normal median of the tail
  double tail_sigma = 0;        ///< log-normal sigma of the tail
};

/// Both directions of one mode.
struct ModeParams {
  NetworkMode mode{};
  DirectionParams egress, ingress;
  core::Time cold_gap{};                  ///< g0: idle time after which a path is cold
  std::uint32_t wire_overhead_bytes = 0;  ///< 50 for VXLAN over IPv4
};

/// One packet's delay through one direction, by component.
struct StackDelay {
  core::Time fixed{}, cold{}, queue{}, tail{};
  core::Time total() const { return fixed + cold + queue + tail; }
};

/// Checks one direction's parameters.
/// @throws std::invalid_argument naming `what` (e.g. "bridge-nat egress") and the parameter:
/// negative times, fixed_median < fixed_floor, fixed_median == fixed_floor with a nonzero
/// sigma or floor, sigmas/CV negative or not finite, tail_probability outside [0, 1], a tail
/// probability without a positive tail median.
void validate(const DirectionParams& params, std::string_view what);
/// Checks both directions and cold_gap (> 0).
/// @throws std::invalid_argument as above.
void validate(const ModeParams& params);

/// One host's container stack in one mode. Deterministic for a given seed (egress and ingress
/// draw from separate random streams, so the draws of one direction never depend on how the
/// other is called). Calls for one (direction, queue) must come in nondecreasing time (the
/// queues use the Lindley recursion). No allocation per packet.
class ContainerStack {
 public:
  /// @throws std::invalid_argument for invalid parameters (see validate) or zero rx_queues/cpus.
  ContainerStack(const ModeParams& params, std::uint64_t seed, std::uint32_t rx_queues = 1,
                 std::uint32_t cpus = 1);

  /// A packet the container hands to its stack at `t`, on sending CPU `cpu`.
  /// @throws core::InvariantError if cpu >= cpus or t precedes the CPU's previous packet.
  StackDelay egress(core::Time t, std::uint32_t cpu = 0);
  /// A packet that reaches the host NIC at `t`, hashed to RX queue `rx_queue` (single-server
  /// FIFO shared by everything hashed there).
  /// @throws core::InvariantError if rx_queue >= rx_queues or t precedes the queue's previous
  /// packet.
  StackDelay ingress(core::Time t, std::uint32_t rx_queue = 0);
  /// A host (non-container) skb - e.g. one GRO batch of native TCP - that reaches RX queue
  /// `rx_queue` at `t`: it takes one ingress service time on the queue's server but does not
  /// touch the container path (no fixed cost, no tail, and it does not warm the container
  /// path's cold state: native traffic does not touch veth, bridge or the container's CPU).
  /// Returns its queueing wait.
  /// @throws core::InvariantError as ingress().
  core::Time host_ingress(core::Time t, std::uint32_t rx_queue = 0);

  const ModeParams& params() const { return params_; }

 private:
  /// Precomputed constants of one direction.
  struct Sampler {
    double floor_ps = 0, log_body_ps = 0, sigma = 0;
    double cold_ps = 0, cold_sd_ps = 0;
    double gamma_shape = 0, gamma_scale_ps = 0;
    double tail_p = 0, log_tail_ps = 0, tail_sigma = 0;
    bool has_body = false, has_queue = false;
  };
  /// One server (a sending CPU or an RX queue).
  struct Server {
    core::Time last_arrival{};        ///< last container packet (the cold rule)
    core::Time last_queue_arrival{};  ///< last packet of any kind (the Lindley order)
    core::Time busy_until{};          ///< when the server finishes the work it has accepted
    bool seen = false;                ///< a container packet passed
    bool queue_seen = false;          ///< any packet passed
  };

  StackDelay pass(const Sampler& sampler, Server& server, std::mt19937_64& rng, core::Time t);
  static double service_ps(const Sampler& sampler, std::mt19937_64& rng);
  static Sampler make_sampler(const DirectionParams& p);

  ModeParams params_;
  Sampler egress_sampler_, ingress_sampler_;
  std::vector<Server> egress_, ingress_;
  std::mt19937_64 egress_rng_, ingress_rng_;
};

}  // namespace rlisim::models::container
