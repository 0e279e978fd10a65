#pragma once
// Forwarding rules: which egress port a packet leaves by.

#include <cstdint>
#include <string>
#include <vector>

#include "models/estimator.hpp"
#include "sim/core/flow_key.hpp"

namespace rlisim::net {

enum class ForwardingKind : std::uint8_t {
  /// Everything to one port (`default_port`).
  kSingle,
  /// Hash of the destination prefix (`prefix_length_v4` / `_v6` bits) modulo the port count,
  /// so a destination network always leaves by the same port.
  kDstPrefixHash,
  /// Longest-prefix match over `routes`; unmatched packets go to `default_port`.
  kTable,
};

struct Route {
  /// "10.0.0.0/8" or "2001:db8::/32".
  std::string prefix;
  models::PortId port = 0;
};

struct ForwardingConfig {
  ForwardingKind kind = ForwardingKind::kSingle;
  models::PortId default_port = 0;
  int prefix_length_v4 = 24;
  int prefix_length_v6 = 48;
  std::vector<Route> routes;
};

/// A compiled forwarding rule.
class Forwarding {
 public:
  /// @throws std::invalid_argument naming the bad route or port.
  Forwarding(ForwardingConfig config, std::size_t port_count);
  models::PortId port_for(const core::FlowKey& key) const;

 private:
  struct CompiledRoute {
    std::uint8_t ip_version;
    int length;
    std::array<std::uint8_t, 16> bits;
    models::PortId port;
  };
  ForwardingConfig config_;
  std::size_t port_count_;
  std::vector<CompiledRoute> routes_;  // longest prefix first
};

}  // namespace rlisim::net
