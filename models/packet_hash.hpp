#pragma once
// Deterministic hashes of fields that do not change between two measurement points, so that
// both taps of a sampling estimator make the same decision for the same packet or flow.

#include <cstdint>
#include <cstring>

#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models {

/// A 64-bit hash of the flow key under `seed`. Unlike absl::Hash (seeded per process), the
/// value is the same in every run and on every platform, as consistent sampling needs.
inline std::uint64_t flow_hash(const core::FlowKey& key, std::uint64_t seed) {
  unsigned char bytes[40] = {};
  std::memcpy(bytes, &key, sizeof(core::FlowKey));
  std::uint64_t h = core::mix64(seed ^ 0x5bd1e9955bd1e995ULL);
  for (std::size_t i = 0; i < sizeof(bytes); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    h = core::mix64(h ^ word);
  }
  return h;
}

/// A 64-bit hash of one packet's invariant fields under `seed`: its flow key, source and
/// per-source sequence number (they stand for the 5-tuple and IP identification field, the
/// invariant header bits trajectory sampling and LDA hash in a real router).
inline std::uint64_t packet_hash(const core::Packet& p, std::uint64_t seed) {
  return core::mix64(flow_hash(p.flow, seed) ^
                     core::mix64((std::uint64_t{p.source} << 48) ^ p.seq));
}

/// True with probability `probability` over hash values: h / 2^64 < probability. Exact for
/// probability 0 (never) and 1 (always).
inline bool hash_selects(std::uint64_t h, double probability) {
  if (probability >= 1.0)
    return true;
  if (probability <= 0.0)
    return false;
  return static_cast<double>(h >> 11) * 0x1.0p-53 < probability;
}

}  // namespace rlisim::models
