#pragma once
// Exact per-flow delay and loss ground truth, behind the same observer interface as estimators.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/estimator.hpp"
#include "models/flow_index.hpp"
#include "models/metrics/delay_moments.hpp"
#include "models/metrics/quantile_sketch.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/streaming_store.hpp"

namespace rlisim::models {

struct GroundTruthConfig {
  /// Per-flow delay quantiles (p50, p99) by linear interpolation between order statistics
  /// (numpy's default): exact for flows of up to `exact_capacity` delivered packets, then
  /// within `relative_accuracy` of the exact value (see QuantileSketch).
  QuantileSketchConfig quantiles;
  /// Keep per-flow quantiles at all. Without them p50/p99 are NaN, and a run is about 10 %
  /// faster (the sketches are the largest per-packet cost after the flow lookup).
  bool track_quantiles = true;
};

/// Offered, dropped and delivered counts with the delay statistics of the delivered packets,
/// for one flow or summed over many. Delays are egress tap minus ingress tap, in picoseconds.
struct DelayTally {
  explicit DelayTally(const QuantileSketchConfig& quantile_config = {})
      : quantiles(quantile_config) {}

  std::uint64_t offered_packets = 0;
  std::uint64_t offered_bytes = 0;
  std::uint64_t dropped_packets = 0;
  /// Exact delay statistics; delay.count() is the number of delivered packets.
  DelayMoments delay;
  QuantileSketch quantiles;

  static constexpr double kP50 = 0.5;
  static constexpr double kP99 = 0.99;

  std::uint64_t delivered_packets() const { return delay.count(); }
  /// Median and 99th percentile delay in ps, numpy.quantile's default definition
  /// (h = q (n - 1), x_(floor h) + (h - floor h) (x_(floor h + 1) - x_(floor h))): exact up to
  /// `exact_capacity` delivered packets, within `relative_accuracy` beyond (QuantileSketch);
  /// NaN if nothing was delivered.
  double p50_ps() const { return quantiles.quantile(kP50); }
  double p99_ps() const { return quantiles.quantile(kP99); }
  /// {p50_ps(), p99_ps()} for the cost of about one.
  std::pair<double, double> p50_p99_ps() const { return quantiles.quantiles(kP50, kP99); }
  /// Keeps p50 and p99 only and frees the sketch's storage (QuantileSketch::seal).
  void seal_quantiles() { quantiles.seal(kP50, kP99); }
  /// Adds everything `other` counted, as if its packets had been seen here.
  void merge(const DelayTally& other) {
    merge_counts(other);
    quantiles.merge(other.quantiles);
  }
  /// merge() without the quantiles: counts and delay moments only.
  void merge_counts(const DelayTally& other) {
    offered_packets += other.offered_packets;
    offered_bytes += other.offered_bytes;
    dropped_packets += other.dropped_packets;
    delay.merge(other.delay);
  }
};

/// The truth about one flow (5-tuple) at one router, over its delivered (not dropped) packets.
struct FlowRecord : DelayTally {
  using DelayTally::DelayTally;
  /// Position of the flow in first-seen order (0 for the first flow the router saw).
  std::uint32_t first_seen = 0;
  /// Kind of the flow's first packet.
  core::PacketKind kind = core::PacketKind::kRegular;
  /// Arrival of the flow's first packet at the router.
  core::Time first_arrival{};
  /// Egress port of the flow's first packet that left or was dropped.
  PortId port = 0;
  bool port_known = false;
  /// True if later packets of the flow left by another port than `port`.
  bool multiple_ports = false;
};

/// One flow in deterministic order: its key and record (valid until the next observation),
/// and its id in the run's FlowIndex.
struct FlowEntry {
  const core::FlowKey* key;
  const FlowRecord* record;
  FlowId id;
};

/// Totals over a set of flows (all, or one kind) for summaries; the quantiles (same definition
/// as a flow's) cover all delivered packets of those flows, within the sketch's relative
/// accuracy once they exceed `exact_capacity`.
struct TruthSummary : DelayTally {
  using DelayTally::DelayTally;
  std::uint64_t flows = 0;
};

/// Exact ground truth (name "truth"): per flow, kind, egress port, offered packets and bytes,
/// drops, delivered packets, delay min/max, exact mean and population standard deviation
/// (DelayMoments), and p50/p99 (QuantileSketch).
///
/// Storage: records in a FlowArray addressed by the run's FlowId (first-seen order), so
/// growth never moves a record, the records of active flows sit together near the end
/// (cache-warm), and first-seen order costs nothing. The flow key is looked up once per packet,
/// by the ObserverSet, not here.
/// Record updates are buffered and applied in batches of kBatch grouped by flow-id range (one
/// stable counting-sort pass, so each flow sees its packets in arrival order); every accessor
/// sees them applied. A packet is counted as offered by its on_egress/on_drop update.
/// Memory: O(flows), about 250 B per flow plus the sketch storage (8 B per delivered packet
/// up to `exact_capacity`, then 4 B per delay bucket spanned; 32 B once the flow ended), plus
/// a fixed 12 MiB of update buffers.
/// Totals: the delay quantiles over all flows of a kind are kept as the updates are applied
/// (one sketch per kind, always in cache) rather than merged from every flow's sketch at the
/// end, which would revisit each flow's stored values after they left the cache. The result is
/// the one the merge gives: the same values land in the same buckets, also when buckets
/// collapse.
/// Output order is first-seen order, independent of the per-process hash seed.
class GroundTruth final : public Estimator {
 public:
  /// @throws std::invalid_argument if the quantile configuration is invalid.
  explicit GroundTruth(const GroundTruthConfig& config = {});
  // Observers are registered by address (Router::add_observer), and a moved-from instance
  // would have no update buffer: neither copied nor moved.
  GroundTruth(const GroundTruth&) = delete;
  GroundTruth& operator=(const GroundTruth&) = delete;

  std::string_view name() const override { return "truth"; }
  void on_ingress(const core::Packet& p, FlowId flow) override;
  void on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override;
  void replay(std::span<const Observation> batch) override {
    replay_each(*this, batch);
    // The buffered updates were written with non-temporal stores, which only the writing
    // thread's fence orders: with ObserverSet::set_threads, the next batch, or a read, may run
    // on another thread.
    core::stream_fence();
  }
  /// Computes the totals once (summary() then returns them without another pass), and seals
  /// every flow's sketch (no packet follows).
  void finalize() override;
  /// Every record is final once its updates are applied, which reading it does.
  core::Time settled_through() const override { return core::Time::max(); }
  /// Starts the flow's record (first-seen serial, kind, first arrival).
  void on_flow_start(const core::Packet& first, FlowId flow) override;
  /// Seals the flow's sketch (QuantileSketch::seal) once its last updates are applied: until
  /// it is released, which can wait long on other observers, the record keeps its p50 and p99
  /// instead of the stored delays.
  void on_flow_end(FlowId flow) override;
  /// Folds the flow into the totals and empties its record for the next flow of its id.
  void release_flow(FlowId flow) override;

  /// Flows started, released ones included.
  std::size_t flow_count() const { return flows_started_; }
  /// The record of the flow holding `flow`, or nullptr if the id was never used (a released
  /// id gives an empty record: no offered packet).
  const FlowRecord* find(FlowId flow) const;
  /// The same, by key (through the bound FlowIndex).
  const FlowRecord* find(const core::FlowKey& key) const;
  /// Every flow not released, in first-seen order, O(F log F). A flow appears once a packet of
  /// it has left or been dropped (a run cut short can leave a flow with only an ingress
  /// observation).
  std::vector<FlowEntry> flows() const;
  /// Totals over all flows, or over the flows of one kind. One O(F) pass over the flows (the
  /// quantiles are kept per kind as packets are applied), or free after finalize().
  /// @throws std::overflow_error if more than 2^32 - 1 delays of one kind fell in one
  ///         quantile bucket.
  TruthSummary summary() const;
  TruthSummary summary(core::PacketKind kind) const;

 private:
  static constexpr std::size_t kKinds = 3;
  struct Totals {
    std::array<TruthSummary, kKinds> by_kind;
    TruthSummary all;
  };
  /// One packet's buffered update of its flow's record (offered, then delivered or dropped).
  struct Update {
    FlowId flow;
    std::uint32_t bytes;    // wire bytes
    std::int64_t delay_ps;  // kEgress: the delay
    PortId port;
    std::uint8_t type;  // kEgress or kDrop
    // Explicit padding, zeroed where updates are made, so every byte is a defined value when
    // the update is streamed as words.
    std::uint8_t reserved[5];
  };
  static constexpr std::uint8_t kEgress = 1;
  static constexpr std::uint8_t kDrop = 2;
  static constexpr std::size_t kBatch = std::size_t{1} << 18;

  static constexpr std::size_t kUpdateWords = sizeof(Update) / sizeof(long long);
  void push(const Update& u) {
    finalized_.reset();
    core::stream_store(pending_.get() + kUpdateWords * pending_count_, u);
    if (++pending_count_ >= kBatch)
      flush();
  }
  /// Applies the buffered updates, grouped by flow (stable, so each flow sees its updates in
  /// arrival order). Logically const: it only brings the records up to date. Not safe to call
  /// concurrently (const accessors flush too).
  void flush() const;
  void apply_pending() const;
  Totals totals() const;

  FlowRecord prototype_;  // empty record with the configured sketch, copied for new flows
  // Records by FlowId. Mutable because applying buffered updates (flush) is logically const:
  // it only brings the records up to date with what was observed.
  mutable FlowArray<FlowRecord> flows_;
  // Record updates wait here and are applied in batches grouped by flow: a trace interleaves
  // thousands of active flows, so applying each update at once would miss the cache on the
  // record (and its sketch) for nearly every packet, while a batch touches each active
  // record once. Results are identical either way (per-flow order is kept).
  // The buffer is written with streaming stores: it is read back only after a whole batch
  // (6 MiB, more than the cache) has gone by, and ordinary stores would evict the flow-table
  // lines that the lookups of the next packets need.
  std::unique_ptr<long long[]> pending_;  // kBatch updates, kUpdateWords words each
  mutable std::size_t pending_count_ = 0;
  mutable std::vector<Update> scratch_;  // the pending updates grouped by flow range
  mutable std::vector<FlowId> to_seal_;  // ended flows, sealed by the next flush
  // Quantiles of the delivered delays by kind (the first packet's kind of each flow), fed with
  // the same values as the flows' own sketches.
  mutable std::array<QuantileSketch, kKinds> kind_quantiles_;
  // Set if a kind's sketch overflowed a bucket: reported by the totals, so the run itself (and
  // every flow's record) goes on as before this sketch existed.
  mutable std::string kind_quantiles_error_;
  std::optional<Totals> finalized_;
  // Counts and moments of the released flows by kind (their quantiles are in kind_quantiles_).
  std::array<TruthSummary, kKinds> released_;
  std::uint64_t flows_started_ = 0;
  bool track_quantiles_ = true;
};

}  // namespace rlisim::models
