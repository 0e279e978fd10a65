#pragma once
// JSON encodings shared by the summary writers: numbers (NaN as null) and error summaries.

#include <string>

#include <nlohmann/json.hpp>

#include "models/metrics/error_distribution.hpp"

namespace rlisim::run {

/// `j` as JSON text (`indent` < 0: one line). Text that reaches JSON from captures, kernel
/// traces, file names or the command line need not be UTF-8; invalid bytes become U+FFFD
/// instead of an exception that would lose the results already computed.
template <typename Json>
std::string json_text(const Json& j, int indent = 2) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

/// NaN and infinities become null: JSON has no literal for them.
nlohmann::ordered_json json_number(double x);

/// One object per size class: flows, exclusions, median/p90/p99/mean/max, signed median, CDF.
nlohmann::ordered_json error_json(const models::ErrorSummary& s);

}  // namespace rlisim::run
