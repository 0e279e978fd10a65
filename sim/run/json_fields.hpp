#pragma once
// JSON encodings shared by the summary writers: numbers (NaN as null) and error summaries.

#include <nlohmann/json.hpp>

#include "models/metrics/error_distribution.hpp"

namespace rlisim::run {

/// NaN and infinities become null: JSON has no literal for them.
nlohmann::ordered_json json_number(double x);

/// One object per size class: flows, exclusions, median/p90/p99/mean/max, signed median, CDF.
nlohmann::ordered_json error_json(const models::ErrorSummary& s);

}  // namespace rlisim::run
