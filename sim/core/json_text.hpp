#pragma once
// JSON text as every output writes it: numbers without literals become null, and bytes that
// are not UTF-8 are replaced instead of failing.

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace rlisim::core {

/// `j` as JSON text (`indent` < 0: one line). Text that reaches JSON from captures, kernel
/// traces, file names or the command line need not be UTF-8; invalid bytes become U+FFFD
/// instead of an exception that would lose the results already computed.
template <typename Json>
std::string json_text(const Json& j, int indent = 2) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

/// NaN and infinities become null: JSON has no literal for them.
inline nlohmann::ordered_json json_number(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json();
}

}  // namespace rlisim::core
