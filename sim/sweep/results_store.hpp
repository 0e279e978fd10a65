#pragma once
// The SQLite results database of a sweep: one row per point, per point and estimator, and the
// error CDFs; every point is written in one transaction.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/sweep/sqlite_db.hpp"
#include "sim/sweep/sweep_spec.hpp"

namespace rlisim::sweep {

/// When and where a point ran (the only columns that differ between identical sweeps).
struct PointTiming {
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;  // ISO 8601 UTC
  double wall_s = 0;
  std::string host;
};

struct StoreCounts {
  std::int64_t done = 0;
  std::int64_t failed = 0;
};

/// A results database (schema: docs/sweeps.md). Opening creates the schema if the file
/// is new. A point is recorded in one transaction, together with its estimator rows and CDFs,
/// so a process killed at any moment leaves either all of a point or none of it.
class ResultsStore {
 public:
  static constexpr int kSchemaVersion = 3;

  /// kReadOnly writes nothing, not even the schema, and needs no write access to the file or
  /// its folder (status and export of a finished database on a read-only mount).
  /// @throws StoreError if the file cannot be opened or holds another schema version (or, read
  /// only, holds no results schema at all).
  explicit ResultsStore(const std::string& path, Access access = Access::kReadWrite);

  /// Records that `spec` (with `points` points) ran against this database.
  void record_sweep(const SweepSpec& spec, std::size_t points);
  /// Hashes of the points recorded as done (a rerun skips them).
  std::set<std::string> finished();
  /// Records a finished point from its run's summary.json and timing.json, replacing a failed
  /// attempt of the same point if there was one.
  void record_done(const std::string& sweep_hash, const Point& point, const PointTiming& timing,
                   const nlohmann::json& summary, const nlohmann::json& run_timing);
  /// Records a failed point: its error message and exit code (a rerun tries it again). A point
  /// the database holds as done keeps its results: then nothing is written and the result is
  /// false.
  bool record_failed(const std::string& sweep_hash, const Point& point, const PointTiming& timing,
                     const std::string& error, std::optional<int> exit_code);
  StoreCounts counts();
  /// A failed point: where it is in its manifest and what went wrong.
  struct Failure {
    std::int64_t index;
    std::string key;
    std::int64_t repetition;
    std::string error;
  };
  /// The failed points, by manifest index.
  std::vector<Failure> failures();
  /// Adds every point of `other` that this database lacks (or has only as failed), each with
  /// its rows, in one transaction; returns how many points were added. `other` is only read.
  /// @throws StoreError if `other` cannot be read or has another schema version.
  std::int64_t merge_from(const std::string& other);
  /// Writes points.csv, results.csv and cdfs.csv into `dir` (created if needed), ordered by
  /// point index then estimator; `timings` false leaves out the columns that differ between
  /// identical runs (started_at, finished_at, wall_s, host, packets_per_second).
  void export_csv(const std::string& dir, bool timings);

  const std::string& path() const { return db_.path(); }

 private:
  void create_schema();
  /// False if the database has no schema yet.
  /// @throws StoreError if it has another schema version.
  bool check_schema_version();
  void write_point_row(const std::string& sweep_hash, const Point& point, const PointTiming& timing,
                       const char* status, const std::optional<std::string>& error,
                       std::optional<int> exit_code, const std::vector<nlohmann::json>& metrics,
                       const std::string& summary);
  void delete_point(const std::string& hash);

  SqliteDb db_;
};

/// The schema as a markdown document: every table and column with its meaning.
std::string schema_markdown();

}  // namespace rlisim::sweep
