#pragma once
// The interface every per-flow latency estimator implements, so that one run scores them all
// on the same packets and the same flows.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "models/estimator.hpp"
#include "sim/core/flow_key.hpp"

namespace rlisim::models {

/// One flow's delay as an estimator reports it. Units: picoseconds.
struct FlowDelayEstimate {
  /// Delay samples the estimate rests on (interpolated packets for RLI, sampled packets for
  /// trajectory sampling, pooled first/last samples for Multiflow, the flow's packets for an
  /// aggregate applied per flow). Always >= 1.
  std::uint64_t samples = 0;
  double mean_ps = std::numeric_limits<double>::quiet_NaN();
  /// Population standard deviation; NaN when the estimator gives none for this flow.
  double std_ps = std::numeric_limits<double>::quiet_NaN();
};

/// What an estimator costs over a whole run (estimators.md §5 "Cost").
struct EstimatorCost {
  /// Peak bytes of measurement state, both taps together (counters, buckets, records).
  std::uint64_t state_bytes = 0;
  /// Bytes shipped from the taps to wherever estimates are computed (LDA arrays, NetFlow
  /// records, sampled-packet labels), over the run.
  std::uint64_t export_bytes = 0;
  /// Packets and bytes the estimator adds to the measured traffic (RLI's references).
  std::uint64_t injected_packets = 0;
  std::uint64_t injected_bytes = 0;
  /// Exact per-packet delay samples the estimate rests on: delivered references (RLI),
  /// packets sampled at both taps (trajectory sampling), first/last samples of the record
  /// pairs used (NetFlow, Multiflow). Zero for an aggregate that never sees one packet's
  /// delay (LDA) and for packet-sampled NetFlow (its taps' timestamps belong to different
  /// packets). Divided by regular packets, this is the budget the comparison matches.
  std::uint64_t delay_samples = 0;
};

/// An estimate that became final after its flow was released (FlowEstimator::estimate_pending):
/// the flow is named by its first-seen serial, since its id may already belong to another flow.
struct LateEstimate {
  std::uint32_t serial = 0;
  FlowDelayEstimate estimate;
};

/// A named diagnostic counter for summary.json ("usable_buckets", "sampled_flows"...).
struct NamedCounter {
  std::string name;
  double value = 0;
};

/// An estimator of per-flow delay. It observes the taps like any Estimator; after finalize()
/// it answers, for any flow key, with its estimate or with nothing (flow not sampled, no
/// usable sample). The run scores every registered FlowEstimator against the ground truth of
/// the same delivered packets.
///
/// Estimators that only watch the taps never see packets the router injects for another
/// estimator: implementations ignore packets of kind kReference.
class FlowEstimator : public Estimator {
 public:
  /// The estimate for `flow`, or nullopt when the estimator has none (or never saw the id).
  /// Valid after finalize().
  virtual std::optional<FlowDelayEstimate> estimate(FlowId flow) const = 0;
  /// The same, by flow key (through the bound FlowIndex).
  std::optional<FlowDelayEstimate> estimate(const core::FlowKey& flow) const {
    const auto id = id_of(flow);
    return id ? estimate(*id) : std::nullopt;
  }
  /// Whether estimate() gives a standard deviation (for flows with >= 2 samples).
  virtual bool estimates_std() const = 0;
  /// Cost over the run. Valid after finalize().
  virtual EstimatorCost cost() const = 0;
  /// Diagnostics for the summary, in a stable order. Valid after finalize().
  virtual std::vector<NamedCounter> counters() const { return {}; }
  /// Called by the run before any observation, once for each estimator added before this one
  /// (to the run's observers too, so `earlier` gets every observation and flow end first): an
  /// estimator that can work from another's state instead of keeping the same state itself
  /// (NetFlow and Multiflow with equal record settings keep equal records) takes it here. Its
  /// results must not change. Returns whether it took `earlier`'s state (then the two must
  /// never observe in parallel: see ObserverSet::add), which it does from one estimator at
  /// most. Default: it keeps its own.
  virtual bool share_with(FlowEstimator& earlier) {
    (void)earlier;
    return false;
  }

  /// Estimates that wait on other flows after their own flow ended (Multiflow's pools wait on
  /// records still open, up to the active timeout) need not hold the flow, and with it every
  /// observer's state of it, until then. Such an estimator settles the flow at once and, when
  /// the run writes the flow out (on_flow_final), says here that its estimate is still to
  /// come: it then hands it over through take_late_estimates() once final, at the latest by
  /// finalize(). Default: every estimate is final when its flow is.
  virtual bool estimate_pending(FlowId flow) const {
    (void)flow;
    return false;
  }
  /// The estimates of released flows that became final since the last call, each once. A
  /// flow whose estimator ends up with no estimate has none here either. The run's one
  /// FlowLedger, an observer of the same run, takes them: each belongs to a row it wrote.
  virtual std::vector<LateEstimate> take_late_estimates() { return {}; }
};

}  // namespace rlisim::models
