#pragma once
// The JSON of an error summary, shared by the summary writers.

#include <nlohmann/json.hpp>

#include "models/metrics/error_distribution.hpp"

namespace rlisim::run {

/// One object per size class: flows, exclusions, median/p90/p99/mean/max, signed median, CDF.
nlohmann::ordered_json error_json(const models::ErrorSummary& s);

}  // namespace rlisim::run
