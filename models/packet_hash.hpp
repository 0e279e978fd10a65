#pragma once
// Deterministic hashes of fields that do not change between two measurement points, so that
// both taps of a sampling estimator make the same decision for the same packet or flow.

#include <cstdint>
#include <cstring>

#include "models/flow_index.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models {

/// A 64-bit hash of the flow key under `seed`. Unlike absl::Hash (seeded per process), the
/// value is the same in every run and on every platform, as consistent sampling needs.
inline std::uint64_t flow_hash(const core::FlowKey& key, std::uint64_t seed) {
  unsigned char bytes[40] = {};
  std::memcpy(bytes, &key, sizeof(core::FlowKey));
  std::uint64_t h = core::mix64(seed ^ 0x5bd1e9955bd1e995ULL);
  for (std::size_t i = 0; i < sizeof(bytes); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    h = core::mix64(h ^ word);
  }
  return h;
}

/// The part of packet_hash() that depends on neither the flow nor the seed.
inline std::uint64_t packet_fields_hash(const core::Packet& p) {
  return core::mix64((std::uint64_t{p.source} << 48) ^ p.seq);
}
/// A 64-bit hash of one packet's invariant fields under `seed`: its flow key, source and
/// per-source sequence number (they stand for the 5-tuple and IP identification field, the
/// invariant header bits trajectory sampling and LDA hash in a real router).
inline std::uint64_t packet_hash(const core::Packet& p, std::uint64_t seed) {
  return core::mix64(flow_hash(p.flow, seed) ^ packet_fields_hash(p));
}

/// True with probability `probability` over hash values: h / 2^64 < probability. Exact for
/// probability 0 (never) and 1 (always).
inline bool hash_selects(std::uint64_t h, double probability) {
  if (probability >= 1.0)
    return true;
  if (probability <= 0.0)
    return false;
  return static_cast<double>(h >> 11) * 0x1.0p-53 < probability;
}

/// packet_hash() under one seed, for an observer that hashes every packet at both taps (LDA,
/// consistent trajectory sampling): the same values for two mixes per packet instead of sixteen.
/// A flow's key hash is kept per flow id from the flow's start (Estimator::on_flow_start), and
/// the egress tap reuses the ingress tap's value, since a packet's egress follows its ingress
/// before the next ingress (estimator.hpp). A packet of a flow whose start it was not told of,
/// or an egress that is not the latest ingress's packet, is hashed in full.
class PacketHasher {
 public:
  explicit PacketHasher(std::uint64_t seed = 0) : seed_(seed) {}

  /// The flow `flow` starts with key `key`.
  void start_flow(const core::FlowKey& key, FlowId flow) {
    flows_.ensure(flow, [] { return KeyHash{}; }) = KeyHash{flow_hash(key, seed_), true};
  }
  /// The flow holding `flow` was released: its id may start another flow.
  void release_flow(FlowId flow) {
    if (flow < flows_.size())
      flows_[flow].known = false;
  }
  /// Starts fetching the flow's cached key hash (replay_each's prefetch_flow).
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const { flows_.prefetch(flow); }
  /// packet_hash(p, seed) at the ingress tap; p belongs to flow `flow`.
  std::uint64_t at_ingress(const core::Packet& p, FlowId flow) {
    latest_ = Latest{p.arrival, p.seq, p.source, flow};
    if (flow < flows_.size() && flows_[flow].known)
      latest_hash_ = core::mix64(flows_[flow].hash ^ packet_fields_hash(p));
    else
      latest_hash_ = packet_hash(p, seed_);
    return latest_hash_;
  }
  /// packet_hash(p, seed) at the egress tap.
  std::uint64_t at_egress(const core::Packet& p, FlowId flow) const {
    return is_latest(p, flow) ? latest_hash_ : packet_hash(p, seed_);
  }
  /// Whether p is the packet of the latest at_ingress() call, so that an observer may reuse
  /// what it derived from that packet's hash.
  bool is_latest(const core::Packet& p, FlowId flow) const {
    return p.arrival == latest_.arrival && p.seq == latest_.seq && p.source == latest_.source &&
           flow == latest_.flow;
  }

 private:
  struct KeyHash {
    std::uint64_t hash = 0;
    bool known = false;
  };
  struct Latest {
    core::Time arrival{core::Time::min()};
    std::uint64_t seq = 0;
    std::uint16_t source = 0;
    FlowId flow = 0;
  };
  std::uint64_t seed_ = 0;
  FlowArray<KeyHash> flows_;
  Latest latest_;
  std::uint64_t latest_hash_ = 0;
};

}  // namespace rlisim::models
