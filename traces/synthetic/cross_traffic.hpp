#pragma once
// Settings shared by the cross-traffic sources (Poisson, ON/OFF): rate, sizes, time window,
// flow keys.

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "traces/synthetic/size_mix.hpp"

namespace rlisim::traces {

/// Common configuration of a cross-traffic source. Packets are core::PacketKind::kCross, have
/// i.i.d. sizes from `size_mix`, and arrive in [start_offset, start_offset + duration).
struct CrossTrafficConfig {
  std::uint64_t seed = 1;
  /// Long-run average bit rate (wire bytes).
  core::BitsPerSecond rate{100'000'000};
  SizeMix size_mix{};
  core::Time duration = core::seconds(1);
  /// When the source starts, relative to time 0 of the run (>= 0).
  core::Time start_offset{};
  /// Number of distinct flow keys; each packet picks one uniformly at random.
  std::uint32_t flows = 1;
  /// IP protocol of the keys: 17 (UDP) or 6 (TCP).
  std::uint8_t protocol = 17;
};

/// Checks the common fields; `what` prefixes the key names in messages ("poisson").
/// @throws core::ConfigError naming the key: a rate of 0 or above kMaxTrafficRateBps (1 Tb/s),
///         a duration below kMinTrafficDuration (1 ns), a negative start offset,
///         flows outside [1, 65536], protocol other than 6 or 17, or a size mix smaller than
///         the protocol's headers (40 B TCP, 28 B UDP).
void validate(const CrossTrafficConfig& config, std::string_view what);

/// The flow keys of a cross-traffic source: sources in 198.18.0.0/16 and destinations in
/// 198.19.0.0/16 (the RFC 2544 benchmarking range, which the CAIDA-like generator never uses),
/// hosts and ports derived from (seed, index) by hashing, so keys are deterministic and
/// different seeds give different keys.
std::vector<core::FlowKey> cross_traffic_keys(std::uint64_t seed, std::uint32_t flows,
                                              std::uint8_t protocol);

/// Fills `out` as cross-traffic packet number `seq` arriving at `arrival_ps` (floored to whole
/// ps): its size from `mix`, then its key uniformly from `keys`, both drawn from `rng` in that
/// order. Shared by the Poisson and ON/OFF sources.
void fill_cross_packet(core::Packet& out, double arrival_ps, const SizeMix& mix,
                       std::mt19937_64& rng, const std::vector<core::FlowKey>& keys,
                       std::uint64_t seq);

}  // namespace rlisim::traces
