#pragma once
// Per-flow delay from NetFlow records: the naive first/last estimator and Multiflow on
// consistent NetFlow, and the naive estimator on classic packet-sampled NetFlow.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/flow_estimator.hpp"
#include "models/netflow/netflow_records.hpp"
#include "sim/core/int128.hpp"

namespace rlisim::models::netflow {

/// What the NetFlow estimators share: the records kept at both taps (reference packets are
/// ignored), the packet-weighted per-flow estimates, cost and counters. A subclass turns each
/// record pair into a value for its flow (use_pair), at once or once it can.
///
/// A flow's records are all paired when the flow ends (on_flow_end), so every ended flow is
/// settled at once: the naive estimators' estimates are then final, and Multiflow's, which wait
/// on the pools, come later (estimate_pending).
///
/// By default (NetflowConfig::lossy_pairs = kDiscard) a pair whose packet counts differ gives
/// nothing: neither its own flow's estimate nor any Multiflow pool sees its samples, and a flow
/// whose every pair is discarded has no estimate. kUse keeps them, as the papers describe.
class RecordEstimator : public FlowEstimator {
 public:
  void on_ingress(const core::Packet& p, FlowId flow) override;
  void on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override;
  void finalize() final;
  core::Time settled_through() const override { return core::Time::max(); }
  /// Exports the flow's open records, pairs them (NetflowRecords::finish_flow) and reads the
  /// pairs.
  void on_flow_end(FlowId flow) final;
  void release_flow(FlowId flow) final;

  using FlowEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId flow) const override;
  bool estimates_std() const override { return false; }
  /// Pairs are taken from the records at least this often (and when a flow ends).
  static constexpr std::size_t kPairBatch = 1024;
  /// State = peak open records at both taps x 48 B (a NetFlow v5 record); export = records
  /// exported at both taps x 48 B; delay samples = the first/last samples of the pairs used,
  /// or 0 with packet sampling (its two taps' timestamps belong to different packets, so no
  /// sample is one packet's exact delay).
  EstimatorCost cost() const override;
  std::vector<NamedCounter> counters() const override;
  /// Reads the records of an earlier NetFlow estimator with the same record settings
  /// (NetflowConfig::same_records) instead of keeping its own: the first of them keeps the
  /// records for all.
  bool share_with(FlowEstimator& earlier) override;

  const NetflowConfig& config() const { return config_; }
  const NetflowRecords& records() const { return *records_; }
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const {
    if (keeps_records_)
      records_->prefetch_flow(flow);
  }

 protected:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit RecordEstimator(const NetflowConfig& config)
      : config_(config), records_(std::make_shared<NetflowRecords>(config)) {}
  // The egress-packet-weighted mean of a flow's record values. Deviations from the first
  // value are summed, so equal values give exactly that value.
  struct WeightedMean {
    std::uint64_t weight = 0;
    std::uint64_t samples = 0;
    double shift = 0;
    long double deviations = 0;

    /// Adds the value of a pair with `w` egress packets and `s` delay samples.
    void add(double value, std::uint64_t w, std::uint64_t s);
    /// The estimate, or nullopt without a sample.
    std::optional<FlowDelayEstimate> result() const;
  };

  /// One pair the records formed; a flow's pairs come in record order.
  virtual void use_pair(const RecordPair& pair) = 0;
  /// The flow has ended and every pair of it was given to use_pair.
  virtual void ended(FlowId flow) { (void)flow; }
  /// The flow's id is released (after ended()).
  virtual void released(FlowId flow) { (void)flow; }
  /// The run is over: values the pairs still held.
  virtual void complete() {}
  /// Adds a pair's value to its flow's estimate, weighted by the pair's egress packets.
  void add_value(const RecordPair& pair, double value, std::uint64_t samples) {
    flows_.ensure(pair.flow, [] { return WeightedMean{}; }).add(value, pair.packets_out, samples);
  }
  /// The flow's estimate so far, leaving its slot empty.
  WeightedMean take_mean(FlowId flow) {
    return flow < flows_.size() ? std::exchange(flows_[flow], WeightedMean{}) : WeightedMean{};
  }
  /// The first-seen serial of the flow holding `flow` (the id itself without a bound index,
  /// where ids are serials).
  std::uint32_t serial_of(FlowId flow) const {
    return flow_index() != nullptr ? flow_index()->serial(flow) : flow;
  }

 private:
  void use_new_pairs();

  NetflowConfig config_;
  // Its own records, or those of the earlier estimator it shares them with (share_with); only
  // their keeper feeds them.
  std::shared_ptr<NetflowRecords> records_;
  bool keeps_records_ = true;
  std::size_t reader_ = 0;  // of the records' pairs
  FlowArray<WeightedMean> flows_;
};

/// Naive Consistent NetFlow estimator (Lee, Duffield, Kompella, "Two Samples are Enough",
/// INFOCOM 2010; ToN 20(1) 2012; reported). Each paired record gives d_first = T_first_out -
/// T_first_in and d_last = T_last_out - T_last_in (one sample for a one-packet record); the
/// record's estimate is (d_first + d_last) / 2, and the flow's estimate is the mean of its
/// records' estimates weighted by the record's delivered (egress) packets (reconstructed).
///
/// Assumes the first and last packets of a record were delivered: otherwise the two records
/// describe different packets and the samples are wrong (counted as wrong_first_last). A lost
/// first or last packet shows as unequal packet counts, and such pairs are discarded by
/// default; a loss inside the record keeps the counts apart too, so it is discarded as well.
/// Error: exact for a constant delay; otherwise the flow's interior delays are unobserved. No
/// standard deviation.
class NaiveNetflow final : public RecordEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit NaiveNetflow(const NetflowConfig& config = {}) : RecordEstimator(config) {}
  std::string_view name() const override { return "netflow"; }
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }

 private:
  void use_pair(const RecordPair& pair) override;
};

/// Classic sampled NetFlow with the naive estimator, the packet-sampling point of comparison
/// of RLI §7 (stated) and estimators.md §4 (reconstructed): each tap samples packets at random
/// 1-in-N, independently of the other (NetflowConfig::packet_sampling = N > 1, see
/// NetflowRecords), builds records from its sampled packets, and a record pair gives (d_first
/// + d_last) / 2 as in NaiveNetflow, with the same flow weighting.
///
/// d_first is the egress time of the first packet the egress tap sampled minus the ingress
/// time of the first packet the ingress tap sampled: in general two different packets, so a
/// sample is off by the flow's sampling offsets (about N inter-packet gaps) and no sample is
/// an exact delay (cost().delay_samples = 0). Pairs are never discarded for unequal counts:
/// independent sampling makes the counts differ almost always, and each is only an estimate
/// (N x count) of the flow's packets. Flows need about N packets to be seen by both taps, so
/// coverage falls with N. No standard deviation.
class SampledNetflow final : public RecordEstimator {
 public:
  /// `config.lossy_pairs` is ignored (always kUse, see above).
  /// @throws std::invalid_argument on an invalid configuration or packet_sampling < 2.
  explicit SampledNetflow(const NetflowConfig& config);
  /// "sampled_netflow_N": the name of the variant sampling 1-in-`packet_sampling`.
  static std::string name_for(std::uint32_t packet_sampling);
  std::string_view name() const override { return name_; }
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }

 private:
  void use_pair(const RecordPair& pair) override;
  std::string name_;
};

/// Multiflow (Lee, Duffield, Kompella, INFOCOM 2010 / ToN 2012; reported idea, reconstructed
/// details): a record's estimate pools every first/last sample of any sampled flow whose
/// egress time lies in the record's active interval [first_out, last_out] (its own samples
/// included), and reduces the pool per `NetflowConfig::pool`:
///  - kMean: the plain mean;
///  - kInterpolate: the time-weighted mean over the interval of the piecewise-linear curve
///    through the pooled samples (samples at equal egress times are first averaged); a record
///    whose interval is one instant gets the mean of its own samples;
///  - kNearest: the sample nearest in time to the interval midpoint; samples at the nearest
///    distance (equal times, or equally far on both sides) are averaged.
/// The flow's estimate is the packet-weighted (egress packets) mean of its records' estimates.
///
/// Assumes delay locality: flows sharing the queue at the same time see similar delays. Exact
/// for a constant delay. Cost as NaiveNetflow. Finalize sorts all samples by egress time with
/// prefix sums: O(S log S) for S samples.
class Multiflow final : public RecordEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit Multiflow(const NetflowConfig& config = {}) : RecordEstimator(config) {}
  std::string_view name() const override { return "multiflow"; }
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }
  /// A pair's pool is final once no pair still to form can put a sample in its interval:
  /// once its last_out is before NetflowRecords::unpaired_horizon(). Records still open hold
  /// the horizon back, up to the active timeout, so a flow's estimate can wait on it long
  /// after the flow ended. The flow is settled when it ends all the same: its estimate so far
  /// moves out of its id's slot, keyed by its serial (about 60 B), and is handed over as a
  /// late estimate once final, so no observer holds the flow for the horizon.
  using RecordEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId flow) const override;
  bool estimate_pending(FlowId flow) const override;
  std::vector<LateEstimate> take_late_estimates() override;
  /// The shared counters plus pooled_samples_mean.
  std::vector<NamedCounter> counters() const override;

 private:
  // A formed pair waiting for its pool, with its flow's serial (its id can be reused once the
  // flow ended).
  struct Waiting {
    RecordPair pair;
    std::uint32_t serial = 0;
  };
  // A flow that ended with pairs still waiting.
  struct Ended {
    WeightedMean mean;
    std::uint32_t waiting = 0;
    bool released = false;
  };
  struct Sample {
    std::int64_t at = 0;  ///< egress time, ps
    std::int64_t delay = 0;
    friend bool operator<(const Sample& a, const Sample& b) {
      return a.at < b.at || (a.at == b.at && a.delay < b.delay);
    }
  };
  void use_pair(const RecordPair& pair) override;
  void ended(FlowId flow) override;
  void released(FlowId flow) override;
  void complete() override;
  // The ended flow holding `flow`, or nullptr.
  const Ended* ended_flow(FlowId flow) const;
  /// Values every waiting pair whose interval ends before `horizon`, in the order they
  /// formed, then forgets the samples that no waiting or later pair can pool.
  void value_pairs_before(std::int64_t horizon);
  double pool_value(const RecordPair& pair, std::size_t lo, std::size_t hi) const;

  // Samples of the pairs formed so far that a waiting or later pair may still pool: sorted by
  // (time, delay) up to sorted_, then in arrival order; prefix_ (delay sums) covers the
  // sorted part after value_pairs_before.
  std::vector<Sample> samples_;
  std::size_t sorted_ = 0;
  std::vector<core::Int128> prefix_;
  std::vector<Waiting> waiting_;                     // formed, pool not final yet
  FlowArray<std::uint32_t> waiting_of_;              // per flow not ended
  absl::flat_hash_map<std::uint32_t, Ended> ended_;  // by serial
  std::vector<LateEstimate> late_;                   // not taken yet
  // Waiting pairs at which ended flows value the pairs whose pools are final (doubling, so
  // that the passes over the kept samples cost O(1) per pair).
  std::size_t value_at_ = kPairBatch;
  std::uint64_t pooled_ = 0;
  std::uint64_t valued_pairs_ = 0;
};

}  // namespace rlisim::models::netflow
