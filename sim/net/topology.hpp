#pragma once
// A network of hosts, containers, routers and links, with shortest-propagation-delay paths.

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace rlisim::net {

enum class NodeKind : std::uint8_t {
  kHost,       ///< a machine (bare metal or VM): an endpoint, never a transit hop
  kContainer,  ///< a container on a host: an endpoint, reaches the world through its host
  kRouter,     ///< a router or switch: forwards transit traffic
};

std::string_view to_string(NodeKind kind);

/// Extra one-way delay of a link, drawn per packet on top of its propagation delay (WAN
/// circuits). Weibull by inversion, x = scale * (-ln(1 - u))^(1 / shape), so that both its mean
/// and its 99th percentile can be matched: shape 1 is the exponential.
struct LinkJitter {
  /// Mean extra delay; zero means no jitter.
  core::Time mean{};
  /// Weibull shape k > 0.
  double shape = 1.0;

  bool enabled() const { return mean.count() > 0; }
  /// One draw (uses core::uniform01 only, so it is the same on every platform).
  core::Time sample(std::mt19937_64& rng) const;
  /// The q-quantile of the distribution, q in [0, 1).
  core::Time quantile(double q) const;
};

struct TopologyNode {
  std::string name;
  NodeKind kind = NodeKind::kHost;
  /// Containers: index of their host.
  std::size_t host = 0;
  /// Containers: network mode name (a ModeParams name of the run's catalog).
  std::string mode;
  /// Routers: fixed per-packet processing delay when the router is not the simulated one.
  core::Time processing{};
  /// Hosts: receive queues of the NIC (RSS); packets are hashed onto them.
  std::uint32_t rx_queues = 1;
};

struct TopologyLink {
  std::size_t a = 0;
  std::size_t b = 0;
  core::Time propagation{};
  /// Serialisation rate of the link (none: serialisation is not modelled on it).
  std::optional<core::BitsPerSecond> rate;
  LinkJitter jitter;
};

/// A loop-free path between two endpoints: its nodes (first = source, last = destination)
/// and the links between consecutive nodes (links.size() == nodes.size() - 1).
struct TopologyPath {
  std::vector<std::size_t> nodes;
  std::vector<std::size_t> links;
  /// Sum of the links' propagation delays (jitter excluded).
  core::Time propagation{};
  std::size_t hops() const { return links.size(); }
};

/// The topology: nodes and undirected links, held as a Boost.Graph adjacency_list (in the .cpp).
///
/// Paths minimise total propagation delay (Dijkstra). Only routers forward transit traffic:
/// hosts and containers are endpoints, so a path never passes through another host (in a full
/// mesh of VM sites the direct circuit is taken even when a two-circuit detour through a third
/// site is shorter). The one exception is a container's own host, which forwards for its
/// containers: a container reaches the rest of the network only through its host, over an
/// implicit zero-delay link added with the container.
///
/// Tie-breaks (deterministic): equal delay -> fewer hops; then, walking back from the
/// destination, the predecessor with the lowest node index (declaration order).
class Topology {
 public:
  Topology();
  ~Topology();
  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;

  /// Each add_* returns the new node's index.
  /// @throws std::invalid_argument on an empty or duplicate name, rx_queues == 0, a negative
  ///         processing delay or an unknown host.
  std::size_t add_host(const std::string& name, std::uint32_t rx_queues = 1);
  std::size_t add_router(const std::string& name, core::Time processing = {});
  std::size_t add_container(const std::string& name, const std::string& host,
                            const std::string& mode);
  /// Adds an undirected link; returns its index.
  /// @throws std::invalid_argument on unknown names, a self-loop, a negative propagation delay
  ///         or jitter, a non-positive jitter shape, a link touching a container (containers
  ///         attach to their host only), or a second link between the same two nodes.
  std::size_t add_link(const std::string& a, const std::string& b, core::Time propagation,
                       std::optional<core::BitsPerSecond> rate = {}, LinkJitter jitter = {});

  /// The index of `name`, or nullopt.
  std::optional<std::size_t> find(std::string_view name) const;
  /// The index of `name`.
  /// @throws std::invalid_argument naming it when unknown.
  std::size_t index(std::string_view name) const;

  const std::vector<TopologyNode>& nodes() const { return nodes_; }
  const std::vector<TopologyLink>& links() const { return links_; }
  const TopologyNode& node(std::size_t i) const { return nodes_.at(i); }
  /// Node indices of one kind, in declaration order.
  std::vector<std::size_t> nodes_of(NodeKind kind) const;

  /// The shortest-delay path from `src` to `dst` (endpoints: hosts or containers; routers are
  /// accepted too, for diagnostics).
  /// @throws std::invalid_argument if src == dst or no path exists (the message names both).
  TopologyPath path(std::size_t src, std::size_t dst) const;
  TopologyPath path(std::string_view src, std::string_view dst) const {
    return path(index(src), index(dst));
  }

 private:
  struct Graph;
  std::size_t add_node(TopologyNode node);
  std::size_t add_link_between(std::size_t a, std::size_t b, TopologyLink link);

  std::vector<TopologyNode> nodes_;
  std::vector<TopologyLink> links_;
  std::unique_ptr<Graph> graph_;
};

}  // namespace rlisim::net
