#include "sim/config/topology_config.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/config/container_modes.hpp"
#include "sim/config/toml_section.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/net/circuit_calibration.hpp"

namespace rlisim::config {
namespace {

// Propagation delays beyond a minute are surely a unit mistake.
constexpr core::Time kMaxDelay = core::seconds(60);

std::string required_string(TomlSection& s, std::string_view key) {
  auto v = s.string(key);
  if (!v || v->empty())
    s.fail(key, "is required (a non-empty string)");
  return *v;
}

core::Time bounded_delay(TomlSection& s, std::string_view key) {
  const auto d = s.duration(key).value_or(core::Time{0});
  if (d > kMaxDelay)
    s.fail(key, "expected at most 60 s");
  return d;
}

// Runs a Topology mutation, turning its std::invalid_argument into a located ConfigError.
template <class F>
auto located(TomlSection& s, std::string_view key, F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    s.fail(key, e.what());
  }
}

void read_nodes(TomlSection& top, TopologyConfig& config) {
  for (auto& h : top.tables("host")) {
    const auto name = required_string(h, "name");
    const auto queues = h.integer("rx_queues", 1, 1024).value_or(1);
    h.finish();
    located(h, "name",
            [&] { return config.topology.add_host(name, static_cast<std::uint32_t>(queues)); });
  }
  for (auto& r : top.tables("router")) {
    const auto name = required_string(r, "name");
    const auto processing = bounded_delay(r, "processing");
    r.finish();
    located(r, "name", [&] { return config.topology.add_router(name, processing); });
  }
  for (auto& c : top.tables("container")) {
    const auto name = required_string(c, "name");
    const auto host = required_string(c, "host");
    const auto mode = required_string(c, "mode");
    c.finish();
    if (config.modes.find(mode) == config.modes.end()) {
      std::vector<std::string> known;
      for (const auto& [k, v] : config.modes)
        known.push_back(k);
      c.fail("mode",
             fmt::format("unknown network mode '{}'; known: {}", mode, fmt::join(known, ", ")));
    }
    if (!config.topology.find(host))
      c.fail("host", fmt::format("unknown host '{}' (declare it in a [[host]] table)", host));
    located(c, "name", [&] { return config.topology.add_container(name, host, mode); });
  }
}

// A circuit given by its measured round trip: rtt_min, rtt_mean and rtt_p99 (all three),
// instead of propagation and jitter, calibrated here (net::calibrate_circuit()).
std::optional<net::CircuitCalibration> read_measured_circuit(TomlSection& l,
                                                             const std::string& what,
                                                             TopologyConfig& config) {
  constexpr std::array<std::string_view, 3> kKeys{"rtt_min", "rtt_mean", "rtt_p99"};
  std::array<std::optional<core::Time>, 3> rtt;
  std::optional<std::string_view> given;
  for (std::size_t i = 0; i < kKeys.size(); ++i) {
    rtt[i] = l.duration(kKeys[i]);
    if (rtt[i] && *rtt[i] > 2 * kMaxDelay)
      l.fail(kKeys[i], "expected at most 120 s");
    if (rtt[i] && !given)
      given = kKeys[i];
  }
  if (!given)
    return std::nullopt;
  for (std::size_t i = 0; i < kKeys.size(); ++i) {
    if (!rtt[i]) {
      l.fail(*given, fmt::format("a circuit given by its round trip needs all of rtt_min, "
                                 "rtt_mean and rtt_p99 ({} is missing)",
                                 kKeys[i]));
    }
  }
  for (const std::string_view key : {"propagation", "jitter_mean", "jitter_shape", "rate"}) {
    if (l.any(key)) {
      l.fail(key,
             "cannot be combined with rtt_min/rtt_mean/rtt_p99: the circuit's propagation "
             "and jitter are calibrated from its measured round trip, which already "
             "includes everything on it");
    }
  }
  const net::CircuitRtt target{*rtt[0], *rtt[1], *rtt[2]};
  try {
    auto c = net::calibrate_circuit(target);
    config.circuits.push_back(CalibratedCircuit{config.topology.links().size(), target});
    return c;
  } catch (const std::invalid_argument& e) {
    l.fail("rtt_min", fmt::format("{}: cannot calibrate the circuit: {}", what, e.what()));
  }
}

void read_links(TomlSection& top, TopologyConfig& config) {
  for (auto& l : top.tables("link")) {
    const auto a = required_string(l, "a");
    const auto b = required_string(l, "b");
    for (const auto& [key, name] : {std::pair{"a", a}, std::pair{"b", b}}) {
      if (!config.topology.find(name))
        l.fail(key, fmt::format("unknown node '{}'", name));
    }
    const auto measured = read_measured_circuit(l, fmt::format("link {} - {}", a, b), config);
    auto propagation = bounded_delay(l, "propagation");
    net::LinkJitter jitter;
    jitter.mean = bounded_delay(l, "jitter_mean");
    jitter.shape = l.number("jitter_shape", 0.05, 20.0).value_or(1.0);
    const auto rate = l.rate("rate", 1000);
    l.finish();
    if (measured) {
      propagation = measured->propagation;
      jitter = measured->jitter;
    }
    located(l, "a", [&] { return config.topology.add_link(a, b, propagation, rate, jitter); });
  }
}

void read_published(TomlSection& top, TopologyConfig& config) {
  for (auto& p : top.tables("published")) {
    PublishedRtt row;
    row.a = required_string(p, "a");
    row.b = required_string(p, "b");
    for (const auto& [key, name] : {std::pair{"a", row.a}, std::pair{"b", row.b}}) {
      if (!config.topology.find(name))
        p.fail(key, fmt::format("unknown node '{}'", name));
    }
    const auto ms = [&](std::string_view key) {
      const auto v = p.number(key, 0.0, 1e6);
      if (!v)
        p.fail(key, "is required (milliseconds)");
      return *v;
    };
    row.min_ms = ms("min_ms");
    row.mean_ms = ms("mean_ms");
    row.p99_ms = ms("p99_ms");
    row.source = p.string("source").value_or("");
    row.outlier = p.boolean("outlier").value_or(false);
    row.note = p.string("note").value_or("");
    p.finish();
    config.published.push_back(std::move(row));
  }
}

}  // namespace

TopologyConfig parse_topology(std::string_view text, const std::string& name,
                              const std::string& base_dir) {
  const toml::table root = parse_toml(text, name);
  TopologyConfig config;
  config.file = name;
  TomlSection top(root, "", name);
  config.name = top.string("name").value_or("");
  config.description = top.string("description").value_or("");
  for (const auto& e : default_container_modes().modes)
    config.modes[e.name] = e.params;
  if (auto file = top.string("modes_file")) {
    const auto path = std::filesystem::path(*file).is_absolute()
                          ? std::filesystem::path(*file)
                          : std::filesystem::path(base_dir) / *file;
    for (const auto& e : load_container_modes(path.lexically_normal().string()).modes)
      config.modes[e.name] = e.params;
  }
  read_nodes(top, config);
  read_links(top, config);
  read_published(top, config);
  top.finish();
  if (config.topology.nodes().empty())
    top.fail("host", "a topology needs at least one [[host]]");
  return config;
}

TopologyConfig load_topology(const std::string& path) {
  const std::string text = core::read_text_file(path, "topology file");
  const auto base = std::filesystem::path(path).parent_path().string();
  return parse_topology(text, path, base.empty() ? "." : base);
}

namespace {

bool crosses(const net::Topology& t, std::size_t a, std::size_t b, std::size_t router) {
  const auto p = t.path(a, b);
  return std::find(p.nodes.begin(), p.nodes.end(), router) != p.nodes.end();
}

}  // namespace

TopologyRunSpec read_topology_run(TomlSection& s, const std::string& base_dir) {
  TopologyRunSpec spec;
  const auto file = s.string("file");
  if (!file || file->empty())
    s.fail("file", "is required: the topology file (see configs/topologies/)");
  spec.file = std::filesystem::path(*file).is_absolute()
                  ? *file
                  : (std::filesystem::path(base_dir) / *file).lexically_normal().string();
  const auto router = s.string("router");
  if (!router || router->empty())
    s.fail("router", "is required: the name of the simulated (measured) router");
  spec.router = *router;
  if (const auto* node = s.any("pairs")) {
    const auto* rows = node->as_array();
    bool ok = rows != nullptr && !rows->empty();
    for (std::size_t i = 0; ok && i < rows->size(); ++i) {
      const auto* row = rows->get(i)->as_array();
      ok = row != nullptr && row->size() == 2 && row->get(0)->is_string() &&
           row->get(1)->is_string();
      if (ok) {
        spec.pairs.emplace_back(row->get(0)->as_string()->get(), row->get(1)->as_string()->get());
      }
    }
    if (!ok)
      s.fail("pairs", "expected a non-empty array of [\"source\", \"destination\"] containers");
  }
  s.finish();
  try {
    spec.topology = std::make_shared<const TopologyConfig>(load_topology(spec.file));
  } catch (const core::ConfigError& e) {
    s.fail("file", e.what());
  }
  const auto& t = spec.topology->topology;
  const auto r = t.find(spec.router);
  if (!r || t.node(*r).kind != net::NodeKind::kRouter)
    s.fail("router", fmt::format("'{}' is not a router of {}", spec.router, spec.file));
  for (const auto& [a, b] : spec.pairs) {
    for (const auto& n : {a, b}) {
      const auto i = t.find(n);
      if (!i || t.node(*i).kind != net::NodeKind::kContainer)
        s.fail("pairs", fmt::format("'{}' is not a container of {}", n, spec.file));
    }
    try {
      if (!crosses(t, t.index(a), t.index(b), *r)) {
        s.fail("pairs",
               fmt::format("the path {} -> {} does not cross router '{}'", a, b, spec.router));
      }
    } catch (const std::invalid_argument& e) {
      s.fail("pairs", e.what());
    }
  }
  return spec;
}

}  // namespace rlisim::config
