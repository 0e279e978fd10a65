#include "sim/config/experiment_config.hpp"

#include <charconv>
#include <filesystem>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/config/estimator_registry.hpp"
#include "sim/config/rli_config.hpp"
#include "sim/config/toml_section.hpp"
#include "sim/config/traffic_config.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "traces/analysis/profile_fit.hpp"

namespace rlisim::config {
namespace {

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
// Fixed delays beyond a day are surely a unit mistake, and keep far from the int64 ps range.
constexpr core::Time kMaxFixedDelay = core::seconds(86400);
// A buffer of more than an hour of traffic is surely a unit mistake ("10" read as seconds...).
constexpr core::Time kMaxBufferTime = core::seconds(3600);

// Splits "router.port[0].rate" or "router.port.0.rate" into components.
std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : key) {
    if (c == '.' || c == '[' || c == ']') {
      if (!current.empty())
        parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty())
    parts.push_back(std::move(current));
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Parses an override value as TOML ("20", "true", "\"x\"", "[1, 2]"), falling back to a plain
// string so that `--set router.port.0.rate=20Gbps` needs no quoting.
toml::table parse_value(const std::string& value) {
  try {
    return toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    toml::table t;
    t.insert("v", value);
    return t;
  }
}

void apply_override(toml::table& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw core::ConfigError(
        fmt::format("--set '{}': expected key=value, e.g. router.port.0.rate=20Gbps", assignment));
  }
  if (assignment.find_first_of("\n\r") != std::string::npos) {
    throw core::ConfigError(
        fmt::format("--set '{}': a value may not span lines", assignment.substr(0, eq)));
  }
  const std::string key = assignment.substr(0, eq);
  const auto parts = split_key(key);
  if (parts.empty())
    throw core::ConfigError(fmt::format("--set '{}': empty key", assignment));
  toml::node* node = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (auto* t = node->as_table()) {
      if (is_index(parts[i])) {
        throw core::ConfigError(fmt::format("--set '{}': '{}' is a table, not an array", key,
                                            fmt::join(parts.begin(), parts.begin() + i, ".")));
      }
      if (!t->contains(parts[i])) {
        // Indexing into an absent array is an error; a new sub-table is fine.
        if (is_index(parts[i + 1])) {
          throw core::ConfigError(
              fmt::format("--set '{}': there is no array '{}' to index", key, parts[i]));
        }
        t->insert(parts[i], toml::table{});
      }
      node = t->get(parts[i]);
    } else if (auto* a = node->as_array()) {
      if (!is_index(parts[i])) {
        throw core::ConfigError(
            fmt::format("--set '{}': '{}' indexes an array; expected a number", key, parts[i]));
      }
      std::size_t index = 0;
      const auto* first = parts[i].data();
      const auto [end, ec] = std::from_chars(first, first + parts[i].size(), index);
      if (ec != std::errc{} || end != first + parts[i].size()) {
        throw core::ConfigError(
            fmt::format("--set '{}': index '{}' is not a valid array index", key, parts[i]));
      }
      if (index >= a->size()) {
        throw core::ConfigError(
            fmt::format("--set '{}': index {} is out of range (the array has "
                        "{} elements)",
                        key, index, a->size()));
      }
      node = a->get(index);
    } else {
      throw core::ConfigError(
          fmt::format("--set '{}': '{}' is a value, not a table", key, parts[i]));
    }
  }
  auto* target = node->as_table();
  if (!target) {
    throw core::ConfigError(
        fmt::format("--set '{}': the parent of '{}' is not a table", key, parts.back()));
  }
  auto parsed = parse_value(assignment.substr(eq + 1));
  // Rebuild plain values so they carry no source position: messages then say "(--set)"
  // instead of pointing at a line of the file.
  parsed.get("v")->visit([&](auto&& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (toml::is_value<T>) {
      target->insert_or_assign(parts.back(), T(v.get()));
    } else {
      target->insert_or_assign(parts.back(), std::move(v));
    }
  });
}

ReorderPolicy parse_reorder(const std::string& s) {
  if (s == "sort")
    return ReorderPolicy::kSort;
  if (s == "clamp")
    return ReorderPolicy::kClamp;
  return ReorderPolicy::kError;
}

SourceKind parse_source_kind(const std::string& s) {
  if (s == "pcap")
    return SourceKind::kPcap;
  if (s == "poisson")
    return SourceKind::kPoisson;
  if (s == "onoff")
    return SourceKind::kOnOff;
  return SourceKind::kSynthetic;
}
// A path relative to the config file's folder `base_dir`, or `path` if absolute.
std::string relative_to(const std::string& base_dir, const std::string& path) {
  return std::filesystem::path(path).is_absolute()
             ? path
             : (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void read_pcap_source(TomlSection& s, const std::string& base_dir, SourceSpec& spec) {
  auto path = s.string("path");
  if (!path || path->empty())
    s.fail("path", "is required for a pcap source");
  spec.path = *path == "-" ? *path : relative_to(base_dir, *path);
  if (auto r = s.choice("reorder", {"error", "sort", "clamp"}))
    spec.reorder = parse_reorder(*r);
  if (auto w = s.duration("reorder_window"))
    spec.reorder_window = *w;
  spec.max_gap = s.duration("max_gap");
  if (spec.max_gap && spec.max_gap->count() == 0)
    s.fail("max_gap", "expected a positive gap");
}

// The synthetic source's base profile: fitted to a capture (`like`), read from a profile file,
// or built in by name.
traces::SyntheticTrafficConfig base_profile(TomlSection& s, const std::string& base_dir,
                                            const std::optional<std::string>& profile,
                                            const std::string& profile_name) {
  const auto like = s.string("like");
  const auto profile_file = s.string("profile_file");
  if (like) {
    // The profile fitted to a capture is the base; the table's other keys override it.
    if (profile_file || profile)
      s.fail("like",
             "cannot be combined with profile_file or profile: each gives the base "
             "profile (save a fitted profile with `rlisim trace gen --like CAPTURE "
             "--profile-out FILE` to edit it)");
    const std::string resolved = relative_to(base_dir, *like);
    std::optional<core::TraceTime> gap;
    if (auto g = s.duration("max_gap")) {
      if (g->count() < 1000)
        s.fail("max_gap", "expected a gap of at least 1ns");
      gap = core::TraceTime{g->count() / 1000};
    }
    try {
      return traces::fit_capture(resolved, gap).config;
    } catch (const std::exception& e) {
      s.fail("like", e.what());
    }
  }
  if (auto file = profile_file) {
    if (profile)
      s.fail("profile_file", "cannot be combined with profile (the file names its own base)");
    return read_traffic_file(relative_to(base_dir, *file));
  }
  try {
    return traces::profile(profile_name);
  } catch (const core::ConfigError& e) {
    s.fail("profile", e.what());
  }
}

void read_synthetic_source(TomlSection& s, const std::string& base_dir, SourceSpec& spec) {
  const auto profile = s.string("profile");
  if (profile)
    spec.profile = *profile;
  spec.traffic = base_profile(s, base_dir, profile, spec.profile);
  spec.size_mix = read_traffic_keys(s, *spec.traffic);
  // Checked here, where the message can name this file and table; the source is checked
  // again once a named or trace: size_mix is resolved.
  traces::SyntheticTrafficConfig checked = *spec.traffic;
  if (spec.rate)
    checked.rate = *spec.rate;
  if (spec.duration)
    checked.duration = *spec.duration;
  try {
    traces::validate(checked);
  } catch (const core::ConfigError& e) {
    throw core::ConfigError(
        fmt::format("{}: table '{}': {}", s.where(s.any("kind")), s.path(), e.what()));
  }
}

// Poisson or on-off cross traffic.
void read_cross_traffic(TomlSection& s, SourceSpec& spec) {
  spec.size_mix = s.string("size_mix");
  if (!spec.rate)
    s.fail("rate", "is required for cross traffic");
  if (auto f = s.integer("flows", 1, 1'000'000))
    spec.flows = *f;
  if (spec.kind == SourceKind::kOnOff) {
    if (auto v = s.duration("on_mean"))
      spec.on_mean = *v;
    if (auto v = s.duration("off_mean"))
      spec.off_mean = *v;
    if (auto v = s.number("on_alpha", 1.0001, 10.0))
      spec.on_alpha = *v;
    if (auto v = s.number("off_alpha", 1.0001, 10.0))
      spec.off_alpha = *v;
  }
}

SourceSpec read_source(TomlSection& s, const std::string& base_dir) {
  SourceSpec spec;
  const auto kind = s.choice("kind", {"pcap", "synthetic", "poisson", "onoff"});
  if (!kind)
    s.fail("kind", "is required: one of \"pcap\", \"synthetic\", \"poisson\", \"onoff\"");
  spec.kind = parse_source_kind(*kind);
  if (spec.kind == SourceKind::kPcap) {
    read_pcap_source(s, base_dir, spec);
  } else {
    spec.rate = s.rate("rate");
    spec.duration = s.duration("duration");
    if (auto st = s.duration("start"))
      spec.start = *st;
    if (spec.kind == SourceKind::kSynthetic)
      read_synthetic_source(s, base_dir, spec);
    else
      read_cross_traffic(s, spec);
  }
  s.finish();
  return spec;
}

// Whether a duration is written negative ("-5ms", -2): the duration parser rejects those as
// malformed, and buffer_time names the problem instead.
bool written_negative(const toml::node& node) {
  if (const auto* s = node.as_string()) {
    const auto first = s->get().find_first_not_of(" \t");
    return first != std::string::npos && s->get()[first] == '-';
  }
  if (const auto* i = node.as_integer())
    return i->get() < 0;
  if (const auto* f = node.as_floating_point())
    return f->get() < 0;
  return false;
}

net::OutputPortConfig read_port(TomlSection& s, std::size_t index) {
  net::OutputPortConfig port;
  port.name = s.string("name").value_or(fmt::format("egress{}", index));
  // 1 kb/s at least: slower ports push a modest backlog past the int64 picosecond range.
  if (auto r = s.rate("rate", 1000))
    port.rate = *r;
  if (auto k = s.integer("buffer_packets", 1, kMaxInt)) {
    port.buffer.packets = static_cast<std::uint64_t>(*k);
  }
  if (auto b = s.bytes("buffer_bytes")) {
    if (b->value == 0)
      s.fail("buffer_bytes", "expected at least 1 byte");
    port.buffer.bytes = b->value;
  }
  // buffer_time: the byte limit as time at the port's rate, converted by the port itself once
  // its rate is final (a utilization target may still change it).
  constexpr const char* kPositiveTime =
      "expected a positive duration like \"10ms\" (time of traffic at the port's rate)";
  if (const auto* raw = s.any("buffer_time"); raw && written_negative(*raw))
    s.fail("buffer_time", fmt::format("{}, got a negative one", kPositiveTime));
  if (auto t = s.duration("buffer_time")) {
    if (t->count() <= 0)
      s.fail("buffer_time", fmt::format("{}, got {}", kPositiveTime, core::format_duration(*t)));
    if (*t > kMaxBufferTime) {
      s.fail("buffer_time",
             fmt::format("expected at most 1 hour of traffic, got {}", core::format_duration(*t)));
    }
    if (port.buffer.bytes) {
      s.fail("buffer_time",
             "cannot be combined with buffer_bytes: both give the byte limit (buffer_time as "
             "ceil(rate * time / 8) bytes); give one of them. buffer_packets may be combined "
             "with either");
    }
    port.buffer.time = *t;
  }
  if (auto c = s.boolean("count_in_service"))
    port.buffer.count_in_service = *c;
  if (auto o = s.choice("byte_occupancy", {"in_system", "unfinished_work"})) {
    port.buffer.byte_occupancy =
        *o == "in_system" ? net::ByteOccupancy::kInSystem : net::ByteOccupancy::kUnfinishedWork;
  }
  if (auto p = s.duration("propagation")) {
    if (*p > kMaxFixedDelay)
      s.fail("propagation", "expected at most one day");
    port.propagation = *p;
  }
  s.finish();
  return port;
}

net::RouterConfig read_router(TomlSection& s) {
  net::RouterConfig router;
  if (auto d = s.duration("processing_delay")) {
    if (*d > kMaxFixedDelay)
      s.fail("processing_delay", "expected at most one day");
    router.processing_delay = *d;
  }
  auto ports = s.tables("port");
  if (!ports.empty()) {
    router.egress.clear();
    for (std::size_t i = 0; i < ports.size(); ++i)
      router.egress.push_back(read_port(ports[i], i));
  }
  // "ns3" follows ns-3's conventions on every port, for cross-checks against ns-3.
  if (auto t = s.choice("timing", {"exact", "ns3"}); t && *t == "ns3") {
    for (net::OutputPortConfig& port : router.egress) {
      port.tie_order = net::TieOrder::kArrivalFirst;
      port.serialization_rounding = net::SerializationRounding::kNs3Nanoseconds;
    }
  }
  const auto max_port = static_cast<std::int64_t>(router.egress.size()) - 1;
  if (auto f = s.choice("forwarding", {"single", "dst_prefix_hash", "table"})) {
    router.forwarding.kind = *f == "single"            ? net::ForwardingKind::kSingle
                             : *f == "dst_prefix_hash" ? net::ForwardingKind::kDstPrefixHash
                                                       : net::ForwardingKind::kTable;
  }
  if (auto p = s.integer("default_port", 0, max_port)) {
    router.forwarding.default_port = static_cast<models::PortId>(*p);
  }
  if (auto l = s.integer("prefix_length_v4", 0, 32))
    router.forwarding.prefix_length_v4 = *l;
  if (auto l = s.integer("prefix_length_v6", 0, 128))
    router.forwarding.prefix_length_v6 = *l;
  for (auto& r : s.tables("route")) {
    net::Route route;
    auto prefix = r.string("prefix");
    if (!prefix)
      r.fail("prefix", "is required, e.g. \"10.0.0.0/8\"");
    route.prefix = *prefix;
    auto port = r.integer("port", 0, max_port);
    if (!port)
      r.fail("port", "is required");
    route.port = static_cast<models::PortId>(*port);
    r.finish();
    router.forwarding.routes.push_back(route);
  }
  s.finish();
  return router;
}

UtilizationSpec read_utilization(TomlSection& s) {
  UtilizationSpec u;
  u.target = s.number("target", 1e-6, 1.0);
  if (auto m = s.choice("mode", {"scale_rate", "cross_traffic", "scale_source"})) {
    u.mode = *m == "scale_rate"      ? UtilizationMode::kScaleRate
             : *m == "cross_traffic" ? UtilizationMode::kCrossTraffic
                                     : UtilizationMode::kScaleSource;
  }
  if (auto k = s.choice("cross_kind", {"poisson", "onoff"}))
    u.cross_kind = parse_source_kind(*k);
  if (auto m = s.string("cross_size_mix"))
    u.cross_size_mix = *m;
  s.finish();
  return u;
}

}  // namespace

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kPcap:
      return "pcap";
    case SourceKind::kSynthetic:
      return "synthetic";
    case SourceKind::kPoisson:
      return "poisson";
    case SourceKind::kOnOff:
      return "onoff";
  }
  return "?";
}

namespace {

CompareSpec read_compare(TomlSection& s, const toml::table& root, bool budget_applied) {
  CompareSpec c;
  c.budget = s.number("budget", 1e-9, 1.0);
  s.finish();
  if (c.budget && !budget_applied) {
    for (const auto key : kBudgetKeys) {
      if (root.at_path(key)) {
        s.fail("budget", fmt::format("sets {} from the budget; remove {} or the budget", key, key));
      }
    }
  }
  return c;
}

ExperimentConfig parse_config_impl(std::string_view text, const std::string& name,
                                   const std::vector<std::string>& overrides,
                                   const std::string& base_dir, bool budget_applied) {
  toml::table root = parse_toml(text, name);
  for (const auto& o : overrides)
    apply_override(root, o);

  ExperimentConfig config;
  config.file = name;
  config.base_dir = base_dir;
  TomlSection top(root, "", name);
  if (auto seed = top.integer("seed", 0, kMaxInt))
    config.seed = static_cast<std::uint64_t>(*seed);
  config.duration = top.duration("duration");
  for (auto& s : top.tables("source"))
    config.sources.push_back(read_source(s, base_dir));
  if (config.sources.empty()) {
    top.fail("source", "at least one [[source]] table is required");
  }
  if (auto r = top.table("router"))
    config.router = read_router(*r);
  if (auto u = top.table("utilization"))
    config.utilization = read_utilization(*u);
  if (auto t = top.table("truth")) {
    if (auto q = t->boolean("quantiles"))
      config.truth.quantiles = *q;
    if (auto e = t->integer("exact_packets", 1, 65535))
      config.truth.exact_packets = static_cast<std::uint32_t>(*e);
    if (auto a = t->number("relative_accuracy", 1e-6, 0.5))
      config.truth.relative_accuracy = *a;
    if (auto d = t->duration("flow_timeout")) {
      if (d->count() < 0)
        t->fail("flow_timeout", "expected a duration >= 0 (0: flows never end)");
      config.truth.flow_timeout = *d;
    }
    t->finish();
  }
  if (auto r = top.table("rli"))
    config.rli = read_rli(*r, config.router.egress.size(), config.seed);
  for (const auto& plugin : estimator_plugins()) {
    if (auto t = top.table(plugin.section)) {
      for (auto& spec : plugin.read(*t, config.seed))
        config.estimators.push_back(std::move(spec));
    }
  }
  if (auto t = top.table("compare"))
    config.compare = read_compare(*t, root, budget_applied);
  if (auto t = top.table("topology"))
    config.topology = read_topology_run(*t, base_dir);
  top.finish();

  config.resolved_toml = toml_document_text(root) + "\n";
  std::ostringstream json_text;
  json_text << toml::json_formatter{root};
  config.resolved_json = json_text.str();
  return config;
}

}  // namespace

ExperimentConfig parse_config(std::string_view text, const std::string& name,
                              const std::vector<std::string>& overrides,
                              const std::string& base_dir) {
  return parse_config_impl(text, name, overrides, base_dir, false);
}

ExperimentConfig with_derived_settings(const ExperimentConfig& config,
                                       const std::vector<std::string>& overrides) {
  // resolved_toml is the configuration as written, so earlier derived settings go first.
  auto all = config.derived_settings;
  all.insert(all.end(), overrides.begin(), overrides.end());
  ExperimentConfig applied =
      parse_config_impl(config.resolved_toml, config.file, all, config.base_dir, true);
  applied.resolved_toml = config.resolved_toml;
  applied.resolved_json = config.resolved_json;
  applied.derived_settings = std::move(all);
  return applied;
}

ExperimentConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = core::read_text_file(path, "configuration file");
  const auto base = std::filesystem::path(path).parent_path().string();
  return parse_config(text, path, overrides, base.empty() ? "." : base);
}

}  // namespace rlisim::config
