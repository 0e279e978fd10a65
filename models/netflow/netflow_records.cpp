#include "models/netflow/netflow_records.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "models/packet_hash.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::netflow {
namespace {

// Streams of the packet-sampling draws; trajectory sampling's independent mode uses 1 and 2.
constexpr std::uint64_t kIngressSamplingStream = 3;
constexpr std::uint64_t kEgressSamplingStream = 4;

}  // namespace

void NetflowConfig::validate() const {
  if (!(flow_sampling > 0.0 && flow_sampling <= 1.0)) {
    throw std::invalid_argument(
        fmt::format("netflow: flow_sampling must be in (0, 1] (got {})", flow_sampling));
  }
  if (active_timeout.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("netflow: active_timeout must be > 0 (got {} ps)", active_timeout.count()));
  }
  if (inactive_timeout.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("netflow: inactive_timeout must be > 0 (got {} ps)", inactive_timeout.count()));
  }
  if (packet_sampling == 0)
    throw std::invalid_argument("netflow: packet_sampling must be >= 1 (got 0)");
  if (packet_sampling > 1 && lossy_pairs == LossyPairs::kDiscard) {
    throw std::invalid_argument(fmt::format(
        "netflow: lossy_pairs must be 'use' with packet_sampling = {}: taps sampling packets "
        "independently count different packets, so their counts differ without any loss",
        packet_sampling));
  }
}

NetflowRecords::NetflowRecords(const NetflowConfig& config)
    : config_(config),
      ingress_rng_(core::make_rng(config.seed, kIngressSamplingStream)),
      egress_rng_(core::make_rng(config.seed, kEgressSamplingStream)) {
  config_.validate();
  active_ = config_.active_timeout.count();
  inactive_ = config_.inactive_timeout.count();
  packet_probability_ = 1.0 / static_cast<double>(config_.packet_sampling);
}

bool NetflowRecords::keeps_packet(std::mt19937_64& tap_rng) {
  return config_.packet_sampling == 1 || core::uniform01(tap_rng) < packet_probability_;
}

bool NetflowRecords::samples_flow(const core::FlowKey& key) const {
  return hash_selects(flow_hash(key, config_.seed), config_.flow_sampling);
}

bool NetflowRecords::samples(FlowId flow, const core::FlowKey& key) {
  std::uint8_t& state = flow_state_.ensure(flow, [] { return std::uint8_t{0}; });
  if (state == 0)
    state = samples_flow(key) ? kSampled : kNotSampled;
  return (state & kSampled) != 0;
}

void NetflowRecords::on_ingress(const core::Packet& p, FlowId flow) {
  RLISIM_CHECK(!finalized_);
  ++counters_.ingress_packets;
  const std::int64_t at = p.arrival.count();
  watermark_ = std::max(watermark_, at);
  if (++packets_since_sweep_ >= sweep_after_)
    sweep(watermark_);
  if (samples(flow, p.flow) && keeps_packet(ingress_rng_)) {
    ++counters_.sampled_packets_in;
    observe(ingress_, p, flow, at);
  }
}

void NetflowRecords::on_egress(const core::Packet& p, FlowId flow, core::Time egress_time) {
  RLISIM_CHECK(!finalized_);
  if (samples(flow, p.flow) && keeps_packet(egress_rng_)) {
    ++counters_.sampled_packets_out;
    observe(egress_, p, flow, egress_time.count());
  }
}

void NetflowRecords::observe(Tap& tap, const core::Packet& p, FlowId flow, std::int64_t at) {
  std::uint32_t& slot = tap.slot_of.ensure(flow, [] { return std::uint32_t{0}; });
  bool inserted = slot == 0;
  if (inserted) {
    tap.open.emplace_back();
    slot = static_cast<std::uint32_t>(tap.open.size());
  }
  TapRecord& r = tap.open[slot - 1];
  if (!inserted && expired(r, at)) {
    export_record(&tap == &ingress_, r);
    inserted = true;
  }
  if (inserted) {
    r = TapRecord{};
    r.flow = flow;
    std::uint8_t& state = flow_state_[flow];
    if ((state & kRecorded) == 0) {
      state |= kRecorded;
      ++sampled_flows_;
    }
    r.first = r.last = at;
    r.first_seq = r.last_seq = p.seq;
    r.first_source = r.last_source = p.source;
    counters_.peak_open_records = std::max(counters_.peak_open_records, open_records());
  }
  ++r.packets;
  r.bytes += p.wire_bytes;
  // Per-port FIFO keeps a flow's tap times ordered; the guard only matters if a flow's
  // packets leave by several ports.
  if (at >= r.last) {
    r.last = at;
    r.last_seq = p.seq;
    r.last_source = p.source;
  }
}

void NetflowRecords::export_record(bool ingress, const TapRecord& r) {
  ++(ingress ? counters_.records_in : counters_.records_out);
  Waiting& w = waiting_[r.flow];
  (ingress ? w.in : w.out).push_back(r);
  pair_waiting(r.flow, false);
}

void NetflowRecords::pair_waiting(FlowId flow, bool last) {
  const auto it = waiting_.find(flow);
  if (it == waiting_.end())
    return;
  Waiting& w = it->second;
  const std::size_t k = std::min(w.in.size(), w.out.size());
  for (std::size_t n = 0; n < k; ++n) {
    const TapRecord& a = w.in[n];
    const TapRecord& b = w.out[n];
    RecordPair pair;
    pair.flow = flow;
    pair.first_in = a.first;
    pair.last_in = a.last;
    pair.first_out = b.first;
    pair.last_out = b.last;
    pair.packets_in = a.packets;
    pair.packets_out = b.packets;
    if (a.first_seq != b.first_seq || a.first_source != b.first_source ||
        a.last_seq != b.last_seq || a.last_source != b.last_source) {
      ++counters_.wrong_first_last;
    }
    ++counters_.pairs;
    if (a.packets != b.packets) {
      ++counters_.lossy_pairs;
      if (config_.lossy_pairs == LossyPairs::kDiscard) {
        ++counters_.discarded_pairs;
        continue;
      }
    }
    counters_.samples += pair.one_sample() ? 1 : 2;
    pairs_.push_back(pair);
  }
  w.in.erase(w.in.begin(), w.in.begin() + static_cast<std::ptrdiff_t>(k));
  w.out.erase(w.out.begin(), w.out.begin() + static_cast<std::ptrdiff_t>(k));
  if (last) {
    counters_.unpaired_records += w.in.size() + w.out.size();
    w.in.clear();
    w.out.clear();
  }
  if (w.in.empty() && w.out.empty())
    waiting_.erase(it);
}

void NetflowRecords::forget_read_pairs() {
  const std::uint64_t all_read = *std::min_element(read_.begin(), read_.end());
  // Dropped in bulk, so each pair is moved about once.
  const auto read = static_cast<std::size_t>(all_read - pairs_base_);
  if (read == pairs_.size()) {
    pairs_.clear();
  } else if (read > 0 && read >= pairs_.size() / 2) {
    pairs_.erase(pairs_.begin(), pairs_.begin() + static_cast<std::ptrdiff_t>(read));
  } else {
    return;
  }
  pairs_base_ = all_read;
}

void NetflowRecords::close_open_record(Tap& tap, bool ingress, FlowId flow) {
  if (flow >= tap.slot_of.size() || tap.slot_of[flow] == 0)
    return;
  TapRecord& r = tap.open[tap.slot_of[flow] - 1];
  export_record(ingress, r);
  r.packets = 0;
  tap.slot_of[flow] = 0;
}

void NetflowRecords::finish_flow(FlowId flow) {
  RLISIM_CHECK(!finalized_);
  close_open_record(ingress_, true, flow);
  close_open_record(egress_, false, flow);
  pair_waiting(flow, true);
  if (flow < flow_state_.size())
    flow_state_[flow] = 0;
}

std::int64_t NetflowRecords::unpaired_horizon() const {
  std::int64_t horizon = watermark_;
  for (const TapRecord& r : egress_.open) {
    if (r.packets != 0)
      horizon = std::min(horizon, r.first);
  }
  for (const auto& [flow, w] : waiting_) {
    if (!w.out.empty())
      horizon = std::min(horizon, w.out.front().first);
  }
  return horizon;
}

void NetflowRecords::sweep(std::int64_t now) {
  ++counters_.sweeps;
  sweep_tap(ingress_, now);
  sweep_tap(egress_, now);
  packets_since_sweep_ = 0;
  sweep_after_ = std::max<std::uint64_t>(kMinSweepPackets, open_records());
}

void NetflowRecords::sweep_tap(Tap& tap, std::int64_t now) {
  const bool ingress = &tap == &ingress_;
  for (std::size_t i = 0; i < tap.open.size();) {
    const TapRecord& r = tap.open[i];
    if (!expired(r, now)) {
      ++i;
      continue;
    }
    // A ghost was exported when its flow finished, and its id may belong to another flow.
    if (r.packets != 0) {
      export_record(ingress, r);
      tap.slot_of[r.flow] = 0;
    }
    if (i + 1 != tap.open.size()) {
      tap.open[i] = tap.open.back();
      if (tap.open[i].packets != 0)
        tap.slot_of[tap.open[i].flow] = static_cast<std::uint32_t>(i + 1);
    }
    tap.open.pop_back();
  }
}

void NetflowRecords::finalize() {
  if (finalized_)
    return;
  finalized_ = true;
  for (Tap* tap : {&ingress_, &egress_}) {
    for (const TapRecord& r : tap->open) {
      if (r.packets != 0)
        export_record(tap == &ingress_, r);
    }
    tap->open = {};
    tap->slot_of = {};
  }
  std::vector<FlowId> flows;
  for (const auto& [flow, w] : waiting_)
    flows.push_back(flow);
  std::sort(flows.begin(), flows.end());
  for (const FlowId flow : flows)
    pair_waiting(flow, true);
}

}  // namespace rlisim::models::netflow
