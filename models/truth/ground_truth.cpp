#include "models/truth/ground_truth.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "sim/core/error.hpp"

namespace rlisim::models {

GroundTruth::GroundTruth(const GroundTruthConfig& config)
    : prototype_(config.quantiles),
      kind_quantiles_{QuantileSketch(config.quantiles), QuantileSketch(config.quantiles),
                      QuantileSketch(config.quantiles)},
      released_{TruthSummary(config.quantiles), TruthSummary(config.quantiles),
                TruthSummary(config.quantiles)} {
  pending_ = std::make_unique_for_overwrite<long long[]>(kUpdateWords * kBatch);
  track_quantiles_ = config.track_quantiles;
}

void GroundTruth::on_flow_start(const core::Packet& first, FlowId flow) {
  // The offered packet is counted (and cached totals dropped) by its egress or drop update,
  // which always follows: one buffered update per packet instead of two.
  // A reused id's record was emptied by release_flow.
  FlowRecord& rec = flows_.ensure(flow, [&] { return prototype_; });
  rec.first_seen = flow_index() ? flow_index()->serial(flow) : flow;
  rec.kind = first.kind;
  rec.first_arrival = first.arrival;
  ++flows_started_;
}

void GroundTruth::on_ingress(const core::Packet& p, FlowId flow) {
  // Observers fed by hand, without an ObserverSet, get no on_flow_start.
  if (flow >= flows_.size())
    on_flow_start(p, flow);
}

void GroundTruth::on_egress(const core::Packet& p, FlowId flow, PortId port,
                            core::Time egress_time) {
  // Checked here, where the caller can still be named, rather than when the batch is applied.
  RLISIM_CHECK(egress_time >= p.arrival);
  RLISIM_CHECK(flow < flows_.size());
  push(Update{.flow = flow,
              .bytes = p.wire_bytes,
              .delay_ps = (egress_time - p.arrival).count(),
              .port = port,
              .type = kEgress,
              .reserved = {}});
}

void GroundTruth::on_drop(const core::Packet& p, FlowId flow, PortId port) {
  RLISIM_CHECK(flow < flows_.size());
  push(Update{.flow = flow,
              .bytes = p.wire_bytes,
              .delay_ps = 0,
              .port = port,
              .type = kDrop,
              .reserved = {}});
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

void GroundTruth::on_flow_end(FlowId flow) {
  if (track_quantiles_ && flow < flows_.size())
    to_seal_.push_back(flow);
}

void GroundTruth::flush() const {
  apply_pending();
  // After the updates: they may include an ended flow's last packets. Release flushes first,
  // so no id here has been given to a later flow yet.
  for (const FlowId flow : to_seal_)
    flows_[flow].seal_quantiles();
  to_seal_.clear();
}

void GroundTruth::apply_pending() const {
  if (pending_count_ == 0)
    return;
  // One stable counting-sort pass on the top 11 bits of the flow index groups the updates
  // into 2048 ranges of neighbouring records (each range spans a few tens of KiB of records,
  // which stay in cache while the range is applied). Stable, so every flow keeps its updates
  // in arrival order; a full sort would buy no further locality.
  // Whatever happens below, these updates are consumed exactly once.
  struct ClearOnExit {
    std::size_t& count;
    ~ClearOnExit() { count = 0; }
  } clear_on_exit{pending_count_};
  core::stream_fence();
  const std::size_t n = pending_count_;
  if (scratch_.size() < n)
    scratch_.resize(n);
  const auto pending = [this](std::size_t i) {
    Update u;
    std::memcpy(&u, pending_.get() + kUpdateWords * i, sizeof u);
    return u;
  };
  constexpr unsigned kBits = 11;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  const std::size_t size = flows_.size();
  const unsigned used_bits = size > 1 ? 64u - static_cast<unsigned>(__builtin_clzll(size - 1)) : 1u;
  const unsigned shift = used_bits > kBits ? used_bits - kBits : 0u;
  std::array<std::size_t, kBuckets + 1> start{};
  for (std::size_t i = 0; i < n; ++i)
    ++start[(pending(i).flow >> shift) + 1];
  for (std::size_t b = 1; b <= kBuckets; ++b)
    start[b] += start[b - 1];
  for (std::size_t i = 0; i < n; ++i) {
    const Update u = pending(i);
    scratch_[start[u.flow >> shift]++] = u;
  }
  // Each batch touches tens of thousands of records (four cache lines each), mostly not
  // cached: fetch each a few updates ahead. Only the record: the sketch memory an update will
  // write is known only after computing its bucket, and doing that twice per packet costs
  // about what the early fetch would save.
  constexpr std::size_t kRecordAhead = 16;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kRecordAhead < n) {
      const auto* lines = reinterpret_cast<const char*>(&flows_[scratch_[i + kRecordAhead].flow]);
      for (std::size_t offset = 0; offset < sizeof(FlowRecord); offset += 64)
        __builtin_prefetch(lines + offset, 1);
    }
    const Update& u = scratch_[i];
    FlowRecord& rec = flows_[u.flow];
    ++rec.offered_packets;
    rec.offered_bytes += u.bytes;
    note_port(rec, u.port);
    if (u.type == kEgress) {
      rec.delay.add(core::Time{u.delay_ps});
      if (track_quantiles_) {
        const auto delay = static_cast<double>(u.delay_ps);
        rec.quantiles.add(delay);
        try {
          kind_quantiles_[static_cast<std::size_t>(rec.kind)].add(delay);
        } catch (const std::overflow_error& e) {
          kind_quantiles_error_ = e.what();
        }
      }
    } else {
      ++rec.dropped_packets;
    }
  }
}

const FlowRecord* GroundTruth::find(FlowId flow) const {
  flush();
  return flow < flows_.size() ? &flows_[flow] : nullptr;
}

void GroundTruth::release_flow(FlowId flow) {
  flush();
  finalized_.reset();
  FlowRecord& r = flows_[flow];
  if (r.offered_packets != 0) {
    TruthSummary& s = released_[static_cast<std::size_t>(r.kind)];
    ++s.flows;
    s.merge_counts(r);
  }
  r = FlowRecord(prototype_);  // a fresh record: assigning would keep the sketch's capacity
}

const FlowRecord* GroundTruth::find(const core::FlowKey& key) const {
  const auto id = id_of(key);
  return id ? find(*id) : nullptr;
}

std::vector<FlowEntry> GroundTruth::flows() const {
  flush();
  std::vector<FlowEntry> out;
  out.reserve(flows_.size());
  RLISIM_CHECK(flows_.size() == 0 || flow_index() != nullptr);
  for (FlowId i = 0; i < flows_.size(); ++i) {
    if (flows_[i].offered_packets > 0)
      out.push_back(FlowEntry{&flow_index()->key(i), &flows_[i], i});
  }
  // Ids are reused once flows end, so first-seen order is the serials' order; until an id is
  // reused, it is the ids' order already.
  const auto by_serial = [](const FlowEntry& a, const FlowEntry& b) {
    return a.record->first_seen < b.record->first_seen;
  };
  if (!std::is_sorted(out.begin(), out.end(), by_serial))
    std::sort(out.begin(), out.end(), by_serial);
  return out;
}

GroundTruth::Totals GroundTruth::totals() const {
  flush();
  const TruthSummary empty(prototype_.quantiles.config());
  Totals t{.by_kind = released_, .all = empty};
  // One pass in first-seen order (deterministic: independent of the hash seed) for the counts
  // and moments; the quantiles were kept per kind as the updates were applied. The total over
  // all kinds is the merge of the per-kind totals, which the sketch allows exactly.
  for (FlowId i = 0; i < flows_.size(); ++i) {
    const FlowRecord& r = flows_[i];
    if (r.offered_packets == 0)
      continue;  // only an ingress observation (a run cut short)
    TruthSummary& s = t.by_kind[static_cast<std::size_t>(r.kind)];
    ++s.flows;
    s.merge_counts(r);
  }
  if (!kind_quantiles_error_.empty())
    throw std::overflow_error(kind_quantiles_error_);
  for (std::size_t k = 0; k < kKinds; ++k)
    t.by_kind[k].quantiles = kind_quantiles_[k];
  for (const auto& k : t.by_kind) {
    t.all.flows += k.flows;
    t.all.merge(k);
  }
  return t;
}

void GroundTruth::finalize() {
  finalized_ = totals();
  // No packet follows: every flow keeps only what the outputs read of its sketch, which frees
  // the stored delays of the flows still live before the outputs need memory of their own.
  if (track_quantiles_) {
    for (FlowId i = 0; i < flows_.size(); ++i) {
      if (flows_[i].offered_packets != 0)
        flows_[i].seal_quantiles();
    }
  }
}

TruthSummary GroundTruth::summary() const {
  return finalized_ ? finalized_->all : totals().all;
}

TruthSummary GroundTruth::summary(core::PacketKind kind) const {
  const auto i = static_cast<std::size_t>(kind);
  return finalized_ ? finalized_->by_kind[i] : totals().by_kind[i];
}

}  // namespace rlisim::models
