#pragma once
// The 5-tuple flow key shared by traces, the router, ground truth and every estimator.

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "sim/core/int128.hpp"

namespace rlisim::core {

/// A flow key: the IP 5-tuple. IPv4 addresses occupy the first 4 bytes of `src`/`dst`, the
/// rest is zero; `ip_version` tells the two apart. Ports are 0 for protocols without ports.
struct FlowKey {
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint8_t protocol = 0;
  std::uint8_t ip_version = 0;

  /// Byte-wise equality. The key has no padding (checked below), so comparing the object
  /// representation is exact, and with a constant size the compiler inlines it: flow-table
  /// probes compare keys on every packet.
  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return std::memcmp(&a, &b, sizeof(FlowKey)) == 0;
  }

  /// Abseil hashing hook (no Abseil include needed here): hashes the 38 key bytes at once.
  template <typename H>
  friend H AbslHashValue(H h, const FlowKey& k) {
    return H::combine_contiguous(std::move(h), reinterpret_cast<const unsigned char*>(&k),
                                 sizeof(FlowKey));
  }

  /// Builds an IPv4 key from host-order addresses.
  static FlowKey ipv4(std::uint32_t src_addr, std::uint32_t dst_addr, std::uint16_t src_port,
                      std::uint16_t dst_port, std::uint8_t protocol);

  /// "src addr", "dst addr" in standard text form (dotted quad or RFC 5952 IPv6).
  std::string src_string() const;
  std::string dst_string() const;
  /// "10.0.0.1:80>10.0.0.2:1234/6", for messages.
  std::string to_string() const;
};

static_assert(sizeof(FlowKey) == 38,
              "FlowKey must have no padding: equality and hashing read "
              "its bytes");

/// Hasher for flow-keyed hash tables: five overlapping 8-byte loads folded by three 64x64->128
/// multiplications (the wyhash mixing step). Flow tables hash every packet's key, and this is
/// about four times cheaper than Abseil's generic byte-string hash, with the same full-width
/// avalanche that Swiss tables need (they take the control byte from the low bits and the
/// probe position from the high ones). Not seeded: tables of a simulator face no adversary, and
/// Abseil still mixes each table's own address into the probe position.
struct FlowKeyHasher {
  std::size_t operator()(const FlowKey& k) const noexcept {
    const auto* b = reinterpret_cast<const unsigned char*>(&k);
    const auto load = [b](std::size_t offset) {
      std::uint64_t w;
      std::memcpy(&w, b + offset, 8);
      return w;
    };
    const auto fold = [](std::uint64_t x, std::uint64_t y) {
      const UInt128 product = static_cast<UInt128>(x) * y;
      return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
    };
    constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL;
    constexpr std::uint64_t k1 = 0xe7037ed1a0b428dbULL;
    constexpr std::uint64_t k2 = 0x8ebc6af09c88c6e3ULL;
    constexpr std::uint64_t k3 = 0x589965cc75374cc3ULL;
    // Offsets 0, 8, 16, 24 and 30 cover bytes 0..37; bytes 30..31 are read twice, harmlessly.
    const std::uint64_t a = fold(load(0) ^ k0, load(8) ^ k1);
    const std::uint64_t c = fold(load(16) ^ k2, load(24) ^ k3);
    return fold(a ^ k1, c ^ load(30) ^ k0);
  }
};

/// Strict weak order, used to sort flows for deterministic output.
bool operator<(const FlowKey& a, const FlowKey& b);

}  // namespace rlisim::core
