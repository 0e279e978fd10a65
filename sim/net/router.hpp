#pragma once
// The router: ingress taps, a forwarding rule, per-egress FIFO ports, egress taps.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/estimator.hpp"
#include "models/observer_set.hpp"
#include "models/rli/reference_policy.hpp"
#include "sim/core/packet.hpp"
#include "sim/net/forwarding.hpp"
#include "sim/net/output_port.hpp"

namespace rlisim::net {

struct RouterConfig {
  /// Fixed processing delay between the ingress tap and the output queue. Must be >= 0.
  core::Time processing_delay{};
  /// One entry per egress port; port i is PortId i. At least one.
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
  /// Ingress tap time (the packet's arrival).
  core::Time arrival{};
};

/// A router whose egress ports are independent FIFOs. Because every port is a FIFO fed in
/// arrival order and ports do not interact, each packet's fate is final the moment it arrives:
/// no event list is needed. Per packet:
///   1. ingress tap at p.arrival: observers' on_ingress;
///   2. forwarding picks the egress port;
///   3. the packet reaches the port's queue at p.arrival + processing_delay (port.offer);
///   4. if accepted, it leaves the transmitter at `departure` and reaches the egress tap at
///      egress_time = departure + the port's propagation: observers' on_egress; otherwise
///      observers' on_drop.
/// The true delay is therefore
///   egress_time - arrival = processing_delay + queueing wait + serialisation + propagation.
class Router {
 public:
  /// @throws std::invalid_argument on an invalid port or forwarding configuration, or a
  ///         negative processing delay.
  explicit Router(RouterConfig config);

  /// Routes one packet. Packets must come in (arrival, source, seq) order. With reference
  /// generators attached, references due before p (periodic) are injected first, and a
  /// reference that follows p (1-in-n) right after it; the returned fate is p's.
  /// @throws std::invalid_argument if p.arrival is earlier than the previous packet's.
  PacketFate process(const core::Packet& p);

  /// Attaches an RLI reference generator to egress `port`: from now on it sees every packet
  /// bound for the port and injects reference packets (kind kReference, `reference_bytes`
  /// long, flow key reference_flow_key(port), source kReferenceSource, seq = the reference's
  /// sequence number from 0, arrival = its send time) into the port's FIFO, where they take
  /// link time and buffer space like any packet and can be dropped. At most one per port.
  /// @throws std::invalid_argument for an unknown port, a second generator on the port, or an
  ///         invalid policy.
  void add_reference_sender(models::PortId port, const models::rli::ReferencePolicyConfig& policy);
  /// The generator of `port`, or null.
  const models::rli::ReferenceSender* reference_sender(models::PortId port) const;
  /// Source id carried by injected references (never used by a configured source).
  static constexpr std::uint16_t kReferenceSource = 0xffff;
  /// The flow key of the references sent to `port`: not an IP flow (ip_version 0), protocol
  /// 253 (RFC 3692, experimentation), the port number as destination port.
  static core::FlowKey reference_flow_key(models::PortId port);

  /// Observers are not owned and must outlive the router's use. They are called in the order
  /// they were added; `after`: see ObserverSet::add.
  void add_observer(models::Estimator& observer, const models::Estimator* after = nullptr) {
    observers_.add(observer, after);
  }
  /// Lets the observers run over batches of packets, one observer at a time, instead of all of
  /// them on every packet (ObserverSet::set_deferred): faster, and the same calls in the same
  /// order for each. Observers are then up to date only after flush_observers().
  void defer_observers() { observers_.set_deferred(true); }
  void flush_observers() { observers_.flush(); }
  /// Flushes and finalizes every observer (ObserverSet::finalize).
  void finalize_observers() { observers_.finalize(); }
  /// Deferred observers replay on `threads` threads (ObserverSet::set_threads).
  void set_observer_threads(unsigned threads) { observers_.set_threads(threads); }
  /// Flows end after `timeout` without a packet (models::FlowIndex); zero: never.
  void set_flow_timeout(core::Time timeout) { observers_.set_flow_timeout(timeout); }
  /// The flow index that gives the observers' flow ids.
  const models::FlowIndex& flow_index() const { return observers_.index(); }

  const RouterConfig& config() const { return config_; }
  const std::vector<OutputPort>& ports() const { return ports_; }
  /// Packets processed so far, injected references included.
  std::uint64_t packets() const { return packets_; }

 private:
  PacketFate deliver(const core::Packet& p, models::PortId port);
  void inject_reference(models::PortId port, core::Time at);

  RouterConfig config_;
  Forwarding forwarding_;
  // One optional generator per port; `senders_active_` lists the ports that have one.
  std::vector<std::optional<models::rli::ReferenceSender>> senders_;
  std::vector<models::PortId> senders_active_;
  std::vector<OutputPort> ports_;
  models::ObserverSet observers_;
  core::Time last_arrival_{};
  std::uint64_t packets_ = 0;
};

}  // namespace rlisim::net
