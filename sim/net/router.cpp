#include "sim/net/router.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace rlisim::net {
namespace {

const RouterConfig& validated(const RouterConfig& config) {
  if (config.processing_delay.count() < 0) {
    throw std::invalid_argument(fmt::format("router: processing_delay must be >= 0 (got {} ps)",
                                            config.processing_delay.count()));
  }
  if (config.egress.empty()) {
    throw std::invalid_argument("router: no egress ports configured; configure at least one");
  }
  return config;
}

}  // namespace

Router::Router(RouterConfig config)
    : config_(std::move(config)),
      forwarding_(validated(config_).forwarding, config_.egress.size()) {
  ports_.reserve(config_.egress.size());
  for (const OutputPortConfig& port : config_.egress)
    ports_.emplace_back(port);
}

PacketFate Router::process(const core::Packet& p) {
  if (p.arrival < last_arrival_ && packets_ > 0) {
    throw std::invalid_argument(fmt::format(
        "router: packet {} of source {} arrives at {} ps, before the previous packet ({} ps); "
        "packets must be processed in (arrival, source, seq) order",
        p.seq, p.source, p.arrival.count(), last_arrival_.count()));
  }
  // Periodic references due up to p's arrival go first (a tie goes to the reference).
  for (const models::PortId port : senders_active_) {
    auto& sender = *senders_[port];
    while (sender.next_due() && *sender.next_due() <= p.arrival) {
      const core::Time due = *sender.next_due();
      if (sender.take_due())
        inject_reference(port, due);
    }
  }
  last_arrival_ = p.arrival;
  observers_.ingress(p);
  const models::PortId port = forwarding_.port_for(p.flow);
  const PacketFate fate = deliver(p, port);
  if (!senders_.empty() && senders_[port]) {
    auto& sender = *senders_[port];
    if (sender.on_packet(p.arrival, p.wire_bytes, p.kind == core::PacketKind::kRegular))
      inject_reference(port, p.arrival);
  }
  return fate;
}

PacketFate Router::deliver(const core::Packet& p, models::PortId port_id) {
  ++packets_;
  PacketFate fate;
  fate.arrival = p.arrival;
  fate.port = port_id;
  OutputPort& port = ports_[fate.port];
  std::int64_t at_port = 0;
  if (__builtin_add_overflow(p.arrival.count(), config_.processing_delay.count(), &at_port)) {
    throw std::overflow_error(fmt::format(
        "router: packet {} of source {} reaches its port beyond the simulated-time range (about "
        "106 days in int64 picoseconds); processing_delay is too large",
        p.seq, p.source));
  }
  const PortVerdict verdict = port.offer(core::Time{at_port}, p.wire_bytes);
  if (verdict.accepted) {
    std::int64_t egress = 0;
    if (__builtin_add_overflow(verdict.departure.count(), port.config().propagation.count(),
                               &egress)) {
      throw std::overflow_error(fmt::format(
          "router: packet {} of source {} reaches the egress tap of port '{}' beyond the "
          "simulated-time range (about 106 days in int64 picoseconds); propagation is too large",
          p.seq, p.source, port.config().name));
    }
    fate.egress_time = core::Time{egress};
    observers_.egress(p, fate.port, fate.egress_time);
  } else {
    fate.dropped = true;
    fate.reason = verdict.reason;
    observers_.drop(p, fate.port);
  }
  return fate;
}

core::FlowKey Router::reference_flow_key(models::PortId port) {
  core::FlowKey key;
  key.protocol = 253;
  key.dst_port = port;
  return key;
}

void Router::add_reference_sender(models::PortId port,
                                  const models::rli::ReferencePolicyConfig& policy) {
  if (port >= ports_.size()) {
    throw std::invalid_argument(
        fmt::format("router: reference generator for port {}, but the router has {} port(s)", port,
                    ports_.size()));
  }
  senders_.resize(ports_.size());
  if (senders_[port]) {
    throw std::invalid_argument(
        fmt::format("router: port {} already has a reference generator", port));
  }
  senders_[port].emplace(policy, ports_[port].config().rate);
  senders_active_.push_back(port);
}

const models::rli::ReferenceSender* Router::reference_sender(models::PortId port) const {
  return port < senders_.size() && senders_[port] ? &*senders_[port] : nullptr;
}

void Router::inject_reference(models::PortId port, core::Time at) {
  auto& sender = *senders_[port];
  core::Packet ref;
  ref.arrival = at;
  ref.flow = reference_flow_key(port);
  ref.wire_bytes = sender.config().reference_bytes;
  ref.source = kReferenceSource;
  ref.kind = core::PacketKind::kReference;
  ref.seq = sender.counters().references;
  sender.on_reference(at);
  observers_.ingress(ref);
  deliver(ref, port);
}

}  // namespace rlisim::net
