#include "sim/topology/tap.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "models/metrics/empirical_cdf.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::topology {
namespace {

bool crosses(const net::Topology& t, std::size_t a, std::size_t b, std::size_t router) {
  const auto p = t.path(a, b);
  return std::find(p.nodes.begin(), p.nodes.end(), router) != p.nodes.end();
}

}  // namespace

TopologyTap::TopologyTap(const config::TopologyRunSpec& spec, std::uint64_t seed,
                         const models::QuantileSketchConfig& quantiles)
    : spec_(spec),
      model_(spec.topology->topology, spec.topology->modes,
             spec.topology->topology.index(spec.router), seed),
      seed_(seed),
      quantiles_(quantiles),
      summary_{.e2e = models::QuantileSketch(quantiles)} {
  const auto& t = spec.topology->topology;
  const auto router = t.index(spec.router);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  if (spec.pairs.empty()) {
    const auto containers = t.nodes_of(net::NodeKind::kContainer);
    for (const auto a : containers) {
      for (const auto b : containers) {
        if (a != b && crosses(t, a, b, router))
          pairs.emplace_back(a, b);
      }
    }
  } else {
    for (const auto& [a, b] : spec.pairs)
      pairs.emplace_back(t.index(a), t.index(b));
  }
  if (pairs.empty()) {
    throw std::invalid_argument(fmt::format("{}: no two containers communicate through router '{}'",
                                            spec.file, spec.router));
  }
  for (const auto& [a, b] : pairs)
    routes_.push_back(static_cast<std::uint32_t>(model_.add_route(a, b)));
  last_egress_.assign(model_.stack_count(), core::Time{std::numeric_limits<std::int64_t>::min()});
}

std::uint64_t TopologyTap::hash_of(const core::FlowKey& flow) const {
  return core::mix64(core::FlowKeyHasher{}(flow) ^ seed_);
}

std::uint32_t TopologyTap::route_of(std::uint64_t flow_hash) const {
  return routes_[flow_hash % routes_.size()];
}

void TopologyTap::inflate(core::Packet& p) const {
  if (p.kind == core::PacketKind::kReference)
    return;
  p.wire_bytes += model_.route(route_of(hash_of(p.flow))).overhead_bytes;
}

void TopologyTap::release(core::Time up_to) {
  while (!pending_.empty() && pending_.top().at_host <= up_to) {
    Pending p = pending_.top();
    pending_.pop();
    p.delay.destination_stack = model_.ingress(p.route, p.at_host, p.flow_hash);
    auto& f = flows_[p.flow];
    const auto& d = p.delay;
    const double e2e = static_cast<double>(d.total().count());
    ++f.delivered;
    f.e2e_ps += e2e;
    f.stack_ps += static_cast<double>(d.stack().count());
    f.measured_router_ps += static_cast<double>(d.measured_router.count());
    f.other_routers_ps += static_cast<double>(d.other_routers.count());
    f.links_ps += static_cast<double>(d.links().count());
    f.e2e.add(e2e);
  }
}

void TopologyTap::on_ingress(const core::Packet& p, models::FlowId flow) {
  current_valid_ = false;
  if (p.kind == core::PacketKind::kReference)
    return;
  // Every later departure leaves the router at or after this arrival.
  release(p.arrival);
  const auto hash = hash_of(p.flow);
  std::uint32_t& slot = index_.ensure(flow, [] { return std::uint32_t{0}; });
  if (slot == 0) {
    flows_.push_back(
        FlowPathDelay{.route = route_of(hash), .e2e = models::QuantileSketch(quantiles_)});
    slot = static_cast<std::uint32_t>(flows_.size());
  }
  const std::uint32_t local = slot - 1;
  const auto route = flows_[local].route;
  const auto& r = model_.route(route);
  current_ = Pending{};
  current_.flow = local;
  current_.route = route;
  current_.flow_hash = hash;
  if (r.src_stack) {
    auto& last = last_egress_[*r.src_stack];
    last = std::max(last, p.arrival - r.propagation_before - r.routers_before);
    current_.delay.source_stack = model_.egress(route, last);
  }
  model_.add_links(route, 0, *r.measured_at, p.wire_bytes, current_.delay);
  current_valid_ = true;
}

void TopologyTap::on_egress(const core::Packet& p, models::FlowId, models::PortId,
                            core::Time egress_time) {
  if (!current_valid_ || p.kind == core::PacketKind::kReference)
    return;
  current_valid_ = false;
  const auto& r = model_.route(current_.route);
  current_.delay.measured_router = egress_time - p.arrival;
  auto before = current_.delay;
  model_.add_links(current_.route, *r.measured_at, r.path.links.size(), p.wire_bytes,
                   current_.delay);
  // Time from the router's egress tap to the destination host: the downstream part only.
  const core::Time downstream = (current_.delay.links() - before.links()) +
                                (current_.delay.other_routers - before.other_routers);
  current_.at_host = egress_time + downstream;
  current_.seq = seq_++;
  pending_.push(current_);
  max_in_flight_ = std::max(max_in_flight_, pending_.size());
}

void TopologyTap::on_drop(const core::Packet&, models::FlowId, models::PortId) {
  current_valid_ = false;
}

void TopologyTap::finalize() {
  release(core::Time{std::numeric_limits<std::int64_t>::max()});
  summary_.flows = flows_.size();
  std::vector<double> visible;
  for (const auto& f : flows_) {
    summary_.delivered += f.delivered;
    summary_.e2e_ps += f.e2e_ps;
    summary_.stack_ps += f.stack_ps;
    summary_.measured_router_ps += f.measured_router_ps;
    summary_.other_routers_ps += f.other_routers_ps;
    summary_.links_ps += f.links_ps;
    summary_.e2e.merge(f.e2e);
    if (f.delivered > 0 && f.e2e_ps > 0)
      visible.push_back(f.measured_router_ps / f.e2e_ps);
  }
  if (!visible.empty()) {
    std::sort(visible.begin(), visible.end());
    summary_.median_flow_rli_visible_share = models::sorted_quantile(visible, 0.5);
  }
}

const FlowPathDelay* TopologyTap::find(const core::FlowKey& flow) const {
  const auto id = id_of(flow);
  if (!id || *id >= index_.size() || index_[*id] == 0)
    return nullptr;
  return &flows_[index_[*id] - 1];
}

std::pair<std::string, std::string> TopologyTap::endpoints(std::uint32_t route) const {
  const auto& r = model_.route(route);
  const auto& t = spec_.topology->topology;
  return {t.node(r.src).name, t.node(r.dst).name};
}

}  // namespace rlisim::topology
