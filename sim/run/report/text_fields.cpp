#include "sim/run/report/text_fields.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "sim/core/units.hpp"

namespace rlisim::run {

void append_fixed3(std::string& out, double v) {
  // v = m 2^e with m < 2^53, so m 1000 < 2^63 is exact in 64 bits, and v 1000 rounded to an
  // integer is m 1000 shifted right by -e with the bits shifted out deciding the rounding.
  const auto bits = std::bit_cast<std::uint64_t>(v);
  const auto biased = static_cast<int>((bits >> 52) & 0x7ff);
  const std::uint64_t fraction = bits & ((std::uint64_t{1} << 52) - 1);
  const std::uint64_t m = biased == 0 ? fraction : fraction | (std::uint64_t{1} << 52);
  const int e = (biased == 0 ? 1 : biased) - 1075;
  if (biased == 0x7ff || e > 0) {  // not finite, or |v| >= 2^53: no such delay; fmt spells it
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:.3f}"), v);
    return;
  }
  const std::uint64_t scaled = m * 1000;
  std::uint64_t q = 0;
  if (e == 0) {
    q = scaled;
  } else if (e > -64) {
    const int shift = -e;
    q = scaled >> shift;
    const std::uint64_t rest = scaled & ((std::uint64_t{1} << shift) - 1);
    const std::uint64_t half = std::uint64_t{1} << (shift - 1);
    q += static_cast<std::uint64_t>(rest > half || (rest == half && (q & 1) != 0));
  }  // else below 2^-64 of a unit: 0 (scaled < 2^63 is below half of it)
  if ((bits >> 63) != 0)
    out += '-';  // also for -0 and what rounds to 0, as fmt writes them
  out += fmt::format_int(q / 1000).c_str();
  out += '.';
  const auto milli = static_cast<unsigned>(q % 1000);
  out += static_cast<char>('0' + milli / 100);
  out += static_cast<char>('0' + milli / 10 % 10);
  out += static_cast<char>('0' + milli % 10);
}

std::string ns_field(double ps) {
  std::string out;
  if (std::isfinite(ps))
    append_fixed3(out, ps * 1e-3);
  return out;
}

std::string relative_error_field(double estimate, double truth) {
  if (!std::isfinite(estimate) || !std::isfinite(truth) || truth == 0)
    return {};
  return fmt::format("{:.6g}", std::abs(estimate - truth) / truth);
}

void append_ns_field(std::string& row, double ps) {
  row += ',';
  if (std::isfinite(ps))
    append_fixed3(row, ps * 1e-3);
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
