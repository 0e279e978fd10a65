#pragma once
// Strong unit types (bytes, bit rates), serialisation time, and parsing of quantities with units.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/int128.hpp"
#include "sim/core/time.hpp"

namespace rlisim::core {

/// A byte count.
struct Bytes {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(Bytes, Bytes) = default;
};

/// A link or traffic rate in bits per second (integer, so 9.953 Gb/s = 9'953'280'000 is exact).
struct BitsPerSecond {
  std::uint64_t value = 0;
  friend constexpr auto operator<=>(BitsPerSecond, BitsPerSecond) = default;
};

/// Time to serialise `size` at `rate`: ceil(8 * size * 1e12 / rate) picoseconds.
/// Rounding rule: ceiling, applied per packet, so a packet never leaves before its last bit
/// could have. At 10 Gb/s a byte is exactly 800 ps and no rounding happens.
/// @pre rate.value > 0
constexpr Time serialization_time(Bytes size, BitsPerSecond rate) {
  const UInt128 num =
      static_cast<UInt128>(size.value) * 8u * 1'000'000'000'000u;
  const UInt128 q = (num + rate.value - 1) / rate.value;
  return Time{static_cast<std::int64_t>(q)};
}

/// Parses a duration such as "1.5us", "10 ms", "250ns", "2s", "800ps". A bare number is
/// seconds. Returns nullopt on malformed input, negative values, or overflow.
std::optional<Time> try_parse_duration(std::string_view text);
/// Parses a rate such as "10Gbps", "9.953 Gb/s", "100Mbps", "1e9" (bare number: bit/s).
std::optional<BitsPerSecond> try_parse_rate(std::string_view text);
/// Parses a size such as "1500", "64KiB", "1MB", "9000B" (bare number: bytes).
std::optional<Bytes> try_parse_bytes(std::string_view text);

/// Formats for humans: "5.747 us", "10 Gb/s".
std::string format_duration(Time t);
std::string format_rate(double bits_per_second);

}  // namespace rlisim::core
