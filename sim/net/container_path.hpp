#pragma once
// End-to-end delay of a packet between two endpoints of a Topology: container stacks, links,
// routers, composed per packet.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "models/container/stack_model.hpp"
#include "sim/core/time.hpp"
#include "sim/net/topology.hpp"

namespace rlisim::net {

/// Network modes by name (the run's catalog plus a topology's own modes).
using ModeTable = std::map<std::string, models::container::ModeParams, std::less<>>;

/// One packet's one-way delay, by component. Units: picoseconds.
struct PathDelay {
  models::container::StackDelay source_stack;       ///< source container egress
  core::Time propagation{};                         ///< links: propagation + jitter
  core::Time serialisation{};                       ///< links with a rate: bytes / rate
  core::Time measured_router{};                     ///< the simulated router's segment
  core::Time other_routers{};                       ///< fixed processing of the other routers
  models::container::StackDelay destination_stack;  ///< destination container ingress

  core::Time stack() const { return source_stack.total() + destination_stack.total(); }
  core::Time routers() const { return measured_router + other_routers; }
  core::Time links() const { return propagation + serialisation; }
  core::Time total() const { return stack() + routers() + links(); }
};

/// A path between two endpoints with what the composition needs, precomputed.
struct ContainerRoute {
  std::size_t src = 0;
  std::size_t dst = 0;
  TopologyPath path;
  /// Stack indices of the container endpoints (none for a host endpoint: it has no container
  /// stack, as for VM-to-VM probes).
  std::optional<std::size_t> src_stack;
  std::optional<std::size_t> dst_stack;
  /// Bytes the source's mode adds on the wire (VXLAN: 50), before the first router.
  std::uint32_t overhead_bytes = 0;
  /// Index into path.nodes of the measured router, if the path crosses it.
  std::optional<std::size_t> measured_at;
  /// The other routers' processing before and after the measured router (all of it counts as
  /// "before" when the path does not cross it).
  core::Time routers_before{};
  core::Time routers_after{};
  /// Propagation (no jitter) of the links before the measured router.
  core::Time propagation_before{};
  /// All destination traffic of a NAT'ed mode shares one outer 5-tuple, so RSS puts it on RX
  /// queue 0; other modes spread by the flow hash.
  bool single_rx_queue = false;
};

/// Composes per-packet delays along routes of a Topology.
///
/// Components, in the order a packet meets them:
///  1. source container egress: the ContainerStack of (source host, mode) - one stack per host
///     and mode, shared by that host's containers of that mode;
///  2. links: propagation + the link's jitter draw + serialisation at the link rate (if set) of
///     the wire size, which includes the source mode's overhead bytes;
///  3. routers: the measured (simulated) router's delay is supplied by the caller (the run's
///     queue, which RLI measures); every other router adds its fixed processing delay (no
///     queue model: a stated simplification);
///  4. destination ingress: the ContainerStack of (destination host, mode), at the packet's
///     arrival at that host, on the RX queue its flow hashes to.
///
/// Stacks need their calls in time order per (direction, queue): callers feed each stack in
/// nondecreasing time (see ingress()).
class ContainerPathModel {
 public:
  /// @throws std::invalid_argument if a container's mode is not in `modes`, or
  ///         `measured_router` is not a router.
  ContainerPathModel(const Topology& topology, const ModeTable& modes,
                     std::optional<std::size_t> measured_router, std::uint64_t seed);

  /// Adds the route src -> dst; returns its id.
  /// @throws std::invalid_argument as Topology::path.
  std::size_t add_route(std::size_t src, std::size_t dst);
  const ContainerRoute& route(std::size_t id) const { return routes_.at(id); }

  /// Source stack egress at `t` (zero for a host endpoint).
  models::container::StackDelay egress(std::size_t route, core::Time t, std::uint32_t cpu = 0);
  /// Destination stack ingress at `t` (zero for a host endpoint), on RX queue
  /// `flow_hash % rx_queues` (queue 0 for a NAT'ed mode). Calls for one destination stack
  /// must come in nondecreasing `t`.
  models::container::StackDelay ingress(std::size_t route, core::Time t, std::uint64_t flow_hash);

  /// Links and other routers over path.links[first, last) and the routers strictly between:
  /// propagation (+ jitter) and serialisation of `wire_bytes` into `d`; router processing
  /// into `d.other_routers`. Draws jitter from the model's generator.
  void add_links(std::size_t route, std::size_t first, std::size_t last, std::uint64_t wire_bytes,
                 PathDelay& d);

  /// A whole one-way trip started at `t` by a packet of `payload_bytes` (overhead added here),
  /// with `measured_router_delay` for the measured router if the path crosses it. Every stage
  /// is evaluated at the time the packet reaches it.
  PathDelay one_way(std::size_t route, core::Time t, std::uint64_t payload_bytes,
                    std::uint64_t flow_hash, core::Time measured_router_delay = {});

  std::size_t stack_count() const { return stacks_.size(); }

 private:
  std::size_t stack_for(std::size_t container);

  const Topology* topology_;
  ModeTable modes_;
  std::optional<std::size_t> measured_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<ContainerRoute> routes_;
  std::vector<models::container::ContainerStack> stacks_;
  std::vector<std::uint32_t> stack_rx_queues_;
  // (host, mode name) of each stack, to share one stack per host and mode.
  std::vector<std::pair<std::size_t, std::string>> stack_keys_;
};

}  // namespace rlisim::net
