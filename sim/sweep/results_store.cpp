#include "sim/sweep/results_store.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/json_text.hpp"
#include "sim/core/output_file.hpp"
#include "sim/sweep/summary_rows.hpp"

namespace rlisim::sweep {
namespace {

using nlohmann::json;

// Identity and status columns of a point row, before the metric columns.
const std::vector<ColumnSpec>& point_identity_columns() {
  static const std::vector<ColumnSpec> columns = {
      {"point_hash", "TEXT PRIMARY KEY",
       "SHA-1 name hash of the resolved config, input traces and rlisim version"},
      {"sweep_hash", "TEXT NOT NULL", "the sweep (sweeps.sweep_hash) that last ran the point"},
      {"point_index", "INTEGER NOT NULL", "position in that sweep's manifest"},
      {"point_key", "TEXT NOT NULL", "the grid point: 'name=value, ...' over the axes"},
      {"repetition", "INTEGER NOT NULL", "repetition of the grid point, from 0"},
      {"seed", "INTEGER NOT NULL", "the run's seed (derived from point_key and repetition)"},
      {"overrides", "TEXT NOT NULL", "the run's --set assignments, one per line"},
      {"config_toml", "TEXT NOT NULL", "the resolved configuration of the run"},
      {"status", "TEXT NOT NULL CHECK (status IN ('done', 'failed'))", "done or failed"},
      {"error", "TEXT", "failed: what went wrong (the run's error output)"},
      {"exit_code", "INTEGER", "exit code of the run process (NULL if it was killed)"},
      {"started_at", "TEXT NOT NULL", "timing: start, ISO 8601 UTC"},
      {"finished_at", "TEXT NOT NULL", "timing: end, ISO 8601 UTC"},
      {"wall_s", "REAL NOT NULL", "timing: wall-clock seconds of the run process"},
      {"host", "TEXT NOT NULL", "timing: host name that ran it"},
  };
  return columns;
}

const std::set<std::string>& timing_columns() {
  static const std::set<std::string> names = {"started_at", "finished_at", "wall_s", "host",
                                              "packets_per_second"};
  return names;
}

std::string column_defs(const std::vector<ColumnSpec>& columns) {
  std::string out;
  for (const auto& c : columns)
    out += fmt::format(",\n  {} {}", c.name, c.type);
  return out;
}

// `text` as an SQL string literal (quote '\'') or identifier (quote '"').
std::string quoted(const std::string& text, char quote) {
  std::string out(1, quote);
  for (const char c : text) {
    if (c == quote)
      out += quote;
    out += c;
  }
  return out + quote;
}

std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += i == 0 ? "?" : ", ?";
  return out;
}

void bind_json(Statement& st, int i, const json& v) {
  if (v.is_number_integer())
    st.bind(i, v.get<std::int64_t>());
  else if (v.is_number())
    st.bind(i, v.get<double>());
  else if (v.is_string())
    st.bind(i, v.get<std::string>());
  else if (v.is_boolean())
    st.bind(i, std::int64_t{v.get<bool>() ? 1 : 0});
  else
    st.bind_null(i);
}

std::string csv_field(const Statement& st, int column) {
  if (st.is_null(column))
    return "";
  if (st.is_real(column))
    return fmt::format("{}", st.real(column));  // shortest text that reads back exactly
  const std::string s = st.text(column);
  return s.find_first_of(",\"\n\r") == std::string::npos ? s : quoted(s, '"');
}

// Writes the rows of `sql` as CSV, leaving out `skip` columns; returns the row count.
std::int64_t write_csv(SqliteDb& db, const std::string& sql, const std::string& path,
                       const std::set<std::string>& skip) {
  core::OutputFile out(path, "CSV export");
  Statement st(db, sql);
  std::vector<int> kept;
  for (int c = 0; c < st.columns(); ++c) {
    if (!skip.count(st.column_name(c)))
      kept.push_back(c);
  }
  for (std::size_t i = 0; i < kept.size(); ++i)
    out.print("{}{}", i ? "," : "", st.column_name(kept[i]));
  out.write("\n");
  std::int64_t rows = 0;
  while (st.step()) {
    for (std::size_t i = 0; i < kept.size(); ++i)
      out.print("{}{}", i ? "," : "", csv_field(st, kept[i]));
    out.write("\n");
    ++rows;
  }
  out.close();
  return rows;
}

}  // namespace

ResultsStore::ResultsStore(const std::string& path, Access access) : db_(path, access) {
  if (access == Access::kReadOnly) {
    if (!check_schema_version())
      throw StoreError(fmt::format("{}: not an rlisim results database (no schema version)", path));
    return;
  }
  // WAL: readers (an export while a sweep runs) never block the writer, and a killed writer
  // leaves the last committed state.
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
           "cannot set up the write-ahead log");
  create_schema();
}

bool ResultsStore::check_schema_version() {
  {
    Statement meta(db_,
                   "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    meta.step();
    if (meta.integer(0) == 0)
      return false;
  }
  Statement version(db_, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version.step())
    return false;
  if (version.text(0) != std::to_string(kSchemaVersion)) {
    throw StoreError(
        fmt::format("{}: results database has schema version {}, this rlisim reads version {}",
                    db_.path(), version.text(0), kSchemaVersion));
  }
  return true;
}

void ResultsStore::create_schema() {
  Transaction tx(db_);
  if (check_schema_version())
    return;
  const std::string tables[] = {
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      fmt::format("INSERT INTO meta VALUES ('schema_version', '{}')", kSchemaVersion),
      "CREATE TABLE sweeps (sweep_hash TEXT PRIMARY KEY, name TEXT NOT NULL, file TEXT NOT NULL,"
      " sweep_toml TEXT NOT NULL, base_config TEXT NOT NULL, points INTEGER NOT NULL)",
      fmt::format("CREATE TABLE points ({}{},\n  summary_json TEXT)",
                  column_defs(point_identity_columns()).substr(2),
                  column_defs(point_metric_columns())),
      "CREATE TABLE params (point_hash TEXT NOT NULL REFERENCES points(point_hash) ON DELETE "
      "CASCADE, name TEXT NOT NULL, value TEXT NOT NULL, number REAL, "
      "PRIMARY KEY (point_hash, name))",
      fmt::format(
          "CREATE TABLE results (point_hash TEXT NOT NULL REFERENCES points(point_hash) ON DELETE "
          "CASCADE, estimator TEXT NOT NULL{}, PRIMARY KEY (point_hash, estimator))",
          column_defs(estimator_metric_columns())),
      "CREATE TABLE cdfs (point_hash TEXT NOT NULL REFERENCES points(point_hash) ON DELETE "
      "CASCADE, estimator TEXT NOT NULL, metric TEXT NOT NULL, min_packets INTEGER NOT NULL, "
      "x REAL NOT NULL, fraction REAL NOT NULL)",
      "CREATE INDEX cdfs_by_point ON cdfs (point_hash, estimator, metric, min_packets)"};
  for (const auto& sql : tables)
    db_.exec(sql, "cannot create the schema");
  tx.commit();
}

void ResultsStore::record_sweep(const SweepSpec& spec, std::size_t points) {
  Transaction tx(db_);
  Statement st(db_, "INSERT OR REPLACE INTO sweeps VALUES (?, ?, ?, ?, ?, ?)");
  st.bind(1, content_hash(spec.text))
      .bind(2, spec.name)
      .bind(3, spec.file)
      .bind(4, spec.text)
      .bind(5, spec.base)
      .bind(6, static_cast<std::int64_t>(points));
  st.run();
  tx.commit();
}

std::set<std::string> ResultsStore::finished() {
  std::set<std::string> out;
  Statement st(db_, "SELECT point_hash FROM points WHERE status = 'done'");
  while (st.step())
    out.insert(st.text(0));
  return out;
}

void ResultsStore::delete_point(const std::string& hash) {
  Statement st(db_, "DELETE FROM points WHERE point_hash = ?");
  st.bind(1, hash);
  st.run();
}

void ResultsStore::write_point_row(const std::string& sweep_hash, const Point& point,
                                   const PointTiming& timing, const char* status,
                                   const std::optional<std::string>& error,
                                   std::optional<int> exit_code, const std::vector<json>& metrics,
                                   const std::string& summary) {
  delete_point(point.hash);  // a failed attempt; cascades to its params
  const std::size_t n = point_identity_columns().size() + metrics.size() + 1;
  Statement st(db_, fmt::format("INSERT INTO points VALUES ({})", placeholders(n)));
  std::string overrides;
  for (const auto& o : point.overrides)
    overrides += o.assignment() + "\n";
  int i = 0;
  st.bind(++i, point.hash);
  st.bind(++i, sweep_hash);
  st.bind(++i, static_cast<std::int64_t>(point.index));
  st.bind(++i, point.key);
  st.bind(++i, point.repetition);
  st.bind(++i, static_cast<std::int64_t>(point.seed));
  st.bind(++i, overrides);
  st.bind(++i, point.config_toml);
  st.bind(++i, status);
  st.bind(++i, error);
  st.bind(++i, exit_code ? std::optional<std::int64_t>(*exit_code) : std::nullopt);
  st.bind(++i, timing.started_at);
  st.bind(++i, timing.finished_at);
  st.bind(++i, timing.wall_s);
  st.bind(++i, timing.host);
  for (const auto& m : metrics)
    bind_json(st, ++i, m);
  if (summary.empty())
    st.bind_null(++i);
  else
    st.bind(++i, summary);
  st.run();
  Statement param(db_, "INSERT INTO params VALUES (?, ?, ?, ?)");
  for (const auto& p : point.params) {
    param.bind(1, point.hash).bind(2, p.name).bind(3, p.value);
    // Numeric labels also as numbers, so plots and queries need no casts.
    try {
      std::size_t used = 0;
      const double v = std::stod(p.value, &used);
      if (used == p.value.size())
        param.bind(4, v);
      else
        param.bind_null(4);
    } catch (const std::exception&) {
      param.bind_null(4);
    }
    param.run();
  }
}

void ResultsStore::record_done(const std::string& sweep_hash, const Point& point,
                               const PointTiming& timing, const json& summary,
                               const json& run_timing) {
  Transaction tx(db_);
  write_point_row(sweep_hash, point, timing, "done", std::nullopt, 0,
                  point_metrics(summary, run_timing), core::json_text(summary, -1));
  const auto& columns = estimator_metric_columns();
  Statement row(db_,
                fmt::format("INSERT INTO results VALUES ({})", placeholders(columns.size() + 2)));
  for (const auto& r : estimator_rows(summary)) {
    row.bind(1, point.hash).bind(2, r.estimator);
    for (std::size_t c = 0; c < r.values.size(); ++c)
      bind_json(row, static_cast<int>(c) + 3, r.values[c]);
    row.run();
  }
  Statement cdf(db_, "INSERT INTO cdfs VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& p : cdf_points(summary)) {
    cdf.bind(1, point.hash).bind(2, p.estimator).bind(3, p.metric).bind(4, p.min_packets);
    cdf.bind(5, p.x).bind(6, p.fraction);
    cdf.run();
  }
  tx.commit();
}

bool ResultsStore::record_failed(const std::string& sweep_hash, const Point& point,
                                 const PointTiming& timing, const std::string& error,
                                 std::optional<int> exit_code) {
  Transaction tx(db_);
  {
    // Checked inside the write transaction, so no other writer can finish the point between
    // the check and the write.
    Statement done(db_, "SELECT 1 FROM points WHERE point_hash = ? AND status = 'done'");
    done.bind(1, point.hash);
    if (done.step())
      return false;
  }
  const std::vector<json> metrics(point_metric_columns().size());
  write_point_row(sweep_hash, point, timing, "failed", error, exit_code, metrics, "");
  tx.commit();
  return true;
}

StoreCounts ResultsStore::counts() {
  StoreCounts c;
  Statement st(db_, "SELECT status, COUNT(*) FROM points GROUP BY status");
  while (st.step()) {
    if (st.text(0) == "done")
      c.done = st.integer(1);
    else
      c.failed = st.integer(1);
  }
  return c;
}

std::vector<ResultsStore::Failure> ResultsStore::failures() {
  std::vector<Failure> out;
  Statement st(db_,
               "SELECT point_index, point_key, repetition, error FROM points "
               "WHERE status = 'failed' ORDER BY point_index, point_hash");
  while (st.step())
    out.push_back({st.integer(0), st.text(1), st.integer(2), st.text(3)});
  return out;
}

std::int64_t ResultsStore::merge_from(const std::string& other) {
  if (!std::filesystem::exists(other))
    throw StoreError(fmt::format("{}: no such results database", other));
  {
    ResultsStore check(other, Access::kReadOnly);  // fails on a schema mismatch, naming the file
  }
  // Read-only, so shards on a read-only mount or owned by someone else merge too.
  Statement attach(db_, "ATTACH DATABASE ? AS other");
  attach.bind(1, SqliteDb::read_only_uri(other));
  attach.run();
  std::int64_t added = 0;
  try {
    Transaction tx(db_);
    const std::string what = fmt::format("cannot merge {}", other);
    db_.exec("INSERT OR IGNORE INTO sweeps SELECT * FROM other.sweeps", what);
    // Points to take: done there, and here absent or only failed; failed there and absent here.
    db_.exec(
        "CREATE TEMP TABLE incoming AS SELECT o.point_hash FROM other.points o "
        "LEFT JOIN main.points m ON m.point_hash = o.point_hash "
        "WHERE m.point_hash IS NULL OR (m.status = 'failed' AND o.status = 'done')",
        what);
    db_.exec("DELETE FROM main.points WHERE point_hash IN (SELECT point_hash FROM incoming)", what);
    for (const char* table : {"points", "params", "results", "cdfs"}) {
      db_.exec(fmt::format("INSERT INTO main.{0} SELECT * FROM other.{0} WHERE point_hash IN "
                           "(SELECT point_hash FROM incoming)",
                           table),
               what);
    }
    {
      Statement count(db_, "SELECT COUNT(*) FROM incoming");
      count.step();
      added = count.integer(0);
    }
    db_.exec("DROP TABLE incoming", what);
    tx.commit();
  } catch (...) {
    db_.exec("DETACH DATABASE other", "cannot detach the merged database");
    throw;
  }
  db_.exec("DETACH DATABASE other", "cannot detach the merged database");
  return added;
}

void ResultsStore::export_csv(const std::string& dir, bool timings) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw StoreError(fmt::format("{}: cannot create the export folder: {}", dir, ec.message()));
  const std::set<std::string> skip = timings ? std::set<std::string>{} : timing_columns();
  // One column per parameter name, in order of first appearance in the manifest.
  std::vector<std::string> names;
  {
    Statement st(db_,
                 "SELECT pa.name FROM params pa JOIN points p USING (point_hash) "
                 "GROUP BY pa.name ORDER BY MIN(p.point_index), MIN(pa.rowid)");
    while (st.step())
      names.push_back(st.text(0));
  }
  std::string param_columns;
  for (const auto& name : names) {
    param_columns += fmt::format(
        ", (SELECT value FROM params WHERE point_hash = p.point_hash AND name = {}) AS {}",
        quoted(name, '\''), quoted(name, '"'));
  }
  std::string metrics;
  for (const auto& c : point_metric_columns())
    metrics += fmt::format(", p.{}", c.name);
  const std::string identity =
      "p.point_hash, p.point_index, p.point_key, p.repetition, p.seed, p.status";
  write_csv(db_,
            fmt::format("SELECT {}{}, p.error, p.exit_code, p.started_at, p.finished_at, "
                        "p.wall_s, p.host{} FROM points p ORDER BY p.point_index, p.point_hash",
                        identity, param_columns, metrics),
            (std::filesystem::path(dir) / "points.csv").string(), skip);
  std::string estimator_metrics;
  for (const auto& c : estimator_metric_columns())
    estimator_metrics += fmt::format(", r.{}", c.name);
  write_csv(db_,
            fmt::format("SELECT p.point_hash, p.point_index, p.point_key, p.repetition, p.seed{}"
                        ", p.utilization, r.estimator{} FROM results r JOIN points p "
                        "USING (point_hash) ORDER BY p.point_index, p.point_hash, r.estimator",
                        param_columns, estimator_metrics),
            (std::filesystem::path(dir) / "results.csv").string(), skip);
  write_csv(db_,
            "SELECT p.point_index, c.* FROM cdfs c JOIN points p USING (point_hash) "
            "ORDER BY p.point_index, c.point_hash, c.estimator, c.metric, c.min_packets, c.rowid",
            (std::filesystem::path(dir) / "cdfs.csv").string(), skip);
}

std::string schema_markdown() {
  std::string out;
  const auto table = [&out](const char* name, const std::vector<ColumnSpec>& columns) {
    out += fmt::format("\n### `{}`\n\n| column | type | meaning |\n|---|---|---|\n", name);
    for (const auto& c : columns)
      out += fmt::format("| `{}` | {} | {} |\n", c.name, c.type, c.meaning);
  };
  std::vector<ColumnSpec> points = point_identity_columns();
  points.insert(points.end(), point_metric_columns().begin(), point_metric_columns().end());
  points.push_back({"summary_json", "TEXT", "the run's whole summary.json (NULL if failed)"});
  table("points", points);
  std::vector<ColumnSpec> results = {
      {"point_hash", "TEXT NOT NULL", "the point (points.point_hash)"},
      {"estimator", "TEXT NOT NULL", "rli, lda, netflow, multiflow, trajectory, ..."}};
  results.insert(results.end(), estimator_metric_columns().begin(),
                 estimator_metric_columns().end());
  table("results", results);
  return out;
}

}  // namespace rlisim::sweep
