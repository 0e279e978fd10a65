#include "sim/core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace rlisim::core {
namespace {

struct Suffix {
  std::string_view text;
  double factor;
};

// Splits "1.5 us" into 1.5 and "us". Returns false if the number part is malformed.
bool split_quantity(std::string_view text, double& number, std::string_view& unit) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.empty())
    return false;
  const auto* begin = text.data();
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc{} || !std::isfinite(number) || number < 0)
    return false;
  unit = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) {
    unit.remove_prefix(1);
  }
  return true;
}

template <std::size_t N>
std::optional<double> scale(std::string_view text, const Suffix (&suffixes)[N]) {
  double number = 0;
  std::string_view unit;
  if (!split_quantity(text, number, unit))
    return std::nullopt;
  for (const auto& s : suffixes) {
    if (unit == s.text)
      return number * s.factor;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Time> try_parse_duration(std::string_view text) {
  static constexpr Suffix kSuffixes[] = {{"", 1e12},  {"s", 1e12},    {"ms", 1e9},
                                         {"us", 1e6}, {"µs", 1e6},    {"ns", 1e3},
                                         {"ps", 1.0}, {"min", 60e12}, {"sec", 1e12}};
  const auto ps = scale(text, kSuffixes);
  if (!ps || *ps > 9.2e18)
    return std::nullopt;
  return Time{static_cast<std::int64_t>(std::llround(*ps))};
}

std::optional<BitsPerSecond> try_parse_rate(std::string_view text) {
  static constexpr Suffix kSuffixes[] = {
      {"", 1.0},      {"bps", 1.0},   {"b/s", 1.0},  {"kbps", 1e3}, {"Kbps", 1e3},
      {"kb/s", 1e3},  {"Mbps", 1e6},  {"Mb/s", 1e6}, {"Gbps", 1e9}, {"Gb/s", 1e9},
      {"Tbps", 1e12}, {"Tb/s", 1e12}, {"Bps", 8.0},  {"MBps", 8e6}, {"GBps", 8e9}};
  const auto bps = scale(text, kSuffixes);
  if (!bps || *bps > 1.8e19)
    return std::nullopt;
  // Rounded as a double: llround would return a long long, which ends at 9.2e18 b/s.
  return BitsPerSecond{static_cast<std::uint64_t>(std::round(*bps))};
}

std::optional<Bytes> try_parse_bytes(std::string_view text) {
  static constexpr Suffix kSuffixes[] = {
      {"", 1.0},   {"B", 1.0},      {"KB", 1e3},        {"kB", 1e3},          {"MB", 1e6},
      {"GB", 1e9}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
  const auto bytes = scale(text, kSuffixes);
  if (!bytes || *bytes > 1.8e19 || std::floor(*bytes) != *bytes)
    return std::nullopt;
  return Bytes{static_cast<std::uint64_t>(*bytes)};
}

std::string format_duration(Time t) {
  const double ps = static_cast<double>(t.count());
  const double a = std::fabs(ps);
  if (a >= 1e12)
    return fmt::format("{:.4g} s", ps * 1e-12);
  if (a >= 1e9)
    return fmt::format("{:.4g} ms", ps * 1e-9);
  if (a >= 1e6)
    return fmt::format("{:.4g} us", ps * 1e-6);
  if (a >= 1e3)
    return fmt::format("{:.4g} ns", ps * 1e-3);
  return fmt::format("{} ps", t.count());
}

std::string format_rate(double bps) {
  if (bps >= 1e9)
    return fmt::format("{:.4g} Gb/s", bps * 1e-9);
  if (bps >= 1e6)
    return fmt::format("{:.4g} Mb/s", bps * 1e-6);
  if (bps >= 1e3)
    return fmt::format("{:.4g} kb/s", bps * 1e-3);
  return fmt::format("{:.4g} b/s", bps);
}

}  // namespace rlisim::core
