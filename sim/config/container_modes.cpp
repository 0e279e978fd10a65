#include "sim/config/container_modes.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/config/embedded_data.hpp"
#include "sim/config/toml_section.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"

namespace rlisim::config {
namespace mc = models::container;
namespace {

// Longest accepted stack-model time: far beyond any plausible per-packet kernel cost.
constexpr core::Time kMaxTime = core::seconds(1);
constexpr std::string_view kTags[] = {"primary:", "derived:", "reported:", "model:", "fitted:"};
constexpr const char* kDirectionKeys[] = {
    "fixed_floor", "fixed_median", "fixed_sigma",      "cold_extra",  "cold_jitter_sd",
    "service",     "service_cv",   "tail_probability", "tail_median", "tail_sigma"};

core::Time required_time(TomlSection& s, std::string_view key) {
  const auto v = s.duration(key);
  if (!v)
    s.fail(key, "missing (a duration like \"4.5us\")");
  if (*v > kMaxTime)
    s.fail(key, fmt::format("expected at most 1 s, got {}", core::format_duration(*v)));
  return *v;
}

double required_number(TomlSection& s, std::string_view key, double min, double max) {
  const auto v = s.number(key, min, max);
  if (!v)
    s.fail(key, fmt::format("missing (a number in [{}, {}])", min, max));
  return *v;
}

mc::DirectionParams parse_direction(TomlSection& s) {
  mc::DirectionParams p;
  p.fixed_floor = required_time(s, "fixed_floor");
  p.fixed_median = required_time(s, "fixed_median");
  p.fixed_sigma = required_number(s, "fixed_sigma", 0.0, 5.0);
  p.cold_extra = required_time(s, "cold_extra");
  p.cold_jitter_sd = required_time(s, "cold_jitter_sd");
  p.service = required_time(s, "service");
  p.service_cv = required_number(s, "service_cv", 0.0, 10.0);
  p.tail_probability = required_number(s, "tail_probability", 0.0, 1.0);
  p.tail_median = required_time(s, "tail_median");
  p.tail_sigma = required_number(s, "tail_sigma", 0.0, 5.0);
  s.finish();
  return p;
}

mc::DirectionParams direction(TomlSection& mode, std::string_view key) {
  auto s = mode.table(key);
  if (!s)
    mode.fail(key, fmt::format("missing [{}.{}] table", mode.path(), key));
  return parse_direction(*s);
}

ContainerModeEntry parse_mode(TomlSection& parent, TomlSection& s, const std::string& name) {
  ContainerModeEntry entry;
  entry.name = name;
  const auto mode_name = s.string("mode").value_or(name);
  const auto mode = mc::parse_network_mode(mode_name);
  if (!mode) {
    const auto what = fmt::format(
        "unknown network mode \"{}\" (expected host, bridge, bridge-nat, macvlan, "
        "routed, vxlan or userspace-overlay, or set mode = \"...\")",
        mode_name);
    if (s.any("mode"))
      s.fail("mode", what);
    parent.fail(name, what);
  }
  entry.params.mode = *mode;
  entry.params.cold_gap = required_time(s, "cold_gap");
  if (entry.params.cold_gap.count() == 0)
    s.fail("cold_gap", "expected a positive duration");
  entry.params.wire_overhead_bytes =
      static_cast<std::uint32_t>(s.integer("wire_overhead_bytes", 0, 1000).value_or(0));
  entry.params.egress = direction(s, "egress");
  entry.params.ingress = direction(s, "ingress");
  if (auto src = s.table("source")) {
    const auto& known = container_mode_parameter_keys();
    for (const auto& key : src->keys()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        src->fail(key,
                  fmt::format("unknown parameter (expected one of {})", fmt::join(known, ", ")));
      }
      auto text = src->string(key);
      bool tagged = false;
      for (auto tag : kTags)
        tagged = tagged || text->starts_with(tag);
      if (!tagged) {
        src->fail(key,
                  "expected \"primary: ...\", \"derived: ...\", \"reported: ...\", "
                  "\"model: ...\" or \"fitted: ...\"");
      }
      entry.sources.emplace(key, std::move(*text));
    }
  }
  s.finish();
  try {
    mc::validate(entry.params);
  } catch (const std::invalid_argument& e) {
    parent.fail(name, e.what());
  }
  return entry;
}

std::string format_time(core::Time t) {
  // Microseconds with up to six decimals: exact at picosecond resolution.
  auto text = fmt::format("{:.6f}", static_cast<double>(t.count()) * 1e-6);
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.')
    text.pop_back();
  return text + "us";
}

std::string toml_quote(std::string_view text) {
  std::string q = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      q += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      q += c;
    }
  }
  return q + "\"";
}

void write_direction(std::ostream& out, const std::string& table, const mc::DirectionParams& p) {
  out << fmt::format("\n[{}]\n", table);
  out << fmt::format("fixed_floor = \"{}\"\n", format_time(p.fixed_floor));
  out << fmt::format("fixed_median = \"{}\"\n", format_time(p.fixed_median));
  out << fmt::format("fixed_sigma = {:.6g}\n", p.fixed_sigma);
  out << fmt::format("cold_extra = \"{}\"\n", format_time(p.cold_extra));
  out << fmt::format("cold_jitter_sd = \"{}\"\n", format_time(p.cold_jitter_sd));
  out << fmt::format("service = \"{}\"\n", format_time(p.service));
  out << fmt::format("service_cv = {:.6g}\n", p.service_cv);
  out << fmt::format("tail_probability = {:.6g}\n", p.tail_probability);
  out << fmt::format("tail_median = \"{}\"\n", format_time(p.tail_median));
  out << fmt::format("tail_sigma = {:.6g}\n", p.tail_sigma);
}

}  // namespace

const std::vector<std::string>& container_mode_parameter_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"cold_gap", "wire_overhead_bytes"};
    for (const char* dir : {"egress", "ingress"}) {
      for (const char* key : kDirectionKeys)
        k.push_back(fmt::format("{}.{}", dir, key));
    }
    return k;
  }();
  return keys;
}

const ContainerModeEntry* ContainerModeCatalog::find(std::string_view name) const {
  for (const auto& m : modes) {
    if (m.name == name)
      return &m;
  }
  return nullptr;
}

const mc::ModeParams& ContainerModeCatalog::at(std::string_view name) const {
  if (const auto* m = find(name))
    return m->params;
  std::vector<std::string_view> names;
  for (const auto& m : modes)
    names.push_back(m.name);
  throw core::ConfigError(fmt::format("{}: no container mode \"{}\" (modes here: {})", file, name,
                                      fmt::join(names, ", ")));
}

const mc::ModeParams& ContainerModeCatalog::at(mc::NetworkMode mode) const {
  for (const auto& m : modes) {
    if (m.params.mode == mode)
      return m.params;
  }
  throw core::ConfigError(
      fmt::format("{}: no entry for container mode \"{}\"", file, mc::to_string(mode)));
}

ContainerModeCatalog parse_container_modes(std::string_view text, const std::string& name) {
  const toml::table root = parse_toml(text, name);
  TomlSection top(root, "", name);
  ContainerModeCatalog catalog;
  catalog.file = name;
  auto modes = top.table("modes");
  if (!modes)
    top.fail("modes", "missing [modes.NAME] tables");
  for (const auto& mode_name : modes->keys()) {
    auto section = modes->table(mode_name);
    if (catalog.find(mode_name))
      modes->fail(mode_name, "duplicate mode");
    if (!section)
      modes->fail(mode_name, "expected a table [modes.NAME]");
    catalog.modes.push_back(parse_mode(*modes, *section, mode_name));
  }
  if (catalog.modes.empty())
    top.fail("modes", "expected at least one [modes.NAME] table");
  top.finish();
  return catalog;
}

ContainerModeCatalog load_container_modes(const std::string& path) {
  return parse_container_modes(core::read_text_file(path, "container modes file"), path);
}

ContainerModeCatalog default_container_modes() {
  // Every topology file starts from this catalog: parse the built-in text once per process.
  static const ContainerModeCatalog catalog =
      parse_container_modes(embedded::kContainerModes, "configs/container/modes.toml (built in)");
  return catalog;
}

ContainerModeCatalog container_modes_with(const std::string& path) {
  if (path.empty())
    return default_container_modes();
  auto catalog = load_container_modes(path);
  for (const auto& entry : default_container_modes().modes) {
    if (!catalog.find(entry.name))
      catalog.modes.push_back(entry);
  }
  return catalog;
}

void write_container_mode(std::ostream& out, const ContainerModeEntry& entry) {
  const auto table = fmt::format("modes.{}", entry.name);
  out << fmt::format("[{}]\n", table);
  if (entry.name != mc::to_string(entry.params.mode))
    out << fmt::format("mode = \"{}\"\n", mc::to_string(entry.params.mode));
  out << fmt::format("cold_gap = \"{}\"\n", format_time(entry.params.cold_gap));
  out << fmt::format("wire_overhead_bytes = {}\n", entry.params.wire_overhead_bytes);
  write_direction(out, table + ".egress", entry.params.egress);
  write_direction(out, table + ".ingress", entry.params.ingress);
  if (!entry.sources.empty()) {
    out << fmt::format("\n[{}.source]\n", table);
    for (const auto& [key, text] : entry.sources) {
      out << fmt::format("\"{}\" = {}\n", key, toml_quote(text));
    }
  }
}

}  // namespace rlisim::config
