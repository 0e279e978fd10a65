#pragma once
// The observer contract shared by ground truth and every latency estimator.

#include <cstdint>
#include <string_view>

#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {

/// Index of a router egress interface (output port).
using PortId = std::uint16_t;

/// An observer of one router's measurement taps. Engine-free: it consumes observations and
/// never schedules anything. Ground truth implements this same interface, so an accuracy test
/// reads as EXPECT_NEAR(estimate, truth, bound).
///
/// Ordering guarantees given by the router:
///  - on_ingress is called for every packet in arrival order (arrival, source, seq); reference
///    packets injected by the router (RLI) keep arrival order but not the tie-break: a
///    periodic reference due at a packet's arrival comes before it, and a 1-in-n reference
///    comes right after the packet that triggered it;
///  - each packet then gets exactly one of on_egress or on_drop, before the next on_ingress;
///  - for one port, on_egress calls come in departure order (FIFO: the arrival order).
class Estimator {
 public:
  virtual ~Estimator() = default;
  /// Short stable name used in output columns ("truth", "rli", ...).
  virtual std::string_view name() const = 0;
  /// Sender tap: the packet enters the router at p.arrival.
  virtual void on_ingress(const core::Packet& p) = 0;
  /// Receiver tap: the packet leaves port `port` at `egress_time` (end of transmission plus
  /// propagation). Its true delay is egress_time - p.arrival.
  virtual void on_egress(const core::Packet& p, PortId port, core::Time egress_time) = 0;
  /// The packet was dropped at port `port` (drop-tail buffer full).
  virtual void on_drop(const core::Packet& p, PortId port) = 0;
  /// No more observations follow.
  virtual void finalize() {}
};

}  // namespace rlisim::models
