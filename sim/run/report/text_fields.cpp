#include "sim/run/report/text_fields.hpp"

#include <cmath>
#include <iterator>

#include <fmt/compile.h>
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

void append_ns_field(std::string& row, double ps) {
  row += ',';
  if (std::isfinite(ps))
    fmt::format_to(std::back_inserter(row), FMT_COMPILE("{:.3f}"), ps * 1e-3);
}

void append_relative_error_field(std::string& row, double estimate, double truth) {
  row += ',';
  if (std::isfinite(estimate) && std::isfinite(truth) && truth != 0)
    fmt::format_to(std::back_inserter(row), FMT_COMPILE("{:.6g}"),
                   std::abs(estimate - truth) / truth);
}

void append_count_field(std::string& row, std::uint64_t n) {
  row += ',';
  fmt::format_to(std::back_inserter(row), FMT_COMPILE("{}"), n);
}

std::string format_ps(double ps) {
  return std::isfinite(ps) ? core::format_duration(core::Time{std::llround(ps)}) : "-";
}

}  // namespace rlisim::run
