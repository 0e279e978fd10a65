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
  last_arrival_ = p.arrival;
  ++packets_;
  for (models::Estimator* o : observers_)
    o->on_ingress(p);

  PacketFate fate;
  fate.arrival = p.arrival;
  fate.port = forwarding_.port_for(p.flow);
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
    for (models::Estimator* o : observers_)
      o->on_egress(p, fate.port, fate.egress_time);
  } else {
    fate.dropped = true;
    fate.reason = verdict.reason;
    for (models::Estimator* o : observers_)
      o->on_drop(p, fate.port);
  }
  return fate;
}

}  // namespace rlisim::net
