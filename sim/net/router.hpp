#pragma once
// The router: ingress taps, a forwarding rule, per-egress FIFO ports, egress taps.

#include <cstdint>
#include <memory>
#include <vector>

#include "models/estimator.hpp"
#include "sim/core/packet.hpp"
#include "sim/net/forwarding.hpp"
#include "sim/net/output_port.hpp"

namespace rlisim::net {

struct RouterConfig {
  /// Fixed processing delay between the ingress tap and the output queue.
  core::Time processing_delay{};
  std::vector<OutputPortConfig> egress{OutputPortConfig{}};
  ForwardingConfig forwarding;
};

/// What happened to one packet.
struct PacketFate {
  models::PortId port = 0;
  bool dropped = false;
  DropReason reason = DropReason::kNone;
  /// Egress tap time (end of transmission + propagation); valid when not dropped.
  core::Time egress_time{};
  /// True delay, egress tap minus ingress tap: processing + wait + serialisation + propagation.
  core::Time delay() const { return egress_time - arrival; }
  core::Time arrival{};
};

/// A router whose egress ports are independent FIFOs. Because every port is a FIFO fed in
/// arrival order and ports do not interact, each packet's fate is final the moment it arrives:
/// no event list is needed. Observers see on_ingress, then on_egress/on_drop, per packet.
class Router {
 public:
  /// @throws std::invalid_argument on an invalid port or forwarding configuration.
  explicit Router(RouterConfig config);

  /// Routes one packet. Packets must come in (arrival, source, seq) order.
  PacketFate process(const core::Packet& p);

  /// Observers are not owned and must outlive the router's use.
  void add_observer(models::Estimator& observer) { observers_.push_back(&observer); }

  const RouterConfig& config() const { return config_; }
  const std::vector<OutputPort>& ports() const { return ports_; }
  const Forwarding& forwarding() const { return forwarding_; }

 private:
  RouterConfig config_;
  Forwarding forwarding_;
  std::vector<OutputPort> ports_;
  std::vector<models::Estimator*> observers_;
};

}  // namespace rlisim::net
