#pragma once
// Checked access to one TOML table: typed getters with range checks, and unknown-key detection.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/units.hpp"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace rlisim::config {

/// Parses TOML text; `name` (the file) goes into messages.
/// @throws core::ConfigError "NAME:LINE:COLUMN: what is wrong" on a syntax error.
toml::table parse_toml(std::string_view text, const std::string& name);

/// `node` as TOML value text on one line, as `--set` takes it: strings double-quoted with
/// escapes (never literal or multi-line strings), tables and arrays inline.
std::string toml_value_text(const toml::node& node);

/// `root` as a TOML document that parse_toml reads back to the same table, whatever its strings
/// hold: strings are double-quoted with escapes, since toml++ 3.3 writes a string holding a
/// newline and a ''' as a multi-line literal string that no parser reads back.
std::string toml_document_text(const toml::table& root);

/// A view of one table of a configuration file. Every getter records its key as known; finish()
/// then rejects any key that no getter asked for, naming it and its line. Errors are
/// core::ConfigError with "FILE:LINE: key 'a.b[0].c': expected ..., got ...".
class TomlSection {
 public:
  /// `path` is the dotted key path of this table ("" for the root), `file` the config file name.
  TomlSection(const toml::table& table, std::string path, std::string file);

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> string(std::string_view key);
  /// A string that must be one of `allowed`.
  std::optional<std::string> choice(std::string_view key,
                                    const std::vector<std::string_view>& allowed);
  /// "1.5us", "10ms"... or a bare number of seconds.
  std::optional<core::Time> duration(std::string_view key);
  /// "10Gbps", "9.953 Gb/s"... or a bare number of bit/s, within [min_bps, kMaxRate].
  std::optional<core::BitsPerSecond> rate(std::string_view key, std::uint64_t min_bps = 1);

  /// Highest accepted rate: 8 Tb/s keeps a byte at one picosecond or more.
  static constexpr std::uint64_t kMaxRate = 8'000'000'000'000ULL;
  /// "64KiB", 1500... (bytes).
  std::optional<core::Bytes> bytes(std::string_view key);
  /// An array of integers, each in [min, max].
  std::optional<std::vector<std::int64_t>> integers(std::string_view key, std::int64_t min,
                                                    std::int64_t max);
  /// An array of numbers, each in [min, max].
  std::optional<std::vector<double>> numbers(std::string_view key, double min, double max);
  /// An array of rows, each an array of exactly `width` numbers ([[0.0, 10], [0.5, 100]]).
  std::optional<std::vector<std::vector<double>>> number_rows(std::string_view key,
                                                              std::size_t width);
  /// An array of tables ([[key]]); empty if absent.
  std::vector<TomlSection> tables(std::string_view key);
  /// A sub-table ([key]); nullopt if absent.
  std::optional<TomlSection> table(std::string_view key);

  /// The value of `key` whatever its type (nullptr if absent), for callers that take any TOML
  /// value (sweep axes); the key counts as known.
  const toml::node* any(std::string_view key) { return find(key); }
  /// Every key of this table, in file order, marking all as known (tables of free-form keys).
  std::vector<std::string> keys();
  /// "FILE:LINE" of `node` (or "FILE (--set)" for values that have no position), for messages.
  std::string where(const toml::node* node) const;

  /// @throws core::ConfigError naming the first key no getter asked for.
  void finish() const;
  /// @throws core::ConfigError about `key` of this table.
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;

  const std::string& path() const { return path_; }

 private:
  const toml::node* find(std::string_view key);
  std::string key_path(std::string_view key) const;

  const toml::table* table_;
  std::string path_;
  std::string file_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace rlisim::config
