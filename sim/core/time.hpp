#pragma once
// Time types: simulation time in signed 64-bit picoseconds, trace time in signed 64-bit ns.

#include <chrono>
#include <cstdint>

namespace rlisim::core {

/// Simulation time, picoseconds since the (rebased) start of the run. Signed so that
/// differences never wrap; int64 ps covers about 106 days.
using Time = std::chrono::duration<std::int64_t, std::pico>;

/// Absolute trace time as read from a capture, nanoseconds. Epoch seconds (~1.7e9) would
/// overflow int64 picoseconds, so absolute time is only ever held in this type.
using TraceTime = std::chrono::duration<std::int64_t, std::nano>;

constexpr Time picoseconds(std::int64_t v) {
  return Time{v};
}
constexpr Time nanoseconds(std::int64_t v) {
  return Time{v * 1000};
}
constexpr Time microseconds(std::int64_t v) {
  return Time{v * 1'000'000};
}
constexpr Time milliseconds(std::int64_t v) {
  return Time{v * 1'000'000'000};
}
constexpr Time seconds(std::int64_t v) {
  return Time{v * 1'000'000'000'000};
}

/// Converts to double seconds; for output only, never for simulation arithmetic.
constexpr double to_seconds(Time t) {
  return static_cast<double>(t.count()) * 1e-12;
}
/// Converts to double nanoseconds; for output only.
constexpr double to_ns(Time t) {
  return static_cast<double>(t.count()) * 1e-3;
}

}  // namespace rlisim::core
