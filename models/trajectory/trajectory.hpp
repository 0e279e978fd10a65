#pragma once
// Trajectory sampling: exact delays of a hash-selected subset of packets, per flow.

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/flow_estimator.hpp"
#include "models/flow_index.hpp"
#include "models/metrics/delay_moments.hpp"
#include "models/packet_hash.hpp"

namespace rlisim::models::trajectory {

struct TrajectoryConfig {
  /// Packet sampling probability p in (0, 1].
  double probability = 0.01;
  /// true: consistent (hash-based) sampling, the same packets at both taps. false: independent
  /// random sampling at each tap, as sampled NetFlow does; only packets sampled at both taps
  /// give a delay, so the useful rate is p^2.
  bool consistent = true;
  std::uint64_t seed = 1;

  /// @throws std::invalid_argument naming the field and its valid range.
  void validate() const;
};

/// Label + timestamp bytes of one sampled packet, at one tap.
inline constexpr std::uint64_t kLabelBytes = 16;

/// Trajectory sampling (Duffield, Grossglauser, IEEE/ACM ToN 2000; the baseline of
/// estimators.md §4, reconstructed). In consistent mode a packet is sampled iff
/// hash_selects(packet_hash(p, seed), p) at both taps; each tap reports (label, timestamp)
/// and the collector matches labels, giving the packet's exact delay. A flow's estimate is
/// the mean and population standard deviation of its sampled packets' delays; flows with no
/// sampled packet get none.
///
/// Sampled packets wait from ingress to egress in a map keyed by a 64-bit label (a second
/// hash of the same invariant fields). A real collector never hears of a drop; it expires a
/// label whose egress report never comes. on_drop stands for that expiry (counted as
/// sampled_lost), and in non-consistent mode a label sampled at one tap only is expired the
/// same way when the packet leaves (counted as unmatched).
///
/// Error: exact per sampled packet; a flow with k sampled packets has the sampling error of
/// a k-sample mean. Non-consistent mode draws from core::make_rng(seed, 1) at ingress and
/// core::make_rng(seed, 2) at egress.
///
/// Cost: state = peak labels in flight (sampled packets between their ingress and egress
/// times) x 16 B; export = sampled packets reported by both taps x 16 B.
class TrajectorySampling final : public FlowEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit TrajectorySampling(const TrajectoryConfig& config = {});

  std::string_view name() const override { return "trajectory"; }
  void on_ingress(const core::Packet& p, FlowId flow) override;
  void on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override;
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const { hasher_.prefetch_flow(flow); }
  void on_flow_start(const core::Packet& first, FlowId flow) override {
    if (config_.consistent)
      hasher_.start_flow(first.flow, flow);
  }
  void finalize() override;
  /// A flow's samples are final when its packets leave.
  core::Time settled_through() const override { return core::Time::max(); }
  void release_flow(FlowId flow) override {
    if (flow < flows_.size())
      flows_[flow] = DelayMoments{};
    hasher_.release_flow(flow);
  }

  using FlowEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId flow) const override;
  bool estimates_std() const override { return true; }
  EstimatorCost cost() const override;
  std::vector<NamedCounter> counters() const override;

  const TrajectoryConfig& config() const { return config_; }
  std::uint64_t sampled_packets() const { return sampled_in_; }
  std::uint64_t matched() const { return matched_; }
  std::uint64_t sampled_lost() const { return sampled_lost_; }
  std::uint64_t unmatched() const { return unmatched_; }
  std::uint64_t peak_in_flight() const { return peak_in_flight_; }

 private:
  bool sampled_at_ingress(const core::Packet& p, FlowId flow);
  bool sampled_at_egress(const core::Packet& p, FlowId flow);
  std::uint64_t label(const core::Packet& p) const;

  TrajectoryConfig config_;
  std::uint64_t label_seed_ = 0;
  PacketHasher hasher_;  // the consistent sampling hash, under config_.seed
  std::mt19937_64 ingress_rng_;
  std::mt19937_64 egress_rng_;
  absl::flat_hash_map<std::uint64_t, std::int64_t> in_flight_;  // label -> ingress time, ps
  // Egress times of matched packets still in flight at the latest ingress time: with the
  // router's call order (egress right after ingress) the map alone would always hold one
  // label, so the in-flight count in time needs these.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> departures_;
  std::int64_t latest_ingress_ = 0;
  FlowArray<DelayMoments> flows_;  // every id up to the largest with a matched sample
  std::uint64_t flows_with_samples_ = 0;
  std::uint64_t sampled_in_ = 0;
  std::uint64_t sampled_out_ = 0;
  std::uint64_t matched_ = 0;
  std::uint64_t sampled_lost_ = 0;
  std::uint64_t unmatched_ = 0;
  std::uint64_t peak_in_flight_ = 0;
};

}  // namespace rlisim::models::trajectory
