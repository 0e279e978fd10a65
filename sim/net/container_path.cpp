#include "sim/net/container_path.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/rng.hpp"
#include "sim/core/units.hpp"

namespace rlisim::net {

namespace mc = models::container;

ContainerPathModel::ContainerPathModel(const Topology& topology, const ModeTable& modes,
                                       std::optional<std::size_t> measured_router,
                                       std::uint64_t seed)
    : topology_(&topology),
      modes_(modes),
      measured_(measured_router),
      seed_(seed),
      rng_(core::make_rng(seed, 0x746f706f)) {  // "topo"
  if (measured_ && topology.node(*measured_).kind != NodeKind::kRouter) {
    throw std::invalid_argument(fmt::format("topology: measured router '{}' is a {}, not a router",
                                            topology.node(*measured_).name,
                                            to_string(topology.node(*measured_).kind)));
  }
  for (const auto& n : topology.nodes()) {
    if (n.kind == NodeKind::kContainer && modes_.find(n.mode) == modes_.end()) {
      throw std::invalid_argument(fmt::format(
          "topology: container '{}' uses network mode '{}', which is not defined", n.name, n.mode));
    }
  }
}

std::size_t ContainerPathModel::stack_for(std::size_t container) {
  const auto& n = topology_->node(container);
  for (std::size_t i = 0; i < stack_keys_.size(); ++i) {
    if (stack_keys_[i].first == n.host && stack_keys_[i].second == n.mode)
      return i;
  }
  const auto& host = topology_->node(n.host);
  const auto index = stacks_.size();
  stacks_.emplace_back(modes_.find(n.mode)->second, core::mix64(seed_ ^ core::mix64(index + 1)),
                       host.rx_queues);
  stack_rx_queues_.push_back(host.rx_queues);
  stack_keys_.emplace_back(n.host, n.mode);
  return index;
}

std::size_t ContainerPathModel::add_route(std::size_t src, std::size_t dst) {
  ContainerRoute r;
  r.src = src;
  r.dst = dst;
  r.path = topology_->path(src, dst);
  if (topology_->node(src).kind == NodeKind::kContainer) {
    r.src_stack = stack_for(src);
    r.overhead_bytes = stacks_[*r.src_stack].params().wire_overhead_bytes;
  }
  if (topology_->node(dst).kind == NodeKind::kContainer) {
    r.dst_stack = stack_for(dst);
    r.single_rx_queue = stacks_[*r.dst_stack].params().mode == mc::NetworkMode::kBridgeNat;
  }
  for (std::size_t i = 0; i < r.path.nodes.size(); ++i) {
    if (measured_ && r.path.nodes[i] == *measured_)
      r.measured_at = i;
  }
  for (std::size_t i = 1; i + 1 < r.path.nodes.size(); ++i) {
    const auto& n = topology_->node(r.path.nodes[i]);
    if (n.kind != NodeKind::kRouter || (r.measured_at && i == *r.measured_at))
      continue;
    (r.measured_at && i > *r.measured_at ? r.routers_after : r.routers_before) += n.processing;
  }
  if (r.measured_at) {
    for (std::size_t l = 0; l < *r.measured_at; ++l)
      r.propagation_before += topology_->links()[r.path.links[l]].propagation;
  }
  routes_.push_back(std::move(r));
  return routes_.size() - 1;
}

mc::StackDelay ContainerPathModel::egress(std::size_t route, core::Time t, std::uint32_t cpu) {
  const auto& r = routes_[route];
  return r.src_stack ? stacks_[*r.src_stack].egress(t, cpu) : mc::StackDelay{};
}

mc::StackDelay ContainerPathModel::ingress(std::size_t route, core::Time t,
                                           std::uint64_t flow_hash) {
  const auto& r = routes_[route];
  if (!r.dst_stack)
    return {};
  const auto queues = stack_rx_queues_[*r.dst_stack];
  const auto queue = r.single_rx_queue ? 0U : static_cast<std::uint32_t>(flow_hash % queues);
  return stacks_[*r.dst_stack].ingress(t, queue);
}

void ContainerPathModel::add_links(std::size_t route, std::size_t first, std::size_t last,
                                   std::uint64_t wire_bytes, PathDelay& d) {
  const auto& r = routes_[route];
  for (std::size_t l = first; l < last; ++l) {
    const auto& link = topology_->links()[r.path.links[l]];
    d.propagation += link.propagation + link.jitter.sample(rng_);
    if (link.rate)
      d.serialisation += core::serialization_time(core::Bytes{wire_bytes}, *link.rate);
    // The node this link leads to, if it is a router on the way (not the measured one).
    if (l + 1 < last) {
      const auto& n = topology_->node(r.path.nodes[l + 1]);
      if (n.kind == NodeKind::kRouter)
        d.other_routers += n.processing;
    }
  }
}

PathDelay ContainerPathModel::one_way(std::size_t route, core::Time t, std::uint64_t payload_bytes,
                                      std::uint64_t flow_hash, core::Time measured_router_delay) {
  const auto& r = routes_[route];
  const std::uint64_t wire = payload_bytes + r.overhead_bytes;
  PathDelay d;
  d.source_stack = egress(route, t);
  const auto hops = r.path.links.size();
  if (r.measured_at) {
    add_links(route, 0, *r.measured_at, wire, d);
    d.measured_router = measured_router_delay;
    add_links(route, *r.measured_at, hops, wire, d);
  } else {
    add_links(route, 0, hops, wire, d);
  }
  const core::Time at_host =
      t + d.source_stack.total() + d.links() + d.measured_router + d.other_routers;
  d.destination_stack = ingress(route, at_host, flow_hash);
  return d;
}

}  // namespace rlisim::net
