#include "models/truth/ground_truth.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "sim/core/error.hpp"

namespace rlisim::models {

GroundTruth::GroundTruth(const GroundTruthConfig& config)
    : prototype_{.first_seen = 0,
                 .kind = core::PacketKind::kRegular,
                 .port = 0,
                 .port_known = false,
                 .multiple_ports = false,
                 .offered_packets = 0,
                 .offered_bytes = 0,
                 .dropped_packets = 0,
                 .delay = {},
                 .quantiles = QuantileSketch(config.quantiles)} {}

void GroundTruth::on_ingress(const core::Packet& p) {
  auto [it, inserted] = flows_.try_emplace(p.flow, prototype_);
  FlowRecord& rec = it->second;
  if (inserted) {
    if (flows_.size() > std::numeric_limits<std::uint32_t>::max()) {
      throw std::length_error("ground truth: more than 2^32 flows");
    }
    rec.first_seen = static_cast<std::uint32_t>(flows_.size() - 1);
    rec.kind = p.kind;
  }
  ++rec.offered_packets;
  rec.offered_bytes += p.wire_bytes;
  last_ = &rec;
  last_key_ = &it->first;
}

FlowRecord& GroundTruth::record_for(const core::Packet& p) {
  if (last_ != nullptr && *last_key_ == p.flow)
    return *last_;
  // Only reached if a caller breaks the on_ingress -> on_egress/on_drop order.
  const auto it = flows_.find(p.flow);
  RLISIM_CHECK(it != flows_.end());
  return it->second;
}

namespace {
void note_port(FlowRecord& rec, PortId port) {
  if (!rec.port_known) {
    rec.port = port;
    rec.port_known = true;
  } else if (rec.port != port) {
    rec.multiple_ports = true;
  }
}
}  // namespace

void GroundTruth::on_egress(const core::Packet& p, PortId port, core::Time egress_time) {
  FlowRecord& rec = record_for(p);
  note_port(rec, port);
  const core::Time delay = egress_time - p.arrival;
  rec.delay.add(delay);
  rec.quantiles.add(static_cast<double>(delay.count()));
}

void GroundTruth::on_drop(const core::Packet& p, PortId port) {
  FlowRecord& rec = record_for(p);
  note_port(rec, port);
  ++rec.dropped_packets;
}

const FlowRecord* GroundTruth::find(const core::FlowKey& key) const {
  const auto it = flows_.find(key);
  return it == flows_.end() ? nullptr : &it->second;
}

std::vector<FlowEntry> GroundTruth::flows() const {
  std::vector<FlowEntry> out(flows_.size(), FlowEntry{nullptr, nullptr});
  // first_seen is a permutation of 0..F-1, so placing by index sorts in O(F).
  for (const auto& [key, rec] : flows_)
    out[rec.first_seen] = FlowEntry{&key, &rec};
  return out;
}

TruthSummary GroundTruth::summarise(const core::PacketKind* kind) const {
  TruthSummary s{.flows = 0,
                 .offered_packets = 0,
                 .offered_bytes = 0,
                 .dropped_packets = 0,
                 .delay = {},
                 .quantiles = QuantileSketch(prototype_.quantiles)};
  // Merge in first-seen order so the result does not depend on the hash seed.
  for (const FlowEntry& e : flows()) {
    const FlowRecord& r = *e.record;
    if (kind != nullptr && r.kind != *kind)
      continue;
    ++s.flows;
    s.offered_packets += r.offered_packets;
    s.offered_bytes += r.offered_bytes;
    s.dropped_packets += r.dropped_packets;
    s.delay.merge(r.delay);
    s.quantiles.merge(r.quantiles);
  }
  return s;
}

TruthSummary GroundTruth::summary() const {
  return summarise(nullptr);
}

TruthSummary GroundTruth::summary(core::PacketKind kind) const {
  return summarise(&kind);
}

}  // namespace rlisim::models
