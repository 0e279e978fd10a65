#include "sim/run/report/text_fields.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/core/units.hpp"

namespace rlisim::run {

std::string ns_field(double ps) {
  return std::isfinite(ps) ? fmt::format("{:.3f}", ps * 1e-3) : std::string();
}

std::string relative_error_field(double estimate, double truth) {
  if (!std::isfinite(estimate) || !std::isfinite(truth) || truth == 0)
    return {};
  return fmt::format("{:.6g}", std::abs(estimate - truth) / truth);
}

std::string format_ps(double ps) {
  return std::isfinite(ps) ? core::format_duration(core::Time{std::llround(ps)}) : "-";
}

}  // namespace rlisim::run
