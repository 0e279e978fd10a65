#pragma once
// The comparison of a run's estimators (models::compare_estimators) on its truth, its traffic
// and its ports' load classes.

#include "models/metrics/estimator_score.hpp"
#include "sim/run/run_result.hpp"

namespace rlisim::run {

/// Compares every estimator of a finished run, in the run's order, on regular flows with >= 1
/// delivered packet; by load class when the run kept port diagnostics. With `pool`, on its
/// threads (the ledger sealed; see models::compare_estimators).
models::Comparison compare_run_estimators(const RunResult& result,
                                          core::WorkerPool* pool = nullptr);

}  // namespace rlisim::run
