#include "sim/net/topology.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace rlisim::net {
namespace {

// Path length as Dijkstra compares it: propagation first, hop count as the tie-break.
struct Distance {
  std::int64_t delay_ps = 0;
  std::int64_t hops = 0;
  friend bool operator==(const Distance&, const Distance&) = default;
};

struct DistanceLess {
  bool operator()(const Distance& a, const Distance& b) const {
    return std::tie(a.delay_ps, a.hops) < std::tie(b.delay_ps, b.hops);
  }
};

constexpr Distance kInfinity{std::numeric_limits<std::int64_t>::max(),
                             std::numeric_limits<std::int64_t>::max()};

struct DistanceCombine {
  Distance operator()(const Distance& a, const Distance& b) const {
    if (a == kInfinity || b == kInfinity)
      return kInfinity;
    return Distance{a.delay_ps + b.delay_ps, a.hops + b.hops};
  }
};

struct Arc {
  Distance weight;
  std::size_t link = 0;
};

}  // namespace

// One directed arc each way per link, so that "which node an arc leaves" is explicit: only
// arcs leaving a node that may forward are usable (see Topology).
struct Topology::Graph {
  using Type =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, Arc>;
  Type g;
};

std::string_view to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::kHost:
      return "host";
    case NodeKind::kContainer:
      return "container";
    case NodeKind::kRouter:
      return "router";
  }
  return "?";
}

core::Time LinkJitter::sample(std::mt19937_64& rng) const {
  if (!enabled())
    return core::Time{0};
  const double u = core::uniform01(rng);
  return core::Time{std::llround(quantile(u).count())};
}

core::Time LinkJitter::quantile(double q) const {
  if (!enabled())
    return core::Time{0};
  // Weibull: mean = scale * Gamma(1 + 1/k).
  const double scale = static_cast<double>(mean.count()) / std::tgamma(1.0 + 1.0 / shape);
  return core::Time{std::llround(scale * std::pow(-std::log1p(-q), 1.0 / shape))};
}

Topology::Topology() : graph_(std::make_unique<Graph>()) {}
Topology::~Topology() = default;
Topology::Topology(Topology&&) noexcept = default;
Topology& Topology::operator=(Topology&&) noexcept = default;

std::size_t Topology::add_node(TopologyNode node) {
  if (node.name.empty())
    throw std::invalid_argument("topology: a node needs a non-empty name");
  if (find(node.name)) {
    throw std::invalid_argument(
        fmt::format("topology: duplicate node name '{}' (names are unique across hosts, "
                    "containers and routers)",
                    node.name));
  }
  nodes_.push_back(std::move(node));
  boost::add_vertex(graph_->g);
  return nodes_.size() - 1;
}

std::size_t Topology::add_host(const std::string& name, std::uint32_t rx_queues) {
  if (rx_queues == 0)
    throw std::invalid_argument(fmt::format("topology: host '{}' needs rx_queues >= 1", name));
  TopologyNode n;
  n.name = name;
  n.kind = NodeKind::kHost;
  n.rx_queues = rx_queues;
  return add_node(std::move(n));
}

std::size_t Topology::add_router(const std::string& name, core::Time processing) {
  if (processing.count() < 0) {
    throw std::invalid_argument(
        fmt::format("topology: router '{}' has a negative processing delay", name));
  }
  TopologyNode n;
  n.name = name;
  n.kind = NodeKind::kRouter;
  n.processing = processing;
  return add_node(std::move(n));
}

std::size_t Topology::add_container(const std::string& name, const std::string& host,
                                    const std::string& mode) {
  const auto h = find(host);
  if (!h || nodes_[*h].kind != NodeKind::kHost) {
    throw std::invalid_argument(
        fmt::format("topology: container '{}': host '{}' is not a declared host", name, host));
  }
  TopologyNode n;
  n.name = name;
  n.kind = NodeKind::kContainer;
  n.host = *h;
  n.mode = mode;
  const auto c = add_node(std::move(n));
  add_link_between(c, *h, TopologyLink{});
  return c;
}

std::size_t Topology::add_link(const std::string& a, const std::string& b, core::Time propagation,
                               std::optional<core::BitsPerSecond> rate, LinkJitter jitter) {
  const auto ia = index(a);
  const auto ib = index(b);
  const auto what = fmt::format("topology: link {} - {}", a, b);
  if (ia == ib)
    throw std::invalid_argument(what + ": a link needs two different nodes");
  if (nodes_[ia].kind == NodeKind::kContainer || nodes_[ib].kind == NodeKind::kContainer) {
    throw std::invalid_argument(
        what + ": containers attach to their host only (declare the container with its host)");
  }
  if (propagation.count() < 0)
    throw std::invalid_argument(what + ": negative propagation delay");
  if (jitter.mean.count() < 0)
    throw std::invalid_argument(what + ": negative jitter mean");
  if (!(jitter.shape > 0) || !std::isfinite(jitter.shape))
    throw std::invalid_argument(what + ": jitter shape must be positive");
  if (rate && rate->value == 0)
    throw std::invalid_argument(what + ": rate must be positive");
  // A link carries both directions, so a second one between the same nodes (in either order)
  // is a parallel link that paths use only when it is the shorter one or, on a tie, the one
  // declared first: its settings would silently not apply.
  for (const auto& l : links_) {
    if ((l.a == ia && l.b == ib) || (l.a == ib && l.b == ia)) {
      throw std::invalid_argument(
          what + ": the two nodes are already linked (a link carries both directions)");
    }
  }
  return add_link_between(ia, ib, TopologyLink{ia, ib, propagation, rate, jitter});
}

std::size_t Topology::add_link_between(std::size_t a, std::size_t b, TopologyLink link) {
  link.a = a;
  link.b = b;
  links_.push_back(link);
  const auto index = links_.size() - 1;
  const Arc arc{Distance{link.propagation.count(), 1}, index};
  boost::add_edge(a, b, arc, graph_->g);
  boost::add_edge(b, a, arc, graph_->g);
  return index;
}

std::optional<std::size_t> Topology::find(std::string_view name) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name)
      return i;
  }
  return std::nullopt;
}

std::size_t Topology::index(std::string_view name) const {
  if (const auto i = find(name))
    return *i;
  throw std::invalid_argument(fmt::format("topology: unknown node '{}'", name));
}

std::vector<std::size_t> Topology::nodes_of(NodeKind kind) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].kind == kind)
      out.push_back(i);
  }
  return out;
}

TopologyPath Topology::path(std::size_t src, std::size_t dst) const {
  if (src >= nodes_.size() || dst >= nodes_.size())
    throw std::invalid_argument("topology: node index out of range");
  if (src == dst) {
    throw std::invalid_argument(
        fmt::format("topology: no path from '{}' to itself", nodes_[src].name));
  }
  // Nodes that may forward on this path: routers, the source itself, and the host of a
  // container endpoint.
  std::vector<char> forwards(nodes_.size(), 0);
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    forwards[i] = nodes_[i].kind == NodeKind::kRouter;
  forwards[src] = 1;
  for (const auto e : {src, dst}) {
    if (nodes_[e].kind == NodeKind::kContainer)
      forwards[nodes_[e].host] = 1;
  }
  forwards[dst] = 0;
  const auto& g = graph_->g;
  const auto usable = [&](Graph::Type::edge_descriptor e) {
    return forwards[boost::source(e, g)] != 0;
  };
  const boost::filtered_graph<Graph::Type, std::function<bool(Graph::Type::edge_descriptor)>> view(
      g, usable);
  std::vector<Distance> dist(nodes_.size(), kInfinity);
  boost::dijkstra_shortest_paths(
      view, src,
      boost::distance_map(
          boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, view)))
          .weight_map(boost::get(&Arc::weight, view))
          .distance_compare(DistanceLess{})
          .distance_combine(DistanceCombine{})
          .distance_inf(kInfinity)
          .distance_zero(Distance{}));
  if (dist[dst] == kInfinity) {
    throw std::invalid_argument(
        fmt::format("topology: no path from '{}' to '{}' (only routers forward transit traffic)",
                    nodes_[src].name, nodes_[dst].name));
  }
  // Walk back from dst, choosing among shortest predecessors the lowest node index, then the
  // lowest link index: independent of the heap's internal order.
  TopologyPath path;
  path.propagation = core::Time{dist[dst].delay_ps};
  std::size_t v = dst;
  std::vector<std::size_t> nodes{dst};
  std::vector<std::size_t> links;
  while (v != src) {
    std::optional<std::pair<std::size_t, std::size_t>> best;  // (node, link)
    for (std::size_t l = 0; l < links_.size(); ++l) {
      const auto& link = links_[l];
      if (link.a != v && link.b != v)
        continue;
      const std::size_t u = link.a == v ? link.b : link.a;
      if (!forwards[u] || dist[u] == kInfinity)
        continue;
      const Distance via = DistanceCombine{}(dist[u], Distance{link.propagation.count(), 1});
      if (via == dist[v] && (!best || u < best->first))
        best.emplace(u, l);
    }
    // Dijkstra set dist[v] through some usable predecessor, so one always exists.
    if (!best)
      throw std::logic_error("topology: inconsistent shortest-path distances");
    links.push_back(best->second);
    v = best->first;
    nodes.push_back(v);
  }
  path.nodes.assign(nodes.rbegin(), nodes.rend());
  path.links.assign(links.rbegin(), links.rend());
  return path;
}

}  // namespace rlisim::net
