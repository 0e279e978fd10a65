#include "models/rli/rli_receiver.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::models::rli {
namespace {

// Truncates t down to a multiple of `resolution` (floor, also for negative t).
std::int64_t truncate(std::int64_t t, std::int64_t resolution) {
  if (resolution <= 1)
    return t;
  std::int64_t q = t / resolution;
  if (t % resolution != 0 && t < 0)
    --q;
  return q * resolution;
}

}  // namespace

RliReceiver::RliReceiver(const ReceiverConfig& config) : config_(config) {
  if (config_.buffer_limit == 0)
    throw std::invalid_argument("rli: buffer_limit must be >= 1");
  if (config_.clock.sender_resolution.count() < 0 || config_.clock.receiver_resolution.count() < 0)
    throw std::invalid_argument("rli: timestamp resolutions must be >= 0");
  if (!std::isfinite(config_.clock.drift_ppm) || std::abs(config_.clock.drift_ppm) >= 1e6) {
    throw std::invalid_argument(
        fmt::format("rli: clock drift must be finite and below 1e6 ppm in magnitude (got {})",
                    config_.clock.drift_ppm));
  }
}

core::Time RliReceiver::receiver_clock(core::Time t) const {
  std::int64_t v = t.count() + config_.clock.offset.count();
  if (config_.clock.drift_ppm != 0)
    v += std::llround(static_cast<double>(t.count()) * config_.clock.drift_ppm * 1e-6);
  return core::Time{truncate(v, config_.clock.receiver_resolution.count())};
}

core::Time RliReceiver::sender_clock(core::Time t) const {
  return core::Time{truncate(t.count(), config_.clock.sender_resolution.count())};
}

RliReceiver::PortState* RliReceiver::port_state(PortId port) {
  if (port >= ports_.size()) {
    const std::size_t old = ports_.size();
    ports_.resize(std::size_t{port} + 1);
    for (std::size_t i = old; i < ports_.size(); ++i) {
      ports_[i].measured = config_.measures(static_cast<PortId>(i));
      if (config_.serialization_correction && ports_[i].measured) {
        if (i >= config_.link_rates_bps.size() || config_.link_rates_bps[i] == 0) {
          throw std::invalid_argument(
              fmt::format("rli: serialization_correction needs the link rate of port {}", i));
        }
        ports_[i].ps_per_byte = 8e12 / static_cast<double>(config_.link_rates_bps[i]);
      }
    }
  }
  PortState& s = ports_[port];
  return s.measured ? &s : nullptr;
}

void RliReceiver::add_estimate(FlowId flow, double delay) {
  FlowEstimate& e = flows_[flow].estimate;
  estimated_flows_ += e.packets == 0 ? 1 : 0;
  e.add(delay);
  ++counters_.estimated;
}

double RliReceiver::estimate(const Reference& l, const Reference& r, std::int64_t at) {
  if (at < l.at || at > r.at) {
    ++counters_.out_of_bracket;
    at = std::clamp(at, l.at, r.at);
  }
  const auto dl = static_cast<double>(l.delay);
  const auto dr = static_cast<double>(r.delay);
  switch (config_.interpolation) {
    case Interpolation::kLinear:
      if (r.at == l.at)
        return dl;
      return dl + (dr - dl) * static_cast<double>(at - l.at) / static_cast<double>(r.at - l.at);
    case Interpolation::kLeft:
      return dl;
    case Interpolation::kNearest:
      return r.at - at < at - l.at ? dr : dl;
    case Interpolation::kMean:
      return 0.5 * (dl + dr);
  }
  return dl;
}

void RliReceiver::settle_between(PortState& s, const Reference& right) {
  for (const Waiting& w : s.waiting) {
    add_estimate(w.flow, estimate(s.left, right, w.at) + own_time_correction(s, w.wire_bytes));
    ++counters_.interpolated;
  }
  s.waiting.clear();
}

void RliReceiver::settle_single(PortState& s, double delay) {
  for (const Waiting& w : s.waiting) {
    if (config_.boundary == BoundaryPolicy::kNearest)
      add_estimate(w.flow, delay + own_time_correction(s, w.wire_bytes));
    else
      ++counters_.excluded;
  }
  s.waiting.clear();
}

void RliReceiver::on_reference(PortState& s, const core::Packet& p, core::Time egress_time) {
  Reference r;
  r.at = receiver_clock(egress_time).count();
  r.delay = r.at - sender_clock(p.arrival).count();
  if (config_.references_follow_trigger && s.ps_per_byte > 0)
    r.delay -= std::llround(s.ps_per_byte * s.previous_bytes);
  r.seq = p.seq;
  s.reference_bytes = p.wire_bytes;
  ++counters_.references;
  const std::uint64_t expected = s.has_left ? s.left.seq + 1 : 0;
  if (r.seq > expected) {
    counters_.references_lost += r.seq - expected;
    if (s.has_left)
      counters_.across_gap += s.waiting.size();
  }
  if (s.has_left) {
    settle_between(s, r);
  } else {
    counters_.before_first += s.waiting.size();
    settle_single(s, static_cast<double>(r.delay));
  }
  s.left = r;
  s.has_left = true;
}

void RliReceiver::on_egress(const core::Packet& p, FlowId flow, PortId port,
                            core::Time egress_time) {
  RLISIM_CHECK(!finalized_);
  PortState* s = port_state(port);
  if (s == nullptr)
    return;
  if (p.kind == core::PacketKind::kReference) {
    on_reference(*s, p, egress_time);
    return;
  }
  ++counters_.packets;
  s->previous_bytes = p.wire_bytes;
  Slot& slot = flows_.ensure(flow, [] { return Slot{}; });
  if (!slot.seen) {
    slot.seen = true;
    ++seen_flows_;
  }
  const std::int64_t at = receiver_clock(egress_time).count();
  if (s->has_left && (config_.interpolation == Interpolation::kLeft ||
                      s->waiting.size() >= config_.buffer_limit)) {
    if (config_.interpolation != Interpolation::kLeft)
      ++counters_.buffer_overflow;
    add_estimate(flow, static_cast<double>(s->left.delay) + own_time_correction(*s, p.wire_bytes));
    return;
  }
  if (s->waiting.size() >= config_.buffer_limit) {
    // No left reference yet and no room to wait for one: nothing to estimate from.
    ++counters_.buffer_overflow;
    ++counters_.before_first;
    ++counters_.excluded;
    return;
  }
  s->waiting.push_back(Waiting{flow, p.wire_bytes, at, p.arrival});
  counters_.peak_buffer = std::max<std::uint64_t>(counters_.peak_buffer, s->waiting.size());
}

void RliReceiver::finalize() {
  if (finalized_)
    return;
  finalized_ = true;
  for (PortState& s : ports_) {
    if (s.waiting.empty())
      continue;
    if (s.has_left) {
      counters_.after_last += s.waiting.size();
      settle_single(s, static_cast<double>(s.left.delay));
    } else {
      // No reference ever arrived at this port: nothing to estimate from.
      counters_.before_first += s.waiting.size();
      counters_.excluded += s.waiting.size();
      s.waiting.clear();
    }
  }
}

const FlowEstimate* RliReceiver::find(FlowId flow) const {
  return flow < flows_.size() && flows_[flow].seen ? &flows_[flow].estimate : nullptr;
}

core::Time RliReceiver::settled_through() const {
  // A port is FIFO, so its first waiting packet arrived first.
  core::Time t = core::Time::max();
  for (const PortState& s : ports_) {
    if (!s.waiting.empty())
      t = std::min(t, s.waiting.front().arrival - core::Time{1});
  }
  return t;
}

void RliReceiver::release_flow(FlowId flow) {
  if (flow < flows_.size())
    flows_[flow] = Slot{};
}

const FlowEstimate* RliReceiver::find(const core::FlowKey& key) const {
  const auto id = id_of(key);
  return id ? find(*id) : nullptr;
}

std::uint64_t RliReceiver::state_bytes() const {
  // What a receiver of its own holds: per flow the counters, the key and a hash slot.
  return seen_flows_ * (sizeof(FlowEstimate) + sizeof(core::FlowKey) + sizeof(std::uint32_t)) +
         counters_.peak_buffer * kWaitingBytes;
}

std::optional<FlowDelayEstimate> RliReceiver::estimate(FlowId flow) const {
  const auto* est = find(flow);
  if (est == nullptr || est->packets == 0)
    return std::nullopt;
  return FlowDelayEstimate{
      .samples = est->packets, .mean_ps = est->mean(), .std_ps = est->stddev()};
}

EstimatorCost RliReceiver::cost() const {
  // A NetFlow v5 record (48 B) carries the key and N; S and Q add two 8 B sums.
  constexpr std::uint64_t kExportRecordBytes = 48 + 2 * 8;
  return EstimatorCost{.state_bytes = state_bytes(),
                       .export_bytes = estimated_flows_ * kExportRecordBytes,
                       .injected_packets = injected_packets_,
                       .injected_bytes = injected_bytes_,
                       .delay_samples = counters_.references};
}

std::vector<NamedCounter> RliReceiver::counters() const {
  const auto& c = counters_;
  const auto v = [](std::uint64_t x) { return static_cast<double>(x); };
  return {{"references_received", v(c.references)},
          {"references_lost", v(c.references_lost)},
          {"packets", v(c.packets)},
          {"estimated", v(c.estimated)},
          {"before_first_reference", v(c.before_first)},
          {"after_last_reference", v(c.after_last)},
          {"excluded", v(c.excluded)},
          {"interpolated_across_lost_references", v(c.across_gap)},
          {"buffer_overflow", v(c.buffer_overflow)},
          {"peak_buffer_packets", v(c.peak_buffer)}};
}

}  // namespace rlisim::models::rli
