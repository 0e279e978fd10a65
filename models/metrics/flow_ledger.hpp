#pragma once
// Every flow's final result, in first-seen order: its truth and each estimator's estimate. The
// per-flow outputs (flows.csv, the scores, the comparison) all read flows through it.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
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
///
/// As an observer (added to the ObserverSet after the truth and the estimators), it takes the
/// row of each flow that ended and that every observer settled (on_flow_final), so that the
/// truth and the estimators can reuse its id; for_each then merges those rows with the flows
/// still held live, in first-seen order. Ended rows wait in memory and go to a spill file in
/// sorted runs of kRunRows; each row is binary (serial, key, FlowTruth with its quantiles,
/// estimates), sizeof(FlowTruth) + 42 + 33 per estimator bytes (about 200 to 400), in an unnamed
/// temporary file (TMPDIR, else /tmp) that goes away with the ledger. An estimate still pending
/// when its row is written (FlowEstimator::estimate_pending) comes later, by serial, as a
/// 32 B patch kept and spilled in sorted runs the same way and merged in on reading. If the
/// spill file cannot be created or written (TMPDIR full), rows stay in memory from then on
/// (spill_error()): nothing computed is lost. Read after the truth and the estimators are
/// finalized.
class FlowLedger final : public Estimator {
 public:
  static constexpr std::size_t kRunRows = std::size_t{1} << 14;

  /// `truth` and `estimators` must outlive the ledger and share one ObserverSet (so that their
  /// flow ids agree).
  FlowLedger(const GroundTruth& truth, std::vector<FlowEstimator*> estimators);
  ~FlowLedger() override;
  FlowLedger(const FlowLedger&) = delete;
  FlowLedger& operator=(const FlowLedger&) = delete;

  std::span<const FlowEstimator* const> estimators() const { return estimators_; }
  /// Which rows of flows still live get their p50 and p99 (a pass over the flow's sketch): those
  /// it accepts, seeing the row's other fields. Rows of ended flows always have them.
  using WantQuantiles = std::function<bool(const FlowTruth&)>;
  /// The estimates a pass reads: every estimator's, none, or those of the estimator with that
  /// index. Rows then hold at least those (asking each estimator about each live flow is most
  /// of a pass that needs one estimate or none).
  using EstimatesRead = std::size_t;
  static constexpr EstimatesRead kAllEstimates = std::numeric_limits<std::size_t>::max();
  static constexpr EstimatesRead kNoEstimates = kAllEstimates - 1;
  /// Visits every flow with an offered packet, in first-seen order; with `quantiles`, every
  /// row has its p50 and p99.
  /// @throws core::OutputError if the spill file cannot be read back.
  void for_each(const std::function<void(const FlowRow&)>& visit, bool quantiles = false,
                EstimatesRead read = kAllEstimates) const;
  void for_each(const std::function<void(const FlowRow&)>& visit, const WantQuantiles& quantiles,
                EstimatesRead read = kAllEstimates) const;
  /// No row or late estimate follows (the truth and the estimators are finalized): takes the
  /// estimators' last late estimates and puts the rows in memory in order, so that a read then
  /// changes nothing, and reads may run on several threads at once.
  void seal();
  /// Rows of ended flows taken so far, and those written to the spill file.
  std::uint64_t ended_flows() const { return ended_flows_; }
  std::uint64_t spilled_flows() const { return spilled_flows_; }
  /// Why ended rows stopped going to the spill file (it could not be created or written), if
  /// they did: they are then kept in memory, so the results stay complete and exact, but
  /// memory grows with the flows that end.
  const std::optional<std::string>& spill_error() const { return spill_error_; }
  /// Estimates of ended flows that came after their rows (see above).
  std::uint64_t late_estimates() const { return late_estimates_; }

  // Estimator: it only acts when flows end.
  std::string_view name() const override { return "ledger"; }
  void on_ingress(const core::Packet&, FlowId) override {}
  void on_egress(const core::Packet&, FlowId, PortId, core::Time) override {}
  void on_drop(const core::Packet&, FlowId, PortId) override {}
  void replay(std::span<const Observation>) override {}
  core::Time settled_through() const override { return core::Time::max(); }
  /// Takes the flow's row (see spill_error() if the spill file fails).
  void on_flow_final(FlowId flow) override;

 private:
  // A sorted run of rows, or of late estimates, in the spill file.
  struct Run {
    std::uint64_t offset = 0;
    std::uint64_t rows = 0;
  };
  class RowCursor;
  // Late estimates with the row serials at the cursors' heads, smallest first.
  class LateEstimateMerge;

  std::size_t row_bytes() const;
  // Takes the estimators' late estimates (logically const: every read brings the ledger up to
  // date with its estimators first).
  void take_late_estimates() const;
  // Appends the encoded row of the live flow `id`, quantiles included, to `out`.
  void encode(FlowId id, const FlowRecord& record, std::vector<char>& out) const;
  // Visits the live flow `id` as a row, with its quantiles if `quantiles` wants them and the
  // estimates `read` reads (the others empty); `estimates` is scratch space, one per estimator.
  void visit_live(FlowId id, const FlowRecord& record, const WantQuantiles& quantiles,
                  EstimatesRead read, std::vector<std::optional<FlowDelayEstimate>>& estimates,
                  const std::function<void(const FlowRow&)>& visit) const;
  // Sorts `rows` (encoded, `bytes` each, a serial first) by serial, in place.
  static void sort_rows(std::vector<char>& rows, std::size_t bytes);
  // Appends `rows` sorted to the spill file as a run (to `runs`), and empties them. If the file
  // cannot be created or written, keeps them, sets spill_error_ and returns false.
  bool write_run(std::vector<char>& rows, std::size_t bytes, std::vector<Run>& runs) const;

  const GroundTruth* truth_;
  std::vector<const FlowEstimator*> estimators_;
  std::vector<FlowEstimator*> late_sources_;  // the same, to take late estimates from
  // Rows of ended flows not yet in a run (a read sorts them in place: logically const).
  mutable std::vector<char> pending_;
  std::vector<Run> runs_;
  mutable std::vector<char> late_pending_;  // late estimates not yet in a run
  mutable std::vector<Run> late_runs_;
  mutable std::FILE* spill_ = nullptr;
  mutable std::optional<std::string> spill_error_;
  mutable std::uint64_t spill_bytes_ = 0;
  std::uint64_t ended_flows_ = 0;
  std::uint64_t spilled_flows_ = 0;
  mutable std::uint64_t late_estimates_ = 0;
  bool sealed_ = false;
};

}  // namespace rlisim::models
