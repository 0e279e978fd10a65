#pragma once
// A parameter sweep: a base configuration, fixed overrides, axes, repetitions; and its manifest.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rlisim::sweep {

/// One configuration override as `rlisim run --set` takes it: a dotted key and a TOML value
/// ("0.5", "\"chic\"", "[1, 2]").
struct Override {
  std::string key;
  std::string value;
  std::string assignment() const { return key + "=" + value; }
};

/// A parameter of a point as reported in the results: a name (a config key, or an axis name
/// for variant axes) and a value label (the TOML value, strings without quotes).
struct Param {
  std::string name;
  std::string value;
};

/// One position on an axis: the overrides it applies and how it is reported.
struct AxisValue {
  std::vector<Override> overrides;
  std::vector<Param> params;
};

struct Axis {
  std::string name;
  std::vector<AxisValue> values;
};

/// A sweep file, parsed and checked (not yet expanded).
struct SweepSpec {
  /// The sweep file as given, and its text (stored with the results).
  std::string file;
  std::string text;
  /// Name for outputs (default: the file's stem).
  std::string name;
  /// The base configuration (path resolved against the sweep file's folder).
  std::string base;
  /// [set]: overrides applied to every point, before the axes.
  std::vector<Override> fixed;
  std::vector<Axis> axes;
  /// Runs per grid point, each with its own derived seed.
  std::int64_t repetitions = 1;
  /// Mixed into every derived seed, to draw a fresh set of seeds for the same grid.
  std::uint64_t seed = 1;
  /// True if [set] or an axis sets `seed` itself (then no seed is derived).
  bool explicit_seed = false;
  /// Default results database (resolved against the sweep file's folder), if the file names
  /// one.
  std::optional<std::string> database;
};

/// One run of the sweep: a grid point and a repetition.
struct Point {
  /// Position in the manifest (expansion order: first axis outermost, repetitions innermost).
  std::size_t index = 0;
  /// "name=value, name=value" over the axes (without the repetition): the grid point.
  std::string key;
  std::int64_t repetition = 0;
  std::uint64_t seed = 0;
  std::vector<Param> params;
  /// Every override of the run, in order: [set], the axes, then the seed.
  std::vector<Override> overrides;
  /// Filled by resolve(): the configuration after overrides and defaults, and the point hash.
  std::string config_toml;
  std::string hash;
};

/// Reads and checks a sweep file.
/// @throws core::ConfigError naming the file, line and key on any problem.
SweepSpec load_sweep(const std::string& path);

/// The same from text (`name` for messages; relative paths resolve against `base_dir`).
SweepSpec parse_sweep(const std::string& text, const std::string& name,
                      const std::string& base_dir);

/// The manifest: the cross product of the axes times the repetitions, in expansion order.
/// Seeds are derived from the grid point and repetition only (derive_seed), so they do not
/// depend on scheduling, sharding or on other points of the grid.
std::vector<Point> expand(const SweepSpec& spec);

/// The seed of repetition `repetition` of grid point `point_key` under sweep seed `salt`: the
/// first 53 bits of a SHA-1 name hash (exact as a JSON or CSV number).
std::uint64_t derive_seed(const std::string& point_key, std::int64_t repetition,
                          std::uint64_t salt);

/// Loads each point's configuration (so a bad value fails the sweep before anything runs) and
/// sets config_toml and hash: a SHA-1 name hash (RFC 4122 version 5 UUID, as 32 hex digits) of
/// the resolved configuration, the identity of every input trace (path, size, modification
/// time) and the rlisim version.
/// @throws core::ConfigError naming the point and the problem.
void resolve(const SweepSpec& spec, std::vector<Point>& points);

/// A slice of the manifest for external engines: points whose index % count == index.
/// Round-robin, so every shard gets a similar mix of cheap and expensive points.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool contains(const Point& p) const { return p.index % count == index; }
};

/// Parses "K/N" (0 <= K < N).
/// @throws core::ConfigError otherwise.
Shard parse_shard(const std::string& text);

/// A version-5 UUID of `text` as 32 lower-case hex digits (a stable content hash).
std::string content_hash(const std::string& text);

}  // namespace rlisim::sweep
