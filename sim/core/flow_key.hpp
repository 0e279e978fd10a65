#pragma once
// The 5-tuple flow key shared by traces, the router, ground truth and every estimator.

#include <array>
#include <cstring>
#include <cstdint>
#include <string>
#include <utility>

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

static_assert(sizeof(FlowKey) == 38, "FlowKey must have no padding: equality and hashing read "
                                     "its bytes");

/// Strict weak order, used to sort flows for deterministic output.
bool operator<(const FlowKey& a, const FlowKey& b);

}  // namespace rlisim::core
