#include "sim/run/topology_commands.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/rng.hpp"

namespace rlisim::run {
namespace {

using nlohmann::ordered_json;

double ms(core::Time t) {
  return static_cast<double>(t.count()) * 1e-9;
}

// Endpoint pairs: every two containers, then every two hosts, in declaration order.
std::vector<std::pair<std::size_t, std::size_t>> endpoint_pairs(const net::Topology& t) {
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (const auto kind : {net::NodeKind::kContainer, net::NodeKind::kHost}) {
    const auto nodes = t.nodes_of(kind);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      for (std::size_t j = i + 1; j < nodes.size(); ++j)
        pairs.emplace_back(nodes[i], nodes[j]);
    }
  }
  return pairs;
}

std::string path_text(const net::Topology& t, const net::TopologyPath& p) {
  std::vector<std::string> names;
  for (const auto n : p.nodes)
    names.push_back(t.node(n).name);
  return fmt::format("{}", fmt::join(names, " -> "));
}

const PublishedRtt* find_published(const TopologyConfig& c, const std::string& a,
                                   const std::string& b) {
  for (const auto& row : c.published) {
    if ((row.a == a && row.b == b) || (row.a == b && row.b == a))
      return &row;
  }
  return nullptr;
}

std::string verdict(const RttStats& s, const PublishedRtt& p) {
  const bool ok = within_resolution(s.min_ms, p.min_ms) &&
                  within_resolution(s.mean_ms, p.mean_ms) && within_resolution(s.p99_ms, p.p99_ms);
  if (ok)
    return "reproduced";
  return p.outlier ? fmt::format("not reproduced: published outlier ({})", p.note)
                   : "not reproduced";
}

}  // namespace

bool within_resolution(double ours_ms, double published_ms) {
  return std::abs(ours_ms - published_ms) <= 0.1 + 1e-9;
}

RttStats simulate_rtt(const TopologyConfig& config, std::size_t a, std::size_t b,
                      std::uint64_t probes, std::uint64_t seed, std::uint64_t probe_bytes) {
  const auto& topo = config.topology;
  net::ContainerPathModel model(topo, config.modes, std::nullopt, seed);
  const auto there = model.add_route(a, b);
  const auto back = model.add_route(b, a);
  // One transaction in flight: the next request leaves when the response is in.
  std::vector<double> rtts;
  rtts.reserve(probes);
  core::Time t{};
  core::Time stack{};
  const std::uint64_t flow_hash = core::mix64(seed);
  for (std::uint64_t i = 0; i < probes; ++i) {
    const auto fwd = model.one_way(there, t, probe_bytes, flow_hash);
    const auto at_b = t + fwd.total();
    const auto rev = model.one_way(back, at_b, probe_bytes, flow_hash);
    t = at_b + rev.total();
    rtts.push_back(ms(fwd.total() + rev.total()));
    stack += fwd.stack() + rev.stack();
  }
  RttStats s;
  s.a = topo.node(a).name;
  s.b = topo.node(b).name;
  s.containers = topo.node(a).kind == net::NodeKind::kContainer &&
                 topo.node(b).kind == net::NodeKind::kContainer;
  s.probes = probes;
  if (probes == 0)
    return s;
  double sum = 0;
  for (const double r : rtts)
    sum += r;
  s.mean_ms = sum / static_cast<double>(probes);
  s.stack_mean_ms = ms(stack) / static_cast<double>(probes);
  const auto rank = static_cast<std::size_t>(std::floor(0.99 * static_cast<double>(probes - 1)));
  std::nth_element(rtts.begin(), rtts.begin() + static_cast<std::ptrdiff_t>(rank), rtts.end());
  s.p99_ms = rtts[rank];
  s.min_ms = *std::min_element(rtts.begin(), rtts.end());
  return s;
}

int topology_paths_command(const TopologyPathsArgs& args, std::ostream& out) {
  const auto config = load_topology(args.config);
  const auto& t = config.topology;
  ordered_json rows = ordered_json::array();
  std::string text =
      fmt::format("{}: {} nodes, {} links\n", config.file, t.nodes().size(), t.links().size());
  for (const auto& [a, b] : endpoint_pairs(t)) {
    const auto p = t.path(a, b);
    if (args.json) {
      ordered_json j;
      j["a"] = t.node(a).name;
      j["b"] = t.node(b).name;
      ordered_json names = ordered_json::array();
      for (const auto n : p.nodes)
        names.push_back(t.node(n).name);
      j["nodes"] = names;
      j["hops"] = p.hops();
      j["propagation_ms"] = ms(p.propagation);
      rows.push_back(j);
    } else {
      text += fmt::format("  {:<12} {:<12} {:>2} hops {:>10.4f} ms  {}\n", t.node(a).name,
                          t.node(b).name, p.hops(), ms(p.propagation), path_text(t, p));
    }
  }
  if (args.json) {
    ordered_json j;
    j["file"] = config.file;
    j["paths"] = rows;
    out << j.dump(2) << '\n';
  } else {
    out << text;
  }
  return 0;
}

int topology_rtt_command(const TopologyRttArgs& args, std::ostream& out) {
  const auto config = load_topology(args.config);
  const auto& t = config.topology;
  const auto pairs = endpoint_pairs(t);
  ordered_json rows = ordered_json::array();
  std::string text = fmt::format(
      "{}: {} request/response probes per pair (one in flight, back to back), seed {}\n"
      "RTT in ms; published rows from the file; verdict: each of min, mean, p99 within 0.1 ms\n",
      config.file, args.probes, args.seed);
  text += fmt::format("  {:<10} {:<10} {:<6} {:>8} {:>8} {:>8} {:>7} | {:>8} {:>8} {:>8}  {}\n",
                      "a", "b", "kind", "min", "mean", "p99", "stack", "pub min", "pub mean",
                      "pub p99", "verdict");
  std::size_t reproduced = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto [a, b] = pairs[i];
    const auto s = simulate_rtt(config, a, b, args.probes,
                                core::mix64(args.seed ^ core::mix64(i + 1)), args.probe_bytes);
    const auto* pub = find_published(config, s.a, s.b);
    const std::string v = pub ? verdict(s, *pub) : "";
    if (pub) {
      ++compared;
      reproduced += v == "reproduced";
    }
    const char* kind = s.containers ? "docker"
                                    : (t.node(a).kind == net::NodeKind::kHost &&
                                               t.node(b).kind == net::NodeKind::kHost
                                           ? "vm"
                                           : "mixed");
    if (args.json) {
      ordered_json j;
      j["a"] = s.a;
      j["b"] = s.b;
      j["kind"] = kind;
      j["probes"] = s.probes;
      j["min_ms"] = s.min_ms;
      j["mean_ms"] = s.mean_ms;
      j["p99_ms"] = s.p99_ms;
      j["stack_mean_ms"] = s.stack_mean_ms;
      if (pub) {
        ordered_json p;
        p["min_ms"] = pub->min_ms;
        p["mean_ms"] = pub->mean_ms;
        p["p99_ms"] = pub->p99_ms;
        p["source"] = pub->source;
        p["outlier"] = pub->outlier;
        j["published"] = p;
        j["verdict"] = v;
      }
      rows.push_back(j);
    } else {
      const auto pub_field = [&](double x) {
        return pub ? fmt::format("{:>8.1f}", x) : fmt::format("{:>8}", "-");
      };
      text += fmt::format(
          "  {:<10} {:<10} {:<6} {:>8.3f} {:>8.3f} {:>8.3f} {:>7.3f} | {} {} {}  {}\n", s.a, s.b,
          kind, s.min_ms, s.mean_ms, s.p99_ms, s.stack_mean_ms, pub_field(pub ? pub->min_ms : 0),
          pub_field(pub ? pub->mean_ms : 0), pub_field(pub ? pub->p99_ms : 0), v);
    }
  }
  if (args.json) {
    ordered_json j;
    j["file"] = config.file;
    j["probes"] = args.probes;
    j["seed"] = args.seed;
    j["rows"] = rows;
    j["published_rows"] = compared;
    j["reproduced"] = reproduced;
    out << j.dump(2) << '\n';
  } else {
    text += fmt::format("{} of {} published rows reproduced within 0.1 ms\n", reproduced, compared);
    out << text;
  }
  return 0;
}

}  // namespace rlisim::run
