#pragma once
// summary.json encodings of the estimator comparison and of an estimator's score.

#include <nlohmann/json.hpp>

#include "models/metrics/estimator_score.hpp"

namespace rlisim::run {

/// An estimator's default entry under "estimators": counters, cost and per-flow error.
nlohmann::ordered_json estimator_json(const models::EstimatorScore& score);

/// The "comparison" object: one row per estimator (coverage, error quantiles by size class,
/// cost) and the same errors on the flows every estimator estimated.
nlohmann::ordered_json comparison_json(const models::Comparison& comparison);

}  // namespace rlisim::run
