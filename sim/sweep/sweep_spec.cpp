#include "sim/sweep/sweep_spec.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/uuid.hpp>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/config/experiment_config.hpp"
#include "sim/config/toml_section.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/run/report/result_writer.hpp"

namespace rlisim::sweep {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMaxPoints = 1'000'000;
constexpr std::uint64_t kSeedMask = (std::uint64_t{1} << 53) - 1;

// Renders a generated range value so that 0.1 steps print as 0.3, not 0.30000000000000004.
std::string number_text(double v, bool integral) {
  if (integral)
    return fmt::format("{}", static_cast<std::int64_t>(std::llround(v)));
  std::string s = fmt::format("{}", std::stod(fmt::format("{:.12g}", v)));
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";  // stays a TOML float
  return s;
}

std::string grid_too_large(double values, double max_values) {
  return fmt::format(
      "the range has {:.0f} values; the grid has room for {:.0f} more (at most {} "
      "points in all)",
      values, std::floor(max_values), kMaxPoints);
}

// A TOML value as an override takes it ("0.5", "\"chic\"", "[ 1, 2 ]").
std::string toml_text(const toml::node& node) {
  if (const auto* f = node.as_floating_point()) {
    // Shortest text that reads back exactly (0.9, not 0.90000000000000002).
    const double v = f->get();
    if (std::isnan(v))
      return "nan";
    if (std::isinf(v))
      return v > 0 ? "inf" : "-inf";
    return number_text(v, false);
  }
  return config::toml_value_text(node);
}

// How a value is reported: strings without their quotes, everything else as TOML.
std::string label_of(const toml::node& node) {
  if (const auto* s = node.as_string())
    return s->get();
  return toml_text(node);
}

// An unquoted dotted key (utilization.target = 0.5) makes nested tables in TOML; applied as an
// override, such a table would replace the whole configuration table. Inline tables are kept:
// replacing a table is what they say.
bool is_dotted_key_table(const toml::node& node) {
  const auto* t = node.as_table();
  return t != nullptr && !t->is_inline();
}

constexpr std::string_view kQuoteDottedKeys =
    "quote dotted key paths (\"utilization.target\" = 0.5): unquoted, TOML reads them as "
    "nested tables";

AxisValue single(const std::string& key, const std::string& value, const std::string& label) {
  return AxisValue{.overrides = {Override{key, value}}, .params = {Param{key, label}}};
}

// `max_values` is what the grid has room for beside the axes read before, so that a file of
// several huge ranges is refused before any of them is generated.
std::vector<AxisValue> range_values(config::TomlSection& range, const std::string& key,
                                    double max_values) {
  const toml::node* from_node = range.any("from");
  const toml::node* to_node = range.any("to");
  const auto from = range.number("from", -1e300, 1e300);
  const auto to = range.number("to", -1e300, 1e300);
  const auto step = range.number("step", -1e300, 1e300);
  const auto count = range.integer("count", 1, kMaxPoints);
  const auto scale = range.choice("scale", {"linear", "log"}).value_or("linear");
  range.finish();
  if (!from || !to)
    range.fail("from", "a range needs 'from' and 'to'");
  if (step.has_value() == count.has_value())
    range.fail("step", "a range needs exactly one of 'step' (linear) or 'count'");
  std::vector<double> values;
  bool integral = from_node->is_integer() && to_node->is_integer();
  if (step) {
    if (scale != "linear")
      range.fail("scale", "'step' ranges are linear; use 'count' for a log scale");
    if (*step == 0 || (*to - *from) / *step < 0)
      range.fail("step",
                 fmt::format("a step of {} never reaches 'to' = {} from {}", *step, *to, *from));
    integral = integral && range.any("step")->is_integer();
    // Inclusive of `to` up to rounding: 0.2 to 0.9 by 0.1 gives 8 values.
    const double n = std::floor((*to - *from) / *step + 1e-9);
    if (n + 1 > max_values)
      range.fail("step", grid_too_large(n + 1, max_values));
    for (std::int64_t i = 0; i <= static_cast<std::int64_t>(n); ++i)
      values.push_back(*from + static_cast<double>(i) * *step);
  } else {
    if (scale == "log" && (*from <= 0 || *to <= 0))
      range.fail("scale", "a log range needs 'from' and 'to' above 0");
    if (static_cast<double>(*count) > max_values)
      range.fail("count", grid_too_large(static_cast<double>(*count), max_values));
    for (std::int64_t i = 0; i < *count; ++i) {
      const double t = *count == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(*count - 1);
      values.push_back(scale == "log" ? *from * std::pow(*to / *from, t)
                                      : *from + t * (*to - *from));
    }
    // Integer ends with a count give integers only where every value is one.
    for (const double v : values)
      integral = integral && std::abs(v - std::round(v)) < 1e-9;
  }
  std::vector<AxisValue> out;
  out.reserve(values.size());
  for (const double v : values) {
    const auto text = number_text(v, integral);
    out.push_back(single(key, text, text));
  }
  return out;
}

// Two positions of one axis that set the same overrides would run the same points twice; two
// with the same label would give different points one name (and one derived seed). `nodes`
// locate the positions in the file.
void reject_repeated_values(const config::TomlSection& a, std::string_view key, const Axis& axis,
                            const std::vector<const toml::node*>& nodes) {
  std::map<std::string, std::size_t> settings;
  std::map<std::string, std::size_t> labels;
  for (std::size_t i = 0; i < axis.values.size(); ++i) {
    std::vector<std::string> assignments;
    for (const auto& o : axis.values[i].overrides)
      assignments.push_back(o.assignment());
    std::sort(assignments.begin(), assignments.end());
    std::vector<std::string> names;
    for (const auto& p : axis.values[i].params)
      names.push_back(fmt::format("{}={}", p.name, p.value));
    const std::pair<std::map<std::string, std::size_t>*, std::string> checks[] = {
        {&settings, fmt::format("{}", fmt::join(assignments, ", "))},
        {&labels, fmt::format("{}", fmt::join(names, ", "))}};
    for (const auto& [seen, text] : checks) {
      if (const auto [first, fresh] = seen->emplace(text, i); !fresh) {
        throw core::ConfigError(
            fmt::format("{}: key '{}.{}': {} is on this axis twice (positions {} and {}); list "
                        "each value once",
                        a.where(nodes[i]), a.path(), key, text, first->second, i));
      }
    }
  }
}
// A range runs one way, so two of its values that print alike are neighbours: comparing each
// with the one before finds every repeat without a set of up to a million strings.
void reject_repeated_range_values(config::TomlSection& a, const Axis& axis) {
  for (std::size_t i = 1; i < axis.values.size(); ++i) {
    const auto& text = axis.values[i].overrides.front().assignment();
    if (text == axis.values[i - 1].overrides.front().assignment()) {
      throw core::ConfigError(fmt::format(
          "{}: key '{}.range': {} is on this axis twice (positions {} and {}); list each value "
          "once",
          a.where(a.any("range")), a.path(), text, i - 1, i));
    }
  }
}

// key + values or key + range: the one key set to each value.
void read_key_axis(config::TomlSection& a, const std::string& key, const toml::node* values,
                   std::optional<config::TomlSection>& range, double max_values, Axis& axis) {
  if (range) {
    axis.values = range_values(*range, key, max_values);
    reject_repeated_range_values(a, axis);
    return;
  }
  std::vector<const toml::node*> nodes;  // where each value is in the file
  {
    const auto* array = values->as_array();
    if (!array || array->empty())
      a.fail("values", "expected a non-empty array of values");
    for (const auto& v : *array) {
      axis.values.push_back(single(key, toml_text(v), label_of(v)));
      nodes.push_back(&v);
    }
  }
  reject_repeated_values(a, "values", axis, nodes);
}

// keys + values: rows of values, one per key, set together.
void read_zipped_axis(config::TomlSection& a, const toml::node* keys_node, const toml::node* values,
                      const std::optional<std::string>& name, Axis& axis) {
  std::vector<const toml::node*> nodes;  // where each value is in the file
  const auto* key_array = keys_node->as_array();
  std::vector<std::string> zipped;
  if (key_array) {
    for (const auto& k : *key_array) {
      if (!k.is_string())
        a.fail("keys", "expected an array of configuration keys (strings)");
      zipped.push_back(k.as_string()->get());
    }
  }
  if (zipped.empty())
    a.fail("keys", "expected a non-empty array of configuration keys");
  std::set<std::string> distinct;
  for (const auto& k : zipped) {
    if (!distinct.insert(k).second)
      a.fail("keys", fmt::format("'{}' is listed twice", k));
  }
  axis.name = name.value_or(fmt::format("{}", fmt::join(zipped, "+")));
  const auto* rows = values ? values->as_array() : nullptr;
  if (!rows || rows->empty())
    a.fail("values", "expected rows of values, one value per key: [[0.5, \"5Gbps\"], ...]");
  for (std::size_t r = 0; r < rows->size(); ++r) {
    const auto* row = rows->get(r)->as_array();
    if (!row || row->size() != zipped.size()) {
      a.fail("values",
             fmt::format("row {}: expected an array of {} values (one per key)", r, zipped.size()));
    }
    AxisValue value;
    for (std::size_t k = 0; k < zipped.size(); ++k) {
      value.overrides.push_back(Override{zipped[k], toml_text(*row->get(k))});
      value.params.push_back(Param{zipped[k], label_of(*row->get(k))});
    }
    axis.values.push_back(std::move(value));
    nodes.push_back(rows->get(r));
  }
  reject_repeated_values(a, "values", axis, nodes);
}

// variants: tables of overrides, each labelled by its overrides or by 'labels'.
void read_variants_axis(config::TomlSection& a, const toml::node* variants,
                        const toml::node* labels, const std::optional<std::string>& name,
                        Axis& axis) {
  std::vector<const toml::node*> nodes;  // where each value is in the file
  if (!name)
    a.fail("variants", "a variants axis needs a 'name' to report its labels under");
  axis.name = *name;
  const auto* array = variants->as_array();
  if (!array || array->empty())
    a.fail("variants", "expected a non-empty array of tables of overrides");
  const auto* label_array = labels ? labels->as_array() : nullptr;
  if (labels && (!label_array || label_array->size() != array->size()))
    a.fail("labels", fmt::format("expected {} labels, one per variant", array->size()));
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* t = array->get(i)->as_table();
    if (!t || t->empty())
      a.fail("variants", fmt::format("variant {}: expected a table of key = value overrides", i));
    AxisValue value;
    std::vector<std::string> parts;
    for (const auto& [k, v] : *t) {
      if (is_dotted_key_table(v))
        a.fail("variants", fmt::format("variant {}: key '{}': {}", i, k.str(), kQuoteDottedKeys));
      value.overrides.push_back(Override{std::string(k.str()), toml_text(v)});
      parts.push_back(fmt::format("{}={}", k.str(), label_of(v)));
    }
    std::string label = fmt::format("{}", fmt::join(parts, " "));
    if (label_array) {
      const auto* l = label_array->get(i)->as_string();
      if (!l)
        a.fail("labels", fmt::format("label {}: expected a string", i));
      label = l->get();
    }
    value.params.push_back(Param{axis.name, label});
    axis.values.push_back(std::move(value));
    nodes.push_back(array->get(i));
  }
  reject_repeated_values(a, "variants", axis, nodes);
}

Axis read_axis(config::TomlSection& a, double max_values) {
  Axis axis;
  const auto name = a.string("name");
  const auto key = a.string("key");
  const toml::node* keys_node = a.any("keys");
  const toml::node* values = a.any("values");
  auto range = a.table("range");
  const toml::node* variants = a.any("variants");
  const toml::node* labels = a.any("labels");
  a.finish();
  const int forms =
      (key && values) + (key && range.has_value()) + (keys_node != nullptr) + (variants != nullptr);
  if (forms != 1 || (key && keys_node) || (key && variants)) {
    a.fail("key",
           "an axis is one of: key + values, key + range, keys + values (rows), or variants");
  }
  if (labels && !variants)
    a.fail("labels", "labels name the entries of 'variants'");
  if (key) {
    axis.name = name.value_or(*key);
    read_key_axis(a, *key, values, range, max_values, axis);
  } else if (keys_node) {
    read_zipped_axis(a, keys_node, values, name, axis);
  } else {
    read_variants_axis(a, variants, labels, name, axis);
  }
  return axis;
}

// The key (or keys, or variants) that says what an axis sets: where its errors point.
std::string_view axis_form(config::TomlSection& a) {
  return a.any("key") ? "key" : a.any("keys") ? "keys" : "variants";
}

// Each axis as read, refusing a configuration key that two axes set: the later one would
// override the earlier while both label the points.
std::vector<Axis> read_axes(config::TomlSection& top, std::int64_t repetitions) {
  std::vector<Axis> axes;
  double points = static_cast<double>(repetitions);
  auto sections = top.tables("axis");
  std::map<std::string, std::size_t> axis_of_key;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    auto& a = sections[i];
    axes.push_back(read_axis(a, static_cast<double>(kMaxPoints) / points));
    points *= static_cast<double>(axes.back().values.size());
    std::set<std::string> keys;
    for (const auto& v : axes.back().values) {
      for (const auto& o : v.overrides)
        keys.insert(o.key);
    }
    for (const auto& key : keys) {
      const auto [first, fresh] = axis_of_key.emplace(key, i);
      if (!fresh) {
        auto& other = sections[first->second];
        a.fail(axis_form(a),
               fmt::format("'{}' is also set by axis {} ({}); sweep a key on one "
                           "axis only (zip keys that move together with 'keys')",
                           key, first->second, other.where(other.any(axis_form(other)))));
      }
    }
  }
  return axes;
}

}  // namespace

std::string content_hash(const std::string& text) {
  // A fixed namespace UUID makes the hash depend on nothing but the text.
  static const boost::uuids::uuid kNamespace = {{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                                 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
  const boost::uuids::name_generator_sha1 gen(kNamespace);
  const boost::uuids::uuid id = gen(text);
  std::string out;
  for (const auto byte : id)
    out += fmt::format("{:02x}", byte);
  return out;
}

std::uint64_t derive_seed(const std::string& point_key, std::int64_t repetition,
                          std::uint64_t salt) {
  const std::string hex = content_hash(fmt::format("seed|{}|{}|{}", salt, repetition, point_key));
  // The first 12 hex digits precede the UUID's version nibble; 53 bits need 14 digits, so the
  // last two come from after it (digits 13-14, skipping the version digit 12).
  const std::uint64_t high = std::stoull(hex.substr(0, 12), nullptr, 16);
  const std::uint64_t low = std::stoull(hex.substr(13, 2), nullptr, 16);
  return ((high << 8) | low) & kSeedMask;
}

SweepSpec parse_sweep(const std::string& text, const std::string& name,
                      const std::string& base_dir) {
  toml::table root = config::parse_toml(text, name);
  SweepSpec spec;
  spec.file = name;
  spec.text = text;
  config::TomlSection top(root, "", name);
  const auto base = top.string("base");
  if (!base)
    top.fail("base", "a sweep needs 'base', the configuration file every point starts from");
  spec.base = (fs::path(base_dir) / *base).lexically_normal().string();
  spec.name = top.string("name").value_or(fs::path(name).stem().string());
  spec.repetitions = top.integer("repetitions", 1, 100'000).value_or(1);
  spec.seed = static_cast<std::uint64_t>(top.integer("seed", 0, kSeedMask).value_or(1));
  if (const auto db = top.string("database"))
    spec.database = (fs::path(base_dir) / *db).lexically_normal().string();
  if (auto set = top.table("set")) {
    for (const auto& key : set->keys()) {
      if (is_dotted_key_table(*set->any(key)))
        set->fail(key, std::string(kQuoteDottedKeys));
      spec.fixed.push_back(Override{key, toml_text(*set->any(key))});
    }
  }
  spec.axes = read_axes(top, spec.repetitions);
  top.finish();

  const auto sets_seed = [](const std::vector<Override>& overrides) {
    for (const auto& o : overrides) {
      if (o.key == "seed")
        return true;
    }
    return false;
  };
  spec.explicit_seed = sets_seed(spec.fixed);
  double points = static_cast<double>(spec.repetitions);
  for (const auto& axis : spec.axes) {
    points *= static_cast<double>(axis.values.size());
    for (const auto& v : axis.values)
      spec.explicit_seed = spec.explicit_seed || sets_seed(v.overrides);
  }
  if (spec.explicit_seed && spec.repetitions > 1) {
    top.fail("repetitions",
             "the sweep sets 'seed' itself ([set] or an axis), so repetitions would rerun "
             "identical points; sweep the seed as an axis or drop it to get derived seeds");
  }
  if (points > static_cast<double>(kMaxPoints))
    top.fail("axis", fmt::format("the grid has {:.0f} points, more than {}", points, kMaxPoints));
  return spec;
}

SweepSpec load_sweep(const std::string& path) {
  const std::string text = core::read_text_file(path, "sweep file");
  const auto dir = fs::path(path).parent_path();
  return parse_sweep(text, path, dir.empty() ? "." : dir.string());
}

std::vector<Point> expand(const SweepSpec& spec) {
  std::vector<Point> out;
  std::vector<std::size_t> at(spec.axes.size(), 0);
  for (;;) {
    Point grid;
    grid.overrides = spec.fixed;
    std::vector<std::string> key_parts;
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
      const AxisValue& v = spec.axes[a].values[at[a]];
      grid.overrides.insert(grid.overrides.end(), v.overrides.begin(), v.overrides.end());
      for (const auto& p : v.params) {
        grid.params.push_back(p);
        key_parts.push_back(fmt::format("{}={}", p.name, p.value));
      }
    }
    grid.key = fmt::format("{}", fmt::join(key_parts, ", "));
    for (std::int64_t r = 0; r < spec.repetitions; ++r) {
      Point p = grid;
      p.index = out.size();
      p.repetition = r;
      if (!spec.explicit_seed) {
        p.seed = derive_seed(p.key, r, spec.seed);
        p.overrides.push_back(Override{"seed", fmt::format("{}", p.seed)});
      }
      out.push_back(std::move(p));
    }
    // Odometer over the axes, last axis fastest.
    std::size_t a = spec.axes.size();
    while (a > 0 && ++at[a - 1] == spec.axes[a - 1].values.size())
      at[--a] = 0;
    if (a == 0)
      break;
  }
  return out;
}

void resolve(const SweepSpec& spec, std::vector<Point>& points) {
  for (auto& p : points) {
    std::vector<std::string> assignments;
    for (const auto& o : p.overrides)
      assignments.push_back(o.assignment());
    config::ExperimentConfig config;
    try {
      config = config::load_config(spec.base, assignments);
    } catch (const core::ConfigError& e) {
      throw core::ConfigError(fmt::format("{}: point {} ({}{}): {}", spec.file, p.index,
                                          p.key.empty() ? "the base" : p.key,
                                          fmt::format(", repetition {}", p.repetition), e.what()));
    }
    if (spec.explicit_seed)
      p.seed = config.seed;
    p.config_toml = config.resolved_toml;
    // A trace is identified by path, size and modification time: cheap, and a regenerated or
    // replaced file changes the hash (its content is not read twice per point).
    std::string identity = p.config_toml;
    for (const auto& source : config.sources) {
      if (source.kind != config::SourceKind::kPcap || source.path == "-")
        continue;
      std::error_code ec;
      // Canonical, so the same trace named by a relative or an absolute path is one identity.
      const auto canonical = fs::weakly_canonical(source.path, ec);
      const std::string path = ec ? source.path : canonical.string();
      ec.clear();
      const auto size = fs::file_size(source.path, ec);
      const auto mtime = fs::last_write_time(source.path, ec);
      identity += fmt::format("\n#trace {} {} {}", path, ec ? 0 : size,
                              ec ? 0 : mtime.time_since_epoch().count());
    }
    identity += fmt::format("\n#rlisim {}", run::version());
    p.hash = content_hash(identity);
  }
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  const auto bad = [&text] {
    return core::ConfigError(
        fmt::format("--shard '{}': expected K/N with 0 <= K < N, e.g. 0/4", text));
  };
  if (slash == std::string::npos)
    throw bad();
  const auto k = text.substr(0, slash);
  const auto n = text.substr(slash + 1);
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(k) || !digits(n))
    throw bad();
  Shard shard{.index = std::stoul(k), .count = std::stoul(n)};
  if (shard.count == 0 || shard.index >= shard.count)
    throw bad();
  return shard;
}

}  // namespace rlisim::sweep
