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
  const UInt128 num = static_cast<UInt128>(size.value) * 8u * 1'000'000'000'000u;
  const UInt128 q = (num + rate.value - 1) / rate.value;
  return Time{static_cast<std::int64_t>(q)};
}

/// Time to serialise `size` at `rate` as ns-3 (3.37, default 1 ns resolution, 128-bit
/// int64x64_t) computes it in DataRate::CalculateBytesTxTime: the quotient 8 * size / rate in
/// seconds is truncated to Q64.64 fixed point, multiplied by 1e9 and rounded to the nearest
/// nanosecond, halves up. The truncation comes first, so an exact half that is not a multiple
/// of 2^-64 s rounds down (1 byte at 16 Gb/s, exactly 0.5 ns, takes 0 ns). Differs from
/// serialization_time by less than 1 ns.
/// @pre rate.value > 0 and 8 * size fits 64 bits.
constexpr Time ns3_serialization_time(Bytes size, BitsPerSecond rate) {
  const std::uint64_t bits = size.value * 8u;
  const std::uint64_t whole_seconds = bits / rate.value;
  // The Q64.64 fraction: floor(remainder * 2^64 / rate), below 2^64.
  const UInt128 fraction = (static_cast<UInt128>(bits % rate.value) << 64) / rate.value;
  const UInt128 half = static_cast<UInt128>(1) << 63;
  const UInt128 fraction_ns = (fraction * 1'000'000'000u + half) >> 64;
  return Time{static_cast<std::int64_t>(
      (static_cast<UInt128>(whole_seconds) * 1'000'000'000u + fraction_ns) * 1000u)};
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
