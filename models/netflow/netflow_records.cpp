#include "models/netflow/netflow_records.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

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
    tap.exported.push_back(r);
    inserted = true;
  }
  if (inserted) {
    r = TapRecord{};
    r.flow = flow;
    std::uint8_t& state = flow_state_[flow];
    if ((state & kRecorded) == 0) {
      state |= kRecorded;
      ++sampled_flows_;
      flow_slots_ = std::max<std::size_t>(flow_slots_, std::size_t{flow} + 1);
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

void NetflowRecords::sweep(std::int64_t now) {
  ++counters_.sweeps;
  sweep_tap(ingress_, now);
  sweep_tap(egress_, now);
  packets_since_sweep_ = 0;
  sweep_after_ = std::max<std::uint64_t>(kMinSweepPackets, open_records());
}

void NetflowRecords::sweep_tap(Tap& tap, std::int64_t now) {
  // Export order across flows does not matter: pairing sorts by (flow, first).
  for (std::size_t i = 0; i < tap.open.size();) {
    if (!expired(tap.open[i], now)) {
      ++i;
      continue;
    }
    tap.exported.push_back(tap.open[i]);
    tap.slot_of[tap.open[i].flow] = 0;
    if (i + 1 != tap.open.size()) {
      tap.open[i] = tap.open.back();
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
    tap->exported.insert(tap->exported.end(), tap->open.begin(), tap->open.end());
    tap->open = {};
    tap->slot_of = {};
  }
  counters_.records_in = ingress_.exported.size();
  counters_.records_out = egress_.exported.size();
  pair_records();
  ingress_.exported = {};
  egress_.exported = {};
}

void NetflowRecords::pair_records() {
  const auto by_flow_then_time = [](const TapRecord& a, const TapRecord& b) {
    return std::tie(a.flow, a.first) < std::tie(b.flow, b.first);
  };
  auto& in = ingress_.exported;
  auto& out = egress_.exported;
  std::sort(in.begin(), in.end(), by_flow_then_time);
  std::sort(out.begin(), out.end(), by_flow_then_time);
  pairs_.reserve(std::min(in.size(), out.size()));
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < in.size() || j < out.size()) {
    std::uint32_t flow = 0;
    if (i == in.size())
      flow = out[j].flow;
    else if (j == out.size())
      flow = in[i].flow;
    else
      flow = std::min(in[i].flow, out[j].flow);
    std::size_t i_end = i;
    while (i_end < in.size() && in[i_end].flow == flow)
      ++i_end;
    std::size_t j_end = j;
    while (j_end < out.size() && out[j_end].flow == flow)
      ++j_end;
    const std::size_t k = std::min(i_end - i, j_end - j);
    counters_.unpaired_records += (i_end - i - k) + (j_end - j - k);
    for (std::size_t n = 0; n < k; ++n) {
      const TapRecord& a = in[i + n];
      const TapRecord& b = out[j + n];
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
    i = i_end;
    j = j_end;
  }
}

}  // namespace rlisim::models::netflow
