#pragma once
// NetFlow record keeping at both taps of a router (consistent flow sampling, optionally with
// classic random packet sampling), and the pairing of the exported records into ingress/egress
// pairs with their first/last delay samples.

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/flow_index.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models::netflow {

/// How Multiflow turns the pool of first/last samples around a record into one estimate.
/// The paper's choice is not known to us (reconstructed, estimators.md §4 step 5).
enum class MultiflowPool : std::uint8_t {
  kMean,         ///< plain mean of the pooled samples (the default)
  kInterpolate,  ///< time-weighted mean of the piecewise-linear curve through the pool
  kNearest,      ///< the pooled sample nearest in egress time to the interval midpoint
};

/// What the collector does with a record pair whose ingress and egress packet counts differ.
/// Such a pair lost packets between the taps; when the lost packet was the record's first or
/// last, its "samples" pair one packet's ingress time with another packet's egress time and are
/// off by an inter-packet gap. A collector sees both counts, so it can tell (estimators.md §9).
enum class LossyPairs : std::uint8_t {
  kDiscard,  ///< drop the pair: no samples, no estimate from it (the default)
  kUse,      ///< use every pair, as the papers describe (reported behaviour)
};

struct NetflowConfig {
  /// p_f in (0, 1]: flow f is sampled iff hash_selects(flow_hash(key, seed), p_f), at both taps.
  double flow_sampling = 1.0;
  /// N >= 1: each tap keeps each packet of a sampled flow with probability 1/N, independently
  /// of the other tap (classic sampled NetFlow); 1 keeps every packet (consistent NetFlow).
  std::uint32_t packet_sampling = 1;
  /// A record ends when a packet comes this long (or longer) after the record's first packet.
  /// Must be > 0.
  core::Time active_timeout = core::seconds(60);
  /// A record ends when a packet comes after this much (or more) silence. Must be > 0.
  core::Time inactive_timeout = core::seconds(15);
  std::uint64_t seed = 1;
  /// Must be kUse when packet_sampling > 1: two taps sampling packets independently count
  /// different packets, so the counts differ almost always and say nothing about loss.
  LossyPairs lossy_pairs = LossyPairs::kDiscard;
  /// Multiflow only.
  MultiflowPool pool = MultiflowPool::kMean;

  /// @throws std::invalid_argument naming the field and its valid range.
  void validate() const;
  /// Whether `other` keeps the same records and pairs (every field but the Multiflow pool).
  bool same_records(NetflowConfig other) const {
    other.pool = pool;
    return other == *this;
  }
  friend bool operator==(const NetflowConfig&, const NetflowConfig&) = default;
};

/// NetFlow v5 record size, bytes: the unit of the state and export costs.
inline constexpr std::uint64_t kRecordBytes = 48;

/// One NetFlow record as a tap exports it, plus the identity of its first and last packets
/// (source, seq), which a real collector does not have: only the simulation uses them, to
/// count pairs whose first or last packet differs between the taps.
struct TapRecord {
  FlowId flow = 0;         ///< the flow's id in the run's FlowIndex
  std::int64_t first = 0;  ///< tap timestamp of the first packet, ps
  std::int64_t last = 0;   ///< tap timestamp of the last packet, ps
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::uint16_t first_source = 0;
  std::uint16_t last_source = 0;
};

/// The k-th ingress record of a flow with its k-th egress record.
struct RecordPair {
  FlowId flow = 0;
  std::int64_t first_in = 0;
  std::int64_t last_in = 0;
  std::int64_t first_out = 0;
  std::int64_t last_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  /// Two samples (first, last), or one when both records hold a single packet.
  bool one_sample() const { return packets_in == 1 && packets_out == 1; }
  std::int64_t first_delay() const { return first_out - first_in; }
  std::int64_t last_delay() const { return last_out - last_in; }
};

/// Diagnostics of the record keeping and pairing.
struct NetflowCounters {
  std::uint64_t ingress_packets = 0;  ///< non-reference packets seen at the ingress tap
  std::uint64_t sampled_packets_in = 0;
  std::uint64_t sampled_packets_out = 0;
  std::uint64_t records_in = 0;         ///< exported at the ingress tap
  std::uint64_t records_out = 0;        ///< exported at the egress tap
  std::uint64_t pairs = 0;              ///< every pair formed, used or discarded
  std::uint64_t lossy_pairs = 0;        ///< packet counts differ between the two records
  std::uint64_t discarded_pairs = 0;    ///< lossy pairs dropped (LossyPairs::kDiscard)
  std::uint64_t wrong_first_last = 0;   ///< first or last packet differs (simulation knowledge)
  std::uint64_t unpaired_records = 0;   ///< records of either tap without a k-th counterpart
  std::uint64_t samples = 0;            ///< first/last delay samples of the pairs used
  std::uint64_t peak_open_records = 0;  ///< largest open records, both taps together
  std::uint64_t sweeps = 0;
};

/// Consistent NetFlow (Lee, Duffield, Kompella, INFOCOM 2010 / ToN 2012) at the two taps of
/// one router: hash-based flow sampling, identical at both taps, and a NetFlow cache at each
/// tap holding one open record {first, last, packets, bytes} per sampled flow.
///
/// With packet_sampling = N > 1 it is classic sampled NetFlow instead (RLI §7's comparison,
/// stated; the details reconstructed): each tap keeps a packet with probability 1/N, by one
/// core::uniform01 draw per packet of a sampled flow from core::make_rng(seed, 3) at the
/// ingress and core::make_rng(seed, 4) at the egress, so the taps sample independently (and
/// not the packets of non-consistent trajectory sampling, which draws from streams 1 and 2 of
/// the same default seed). Records hold the sampled packets only; their first and last
/// packets are in general different packets at the two taps. Instances with the same seed and
/// different N make the same draws, so their samples are nested.
///
/// Pairs whose packet counts differ are discarded or used per NetflowConfig::lossy_pairs.
/// A flow's k-th ingress record pairs with its k-th egress record as soon as both are
/// exported (each tap exports a flow's records in time order); records still waiting when the
/// flow ends (finish_flow) or the run does are unpaired. Records are kept per flow id, and a
/// flow is a FlowIndex flow: a 5-tuple that pauses longer than the run's flow timeout starts
/// new records under a new id.
///
/// Timeouts run on each tap's own clock (packet arrival at ingress, egress time at egress): a
/// packet at t closes its flow's open record, and opens a new one, if t - last >=
/// inactive_timeout or t - first >= active_timeout (reconstructed: NetFlow's rule; the
/// boundary inclusion is our choice). Expiry is checked lazily on the flow's next packet, and
/// by a sweep so that records of flows that never return are exported: after every
/// max(kMinSweepPackets, open records after the previous sweep) ingress packets, each tap's
/// cache is scanned (amortised O(1) per packet) and every record that a packet arriving now
/// would close is exported. The sweep clock is the latest ingress arrival, which no later
/// egress time can precede, so a sweep never exports a record that a later packet would have
/// extended: records do not depend on the sweep cadence. Each packet opens at most one record
/// per tap, so open records (both taps) stay below 3 x (records still open after the previous
/// sweep) + 2 x kMinSweepPackets.
///
/// The receiver tap is one cache for all egress ports (a flow leaves by one port).
/// Drops are not observed (a real tap never hears of them): a dropped packet is simply
/// missing from the egress record.
class NetflowRecords {
 public:
  static constexpr std::uint64_t kMinSweepPackets = 1024;

  /// @throws std::invalid_argument on an invalid configuration.
  explicit NetflowRecords(const NetflowConfig& config);

  void on_ingress(const core::Packet& p, FlowId flow);
  void on_egress(const core::Packet& p, FlowId flow, core::Time egress_time);
  /// The flow has ended (no packet of it follows): its open records are exported and its
  /// records paired (k-th with k-th); records left without a counterpart count as unpaired,
  /// and the id may start another flow. Its open records stay in the cache, as a real cache
  /// keeps them until they time out, so open_records() and the state cost do not depend on
  /// when flows end; they no longer take packets.
  void finish_flow(FlowId flow);
  /// Exports every open record and pairs the records of each flow (k-th with k-th).
  /// Further observations are an error.
  void finalize();

  const NetflowConfig& config() const { return config_; }
  /// Whether `key` is sampled (the same decision at both taps).
  bool samples_flow(const core::FlowKey& key) const;
  /// replay_each's prefetch_flow: the flow's entry in both taps' record positions.
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const {
    ingress_.slot_of.prefetch(flow);
    egress_.slot_of.prefetch(flow);
  }
  /// Sampled flows that opened a record.
  std::uint64_t sampled_flows() const { return sampled_flows_; }
  /// Open records now, both taps together.
  std::uint64_t open_records() const { return ingress_.open.size() + egress_.open.size(); }
  /// Another reader of the pairs (reader 0 exists from the start): each reader is given every
  /// pair once, so that estimators with the same record settings can share one record keeper.
  std::size_t add_reader() {
    read_.push_back(pairs_base_);
    return read_.size() - 1;
  }
  /// Calls `use(pair)` for each pair formed since `reader` last read, without the discarded
  /// ones, in the order they formed. A pair forms as soon as both its records are exported,
  /// so a flow's pairs come in record order. `use` must not call back into the records.
  template <typename Use>
  void read_pairs(std::size_t reader, Use&& use) {
    for (std::size_t i = read_[reader] - pairs_base_; i < pairs_.size(); ++i)
      use(pairs_[i]);
    read_[reader] = pairs_base_ + pairs_.size();
    forget_read_pairs();
  }
  /// The pairs `reader` has not read yet.
  std::size_t unread_pairs(std::size_t reader = 0) const {
    return static_cast<std::size_t>(pairs_base_ + pairs_.size() - read_[reader]);
  }
  /// The earliest egress time at which a sample of a pair not yet formed can lie: the first
  /// egress time of every egress record that is open or waits for its ingress counterpart,
  /// and the latest ingress arrival (a later record's packets leave after it).
  /// O(open records + waiting records).
  std::int64_t unpaired_horizon() const;
  const NetflowCounters& counters() const { return counters_; }
  /// Exported records, both taps together.
  std::uint64_t exported_records() const { return counters_.records_in + counters_.records_out; }

 private:
  struct Tap {
    // Open records side by side (a sweep scans them), and where each flow's is: 1 + its
    // position, 0 for none. An array read per packet instead of a hash-table probe.
    // A record of a finished flow stays as a ghost (packets == 0) until it times out.
    std::vector<TapRecord> open;
    FlowArray<std::uint32_t> slot_of;
  };
  // A flow's exported records that wait for the other tap's record of the same rank.
  struct Waiting {
    std::vector<TapRecord> in;
    std::vector<TapRecord> out;
  };

  /// Whether a tap keeps a packet of a sampled flow, drawing from that tap's stream.
  bool keeps_packet(std::mt19937_64& tap_rng);
  /// Whether flow `flow` (key `key`) is sampled, decided on its first packet and remembered.
  bool samples(FlowId flow, const core::FlowKey& key);
  void observe(Tap& tap, const core::Packet& p, FlowId flow, std::int64_t at);
  void sweep(std::int64_t now);
  void sweep_tap(Tap& tap, std::int64_t now);
  bool expired(const TapRecord& r, std::int64_t now) const {
    return now - r.last >= inactive_ || now - r.first >= active_;
  }
  void export_record(bool ingress, const TapRecord& r);
  /// Pairs the flow's waiting records rank by rank; with `last`, counts the rest as unpaired.
  void pair_waiting(FlowId flow, bool last);
  void close_open_record(Tap& tap, bool ingress, FlowId flow);
  /// Drops the pairs every reader has read.
  void forget_read_pairs();

  NetflowConfig config_;
  std::int64_t active_ = 0;
  std::int64_t inactive_ = 0;
  double packet_probability_ = 1.0;
  std::mt19937_64 ingress_rng_;
  std::mt19937_64 egress_rng_;
  Tap ingress_;
  Tap egress_;
  // Per flow id: 0 not decided yet, kSampled or kNotSampled, with kRecorded added once the flow
  // opened a record.
  static constexpr std::uint8_t kNotSampled = 1;
  static constexpr std::uint8_t kSampled = 2;
  static constexpr std::uint8_t kRecorded = 4;
  FlowArray<std::uint8_t> flow_state_;
  std::uint64_t sampled_flows_ = 0;
  std::int64_t watermark_ = 0;  // latest ingress arrival, ps
  std::uint64_t packets_since_sweep_ = 0;
  std::uint64_t sweep_after_ = kMinSweepPackets;
  absl::flat_hash_map<FlowId, Waiting> waiting_;
  // Pairs formed and not yet read by every reader; pairs_base_ pairs were dropped before them,
  // and reader r has read read_[r] pairs in all.
  std::vector<RecordPair> pairs_;
  std::uint64_t pairs_base_ = 0;
  std::vector<std::uint64_t> read_ = {0};
  NetflowCounters counters_;
  bool finalized_ = false;
};

}  // namespace rlisim::models::netflow
