#pragma once
// Every flow's final result, in first-seen order: its truth and each estimator's estimate. The
// per-flow outputs (flows.csv, the scores, the comparison) all read flows through it.

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "models/flow_estimator.hpp"
#include "models/metrics/delay_moments.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {

/// What the outputs keep of one flow's truth: a FlowRecord's counts and exact moments, with the
/// quantiles its sketch gave instead of the sketch.
struct FlowTruth {
  std::uint64_t offered_packets = 0;
  std::uint64_t offered_bytes = 0;
  std::uint64_t dropped_packets = 0;
  /// Delays of the delivered packets; delay.count() of them.
  DelayMoments delay;
  /// FlowRecord::p50_ps() and p99_ps(); NaN when not asked for (see FlowLedger::for_each).
  double p50_ps = NAN;
  double p99_ps = NAN;
  core::Time first_arrival{};
  std::uint32_t first_seen = 0;
  core::PacketKind kind = core::PacketKind::kRegular;
  PortId port = 0;
  bool port_known = false;
  bool multiple_ports = false;

  std::uint64_t delivered_packets() const { return delay.count(); }
  /// The record's fields; the quantiles only if `quantiles` (they cost a pass over the sketch).
  static FlowTruth of(const FlowRecord& record, bool quantiles);
};

/// One flow as the ledger shows it: valid during the visit only.
struct FlowRow {
  const core::FlowKey& key;
  const FlowTruth& truth;
  /// Each estimator's estimate of the flow, parallel to FlowLedger::estimators().
  std::span<const std::optional<FlowDelayEstimate>> estimates;
};

/// The flows of a run, each with its truth and every estimator's estimate, in first-seen order.
/// Read after the truth and the estimators are finalized.
class FlowLedger {
 public:
  /// `truth` and `estimators` must outlive the ledger and share one ObserverSet (so that their
  /// flow ids agree).
  FlowLedger(const GroundTruth& truth, std::vector<const FlowEstimator*> estimators);

  std::span<const FlowEstimator* const> estimators() const { return estimators_; }
  /// Visits every flow with an offered packet, in first-seen order. With `quantiles`, each
  /// row's truth has its p50 and p99.
  void for_each(const std::function<void(const FlowRow&)>& visit, bool quantiles = false) const;
  /// Visits the flow first seen at position `first_seen` (its FlowId), quantiles included, if
  /// it had an offered packet.
  void visit(FlowId first_seen, const std::function<void(const FlowRow&)>& visit) const;

 private:
  // The flow `id` as a row, with `estimates` filled.
  void visit_live(FlowId id, const FlowRecord& record, bool quantiles,
                  std::vector<std::optional<FlowDelayEstimate>>& estimates,
                  const std::function<void(const FlowRow&)>& visit) const;

  const GroundTruth* truth_;
  std::vector<const FlowEstimator*> estimators_;
};

}  // namespace rlisim::models
