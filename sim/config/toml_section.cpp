#include "sim/config/toml_section.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/core/error.hpp"

namespace rlisim::config {
namespace {

constexpr auto kEscapedStrings =
    toml::toml_formatter::default_flags &
    ~(toml::format_flags::allow_literal_strings | toml::format_flags::allow_multi_line_strings);

std::string describe_value(const toml::node& node) {
  if (const auto* s = node.as_string())
    return fmt::format("\"{}\"", s->get());
  if (const auto* i = node.as_integer())
    return fmt::format("{}", i->get());
  if (const auto* f = node.as_floating_point())
    return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean())
    return b->get() ? "true" : "false";
  if (node.is_table())
    return "a table";
  if (node.is_array())
    return "an array";
  return "a date/time";
}

}  // namespace

toml::table parse_toml(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw core::ConfigError(fmt::format("{}:{}:{}: {}", name, e.source().begin.line,
                                        e.source().begin.column, e.description()));
  }
}

std::string toml_document_text(const toml::table& root) {
  std::ostringstream out;
  out << toml::toml_formatter{root, kEscapedStrings};
  return out.str();
}

std::string toml_value_text(const toml::node& node) {
  constexpr auto kFlags = kEscapedStrings & ~(toml::format_flags::allow_real_tabs_in_strings |
                                              toml::format_flags::indentation);
  std::ostringstream out;
  if (const auto* t = node.as_table()) {
    toml::table inline_table = *t;
    inline_table.is_inline(true);
    out << toml::toml_formatter{inline_table, kFlags};
  } else {
    node.visit([&out](const auto& v) { out << toml::toml_formatter{v, kFlags}; });
  }
  // Long arrays of tables are broken over lines. A newline can only be such a break (strings
  // have theirs escaped), so a space takes its place.
  std::string text = out.str();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

TomlSection::TomlSection(const toml::table& table, std::string path, std::string file)
    : table_(&table), path_(std::move(path)), file_(std::move(file)) {}

std::string TomlSection::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

std::string TomlSection::where(const toml::node* node) const {
  const auto line = node ? node->source().begin.line : 0;
  if (line == 0) {
    // Values set with --set have no position in the file.
    return node ? fmt::format("{} (--set)", file_) : file_;
  }
  return fmt::format("{}:{}", file_, line);
}

void TomlSection::fail(std::string_view key, const std::string& what) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr)
    node = table_;
  throw core::ConfigError(fmt::format("{}: key '{}': {}", where(node), key_path(key), what));
}

const toml::node* TomlSection::find(std::string_view key) {
  known_.emplace(key);
  return table_->get(key);
}

std::optional<std::int64_t> TomlSection::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* v = node->as_integer();
  if (!v)
    fail(key, fmt::format("expected an integer, got {}", describe_value(*node)));
  if (v->get() < min || v->get() > max) {
    fail(key, fmt::format("expected an integer in [{}, {}], got {}", min, max, v->get()));
  }
  return v->get();
}

std::optional<double> TomlSection::number(std::string_view key, double min, double max) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  double value = 0;
  if (const auto* f = node->as_floating_point()) {
    value = f->get();
  } else if (const auto* i = node->as_integer()) {
    value = static_cast<double>(i->get());
  } else {
    fail(key, fmt::format("expected a number, got {}", describe_value(*node)));
  }
  if (!std::isfinite(value) || value < min || value > max) {
    fail(key, fmt::format("expected a number in [{}, {}], got {}", min, max, value));
  }
  // -0.0 reads as 0, so that a configuration written back says 0.
  return value == 0 ? 0.0 : value;
}

std::optional<std::vector<std::int64_t>> TomlSection::integers(std::string_view key,
                                                               std::int64_t min, std::int64_t max) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* array = node->as_array();
  if (!array)
    fail(key, fmt::format("expected an array of integers, got {}", describe_value(*node)));
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* v = (*array)[i].as_integer();
    if (!v) {
      fail(key,
           fmt::format("element {}: expected an integer, got {}", i, describe_value((*array)[i])));
    }
    if (v->get() < min || v->get() > max) {
      fail(key, fmt::format("element {}: expected an integer in [{}, {}], got {}", i, min, max,
                            v->get()));
    }
    out.push_back(v->get());
  }
  return out;
}

std::optional<std::vector<double>> TomlSection::numbers(std::string_view key, double min,
                                                        double max) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* array = node->as_array();
  if (!array)
    fail(key, fmt::format("expected an array of numbers, got {}", describe_value(*node)));
  std::vector<double> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& cell = (*array)[i];
    double v = 0;
    if (const auto* f = cell.as_floating_point()) {
      v = f->get();
    } else if (const auto* n = cell.as_integer()) {
      v = static_cast<double>(n->get());
    } else {
      fail(key, fmt::format("element {}: expected a number, got {}", i, describe_value(cell)));
    }
    if (!(v >= min && v <= max))
      fail(key, fmt::format("element {}: expected a number in [{}, {}], got {}", i, min, max, v));
    out.push_back(v);
  }
  return out;
}

std::optional<std::vector<std::vector<double>>> TomlSection::number_rows(std::string_view key,
                                                                         std::size_t width) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* array = node->as_array();
  if (!array) {
    fail(key, fmt::format("expected an array of [{} numbers] rows, got {}", width,
                          describe_value(*node)));
  }
  std::vector<std::vector<double>> rows;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* row = (*array)[i].as_array();
    if (!row || row->size() != width) {
      fail(key, fmt::format("row {}: expected an array of {} numbers, got {}", i, width,
                            describe_value((*array)[i])));
    }
    std::vector<double> values;
    for (std::size_t j = 0; j < width; ++j) {
      const auto& cell = (*row)[j];
      if (const auto* f = cell.as_floating_point()) {
        values.push_back(f->get());
      } else if (const auto* n = cell.as_integer()) {
        values.push_back(static_cast<double>(n->get()));
      } else {
        fail(key, fmt::format("row {}, column {}: expected a number, got {}", i, j,
                              describe_value(cell)));
      }
      if (!std::isfinite(values.back()))
        fail(key, fmt::format("row {}, column {}: expected a finite number", i, j));
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

std::optional<bool> TomlSection::boolean(std::string_view key) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* v = node->as_boolean();
  if (!v)
    fail(key, fmt::format("expected true or false, got {}", describe_value(*node)));
  return v->get();
}

std::optional<std::string> TomlSection::string(std::string_view key) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* v = node->as_string();
  if (!v)
    fail(key, fmt::format("expected a string, got {}", describe_value(*node)));
  return v->get();
}

std::optional<std::string> TomlSection::choice(std::string_view key,
                                               const std::vector<std::string_view>& allowed) {
  auto value = string(key);
  if (!value)
    return value;
  for (auto a : allowed) {
    if (*value == a)
      return value;
  }
  fail(key,
       fmt::format("expected one of \"{}\", got \"{}\"", fmt::join(allowed, "\", \""), *value));
}

// Quantities accept a string with a unit or a bare number in the base unit.
template <typename T, typename Parse>
static std::optional<T> quantity(TomlSection& section, const toml::node* node, std::string_view key,
                                 Parse parse, const char* example) {
  if (!node)
    return std::nullopt;
  std::optional<T> parsed;
  if (const auto* s = node->as_string()) {
    parsed = parse(s->get());
  } else if (const auto* i = node->as_integer()) {
    parsed = parse(std::to_string(i->get()));
  } else if (const auto* f = node->as_floating_point()) {
    parsed = parse(fmt::format("{}", f->get()));
  }
  if (!parsed) {
    section.fail(key, fmt::format("expected {}, got {}", example, describe_value(*node)));
  }
  return parsed;
}

std::optional<core::Time> TomlSection::duration(std::string_view key) {
  return quantity<core::Time>(
      *this, find(key), key, core::try_parse_duration,
      "a non-negative duration below 106 days (9.2e6 s) like \"1.5us\" or \"10ms\"");
}

std::optional<core::BitsPerSecond> TomlSection::rate(std::string_view key, std::uint64_t min_bps) {
  auto r = quantity<core::BitsPerSecond>(*this, find(key), key, core::try_parse_rate,
                                         "a rate like \"10Gbps\" or \"9.953 Gb/s\"");
  if (r && (r->value < min_bps || r->value > kMaxRate)) {
    fail(key, fmt::format("expected a rate in [{}, {}], got {}",
                          core::format_rate(static_cast<double>(min_bps)),
                          core::format_rate(static_cast<double>(kMaxRate)),
                          core::format_rate(static_cast<double>(r->value))));
  }
  return r;
}

std::optional<core::Bytes> TomlSection::bytes(std::string_view key) {
  return quantity<core::Bytes>(*this, find(key), key, core::try_parse_bytes,
                               "a whole number of bytes like 1500 or \"64KiB\"");
}

std::vector<TomlSection> TomlSection::tables(std::string_view key) {
  std::vector<TomlSection> out;
  const auto* node = find(key);
  if (!node)
    return out;
  const auto* array = node->as_array();
  if (!array)
    fail(key,
         fmt::format("expected an array of tables [[{}]], got {}", key, describe_value(*node)));
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* t = array->get(i)->as_table();
    if (!t)
      fail(key, fmt::format("element {} is not a table", i));
    out.emplace_back(*t, fmt::format("{}[{}]", key_path(key), i), file_);
  }
  return out;
}

std::optional<TomlSection> TomlSection::table(std::string_view key) {
  const auto* node = find(key);
  if (!node)
    return std::nullopt;
  const auto* t = node->as_table();
  if (!t)
    fail(key, fmt::format("expected a table [{}], got {}", key, describe_value(*node)));
  return TomlSection(*t, key_path(key), file_);
}

std::vector<std::string> TomlSection::keys() {
  std::vector<std::string> out;
  for (const auto& [key, node] : *table_) {
    known_.emplace(key.str());
    out.emplace_back(key.str());
  }
  return out;
}

void TomlSection::finish() const {
  for (const auto& [key, node] : *table_) {
    if (known_.find(key.str()) == known_.end()) {
      throw core::ConfigError(fmt::format("{}: unknown key '{}' (known keys here: {})",
                                          where(&node), key_path(key.str()),
                                          fmt::join(known_, ", ")));
    }
  }
}

}  // namespace rlisim::config
