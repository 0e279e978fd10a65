#pragma once
// What a sweep keeps of one run: the columns of its point row, one row per estimator, and the
// CDF points, all taken from the run's summary.json. One column list serves schema and export.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rlisim::sweep {

/// A metric column: its name, SQLite type and one-line meaning (for the schema document).
struct ColumnSpec {
  const char* name;
  const char* type;  // "INTEGER", "REAL" or "TEXT"
  const char* meaning;
};

/// Columns of a point row taken from its summary (after the identity and status columns).
const std::vector<ColumnSpec>& point_metric_columns();
/// Columns of an estimator row (after point_hash and estimator).
const std::vector<ColumnSpec>& estimator_metric_columns();

/// Values of point_metric_columns() for one run, in order (null where absent).
std::vector<nlohmann::json> point_metrics(const nlohmann::json& summary,
                                          const nlohmann::json& timing);

struct EstimatorRow {
  std::string estimator;
  std::vector<nlohmann::json> values;  // estimator_metric_columns(), in order
};
/// One row per estimator of the run's comparison (none if the run had no estimator).
std::vector<EstimatorRow> estimator_rows(const nlohmann::json& summary);

/// One point of an empirical CDF: `fraction` of the flows have a value <= x.
struct CdfPoint {
  std::string estimator;
  /// "mean_rel_err" and "std_rel_err" (relative error of the per-flow mean / std, by
  /// cumulative flow-size class `min_packets`), "interference_positive_s" and
  /// "interference_negative_s" (|delta| of flows whose mean delay rose / fell because of the
  /// references; min_packets 1).
  std::string metric;
  std::int64_t min_packets;
  double x;
  double fraction;
};
std::vector<CdfPoint> cdf_points(const nlohmann::json& summary);

}  // namespace rlisim::sweep
