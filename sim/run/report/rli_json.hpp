#pragma once
// The "rli" object of summary.json: setup, sender and receiver counters, error, overhead,
// interference.

#include <nlohmann/json.hpp>

#include "sim/run/rli_report.hpp"

namespace rlisim::run {

/// Times in seconds, errors as fractions; NaN becomes null.
nlohmann::ordered_json rli_json(const RunResult& result, const RliReport& report);

}  // namespace rlisim::run
