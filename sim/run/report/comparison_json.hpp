#pragma once
// summary.json encodings of the estimator comparison and of each tap-only estimator.

#include <nlohmann/json.hpp>

#include "sim/run/comparison.hpp"

namespace rlisim::run {

/// One tap-only estimator's entry under "estimators": counters, cost and per-flow error.
nlohmann::ordered_json estimator_json(const EstimatorScore& score);

/// The "comparison" object: one row per estimator (coverage, error quantiles by size class,
/// cost) and the same errors on the flows every estimator estimated.
nlohmann::ordered_json comparison_json(const Comparison& comparison);

}  // namespace rlisim::run
