#pragma once
// Forwarding rules: which egress port a packet leaves by.

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/estimator.hpp"
#include "sim/core/flow_key.hpp"

namespace rlisim::net {

enum class ForwardingKind : std::uint8_t {
  /// Everything to one port (`default_port`).
  kSingle,
  /// Hash of the destination prefix (`prefix_length_v4` / `_v6` bits) modulo the port count,
  /// so a destination network always leaves by the same port. The hash is a fixed function
  /// (SplitMix64), identical across runs and platforms. Non-IP keys go to `default_port`.
  kDstPrefixHash,
  /// Longest-prefix match of the destination over `routes`; unmatched packets (and non-IP
  /// keys) go to `default_port`.
  kTable,
};

struct Route {
  /// "10.0.0.0/8" or "2001:db8::/32": an address in standard text form, '/', and a prefix
  /// length (0-32 for IPv4, 0-128 for IPv6). Bits beyond the prefix length must be zero.
  std::string prefix;
  models::PortId port = 0;
};

struct ForwardingConfig {
  ForwardingKind kind = ForwardingKind::kSingle;
  models::PortId default_port = 0;
  /// Prefix lengths hashed by kDstPrefixHash: 0-32 and 0-128 bits.
  int prefix_length_v4 = 24;
  int prefix_length_v6 = 48;
  /// Routes for kTable (validated whatever the kind). Two routes with the same prefix are an
  /// error.
  std::vector<Route> routes;
};

/// A compiled forwarding rule. port_for costs O(1) for kSingle and kDstPrefixHash, and one
/// hash probe per distinct prefix length present in the table for kTable.
class Forwarding {
 public:
  /// @throws std::invalid_argument naming the bad route or port: no ports, a port or default
  ///         port >= port_count, a prefix length out of range, an unparsable or duplicate
  ///         route, or host bits set beyond the prefix length.
  Forwarding(ForwardingConfig config, std::size_t port_count);

  /// The egress port of a packet of flow `key`, in [0, port_count).
  models::PortId port_for(const core::FlowKey& key) const;

  const ForwardingConfig& config() const { return config_; }

 private:
  /// An address as a 128-bit big-endian integer; IPv4 occupies the top 32 bits.
  struct Address {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    friend bool operator==(const Address&, const Address&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Address& a) {
      return H::combine(std::move(h), a.hi, a.lo);
    }
  };
  /// All routes of one IP version and one prefix length.
  struct LengthTable {
    int length = 0;
    Address mask;
    absl::flat_hash_map<Address, models::PortId> routes;
  };

  static Address load(const std::array<std::uint8_t, 16>& bytes);
  static Address mask_for(int length);
  static Address apply(Address a, Address mask) { return {a.hi & mask.hi, a.lo & mask.lo}; }
  void compile_route(std::size_t index, const Route& route);
  models::PortId lookup(const core::FlowKey& key) const;

  ForwardingConfig config_;
  std::size_t port_count_;
  Address mask_v4_;
  Address mask_v6_;
  // Per IP version (0: IPv4, 1: IPv6), longest prefix length first.
  std::vector<LengthTable> tables_[2];
};

}  // namespace rlisim::net
