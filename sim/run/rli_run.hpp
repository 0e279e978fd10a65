#pragma once
// RLI in a run: the receiver, a reference sender on each measured port, the paired run without
// references, and what RLI reports beyond its score (setup, senders, overhead, interference).

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/metrics/delay_moments.hpp"
#include "models/metrics/error_distribution.hpp"
#include "models/metrics/interference.hpp"
#include "models/rli/reference_policy.hpp"
#include "models/rli/rli_receiver.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/net/router.hpp"
#include "sim/run/estimator_run.hpp"
#include "sim/run/run_result.hpp"

namespace rlisim::run {

/// What one port's reference generator did.
struct RliSenderResult {
  models::PortId port = 0;
  models::rli::SenderCounters counters;
  /// Final 1-in-n and last measured utilization (adaptive).
  std::uint32_t final_n = 0;
  double last_utilization = 0;
};

/// What the run without references gave one flow of the main run.
struct TwinFlow {
  /// Packets delivered in one run and dropped in the other.
  std::uint32_t fate_changes = 0;
  std::uint64_t offered_packets = 0;
  std::uint64_t offered_bytes = 0;
  std::uint64_t dropped_packets = 0;
  /// Delays of the packets delivered without references.
  models::DelayMoments delay;
};

/// The same traffic through an identical router without reference packets, in lock step with
/// the main run: an observer of the main run that sends each packet the main router routed,
/// references excepted, through the twin router, in the order the main router took them, so
/// the twin sees exactly the same packets at the same times. What the twin did is kept per flow of the
/// main run (the same flows, so flows end as in the main run): while the flow is active in
/// full, and once it has ended as a row of what the results need (24 B), in first-seen order
/// after finalize().
class PairedRun final : public models::Estimator {
 public:
  explicit PairedRun(const net::RouterConfig& config);
  std::string_view name() const override { return "paired_run"; }
  void on_ingress(const core::Packet& p, models::FlowId flow) override;
  void on_egress(const core::Packet& p, models::FlowId flow, models::PortId port,
                 core::Time egress_time) override;
  void on_drop(const core::Packet& p, models::FlowId flow, models::PortId port) override;
  void replay(std::span<const models::Observation> batch) override {
    models::replay_each(*this, batch);
  }
  core::Time settled_through() const override { return core::Time::max(); }
  void on_flow_final(models::FlowId flow) override;
  void release_flow(models::FlowId flow) override;
  /// Rows for the flows still active; sorts the rows. Further observations are an error.
  void finalize() override;

  /// What the results need of a flow.
  struct Row {
    std::uint32_t serial = 0;  ///< the flow's first-seen serial (FlowTruth::first_seen)
    std::uint32_t fate_changes = 0;
    std::uint64_t dropped_packets = 0;
    double mean_ps = 0;  ///< NaN without a delivered packet
  };
  /// The row of the flow with first-seen serial `serial`, or null if it had no packet other
  /// than references. After finalize().
  const Row* row(std::uint32_t serial) const;
  /// An active flow's (not ended, or the run is over), by id; null if none.
  const TwinFlow* flow(models::FlowId flow) const;

  const net::Router& router() const { return router_; }
  /// Packets processed (every packet of the main run but the references).
  std::uint64_t packets() const { return packets_; }
  /// Regular packets offered to and dropped by the twin router.
  std::uint64_t regular_offered() const { return regular_offered_; }
  std::uint64_t regular_dropped() const { return regular_dropped_; }
  /// The twin's port counters; filled by finalize().
  const std::vector<net::PortCounters>& ports() const { return ports_; }

 private:
  // Sends p through the twin and records both fates.
  void record(const core::Packet& p, models::FlowId flow, bool delivered_with);
  void write_row(models::FlowId flow);

  net::Router router_;
  models::FlowArray<TwinFlow> flows_;
  std::vector<Row> rows_;
  std::uint64_t packets_ = 0;
  std::uint64_t regular_offered_ = 0;
  std::uint64_t regular_dropped_ = 0;
  std::vector<net::PortCounters> ports_;
  bool finalized_ = false;
};

/// What references cost, over the measured ports.
struct RliOverhead {
  std::uint64_t references = 0;
  std::uint64_t reference_bytes = 0;
  std::uint64_t reference_drops = 0;  ///< references dropped at the port
  std::uint64_t skipped_by_cap = 0;
  std::uint64_t egress_packets = 0;  ///< all packets sent to the ports, references included
  std::uint64_t egress_bytes = 0;
  std::uint64_t regular_packets = 0;
  /// Fractions of all traffic (references included) and per regular packet.
  double packet_share = 0;
  double byte_share = 0;
  double references_per_regular_packet = 0;
};

/// RLI's scores for one run: per-flow error on the measured ports, overhead, interference and
/// loss difference.
struct RliScore {
  /// Relative error of each flow's estimated mean and standard deviation against the truth
  /// of the same run (same delivered packets). Regular flows through measured ports; the std
  /// only for flows with >= 2 delivered packets.
  models::ErrorSummary mean_error;
  models::ErrorSummary std_error;
  RliOverhead overhead;
  /// Flows and packets that got an estimate (coverage).
  std::uint64_t flows_measured = 0;
  std::uint64_t flows_estimated = 0;
  /// Paired run without references (absent when interference is off).
  std::optional<models::InterferenceStats> interference;
};

/// RLI's record in a run ([rli] enabled).
class RliRun final : public EstimatorRun {
 public:
  /// Sets RLI up on `router`: a reference sender on each measured port and, with interference,
  /// the paired run, added as an observer of `router`. The receiver (estimator()), with the
  /// router's link rates, is for the caller to add as an observer.
  RliRun(const config::RliSpec& spec, net::Router& router);

  const config::RliSpec& spec() const { return spec_; }
  const models::rli::RliReceiver& receiver() const { return *receiver_; }
  /// The paired run, or null when interference is off.
  PairedRun* paired() { return paired_.get(); }
  const PairedRun* paired() const { return paired_.get(); }
  /// Each measured port's generator; filled by finish().
  const std::vector<RliSenderResult>& senders() const { return senders_; }
  /// Valid after finish().
  const RliScore& score() const { return *score_; }

  /// After the simulation, with the receiver finalized: reads the generators of `router`,
  /// finalizes the paired run and scores RLI against `truth`, whose flows `ledger` shows with
  /// RLI as its estimator number `index`.
  void finish(const net::Router& router, const models::GroundTruth& truth,
              const models::FlowLedger& ledger, std::size_t index);

  void summary_entry(const models::EstimatorScore& score,
                     nlohmann::ordered_json& entry) const override;
  void append_flow_columns(std::string& header) const override;
  void append_flow_fields(std::string& row, const models::FlowRow& flow,
                          const std::optional<models::FlowDelayEstimate>& estimate) const override;
  void append_text_summary(std::string& text) const override;
  void add_port_diagnostics(const PortView& port,
                            nlohmann::ordered_json& diagnostics) const override;
  void append_port_text(const PortView& port, std::string& text) const override;

 private:
  // The delay autocorrelation of a port at its references' mean spacing, in packets and time.
  struct ReferenceSpacing {
    double packets = 0;
    double seconds = 0;
    double r_packets = 0;
    double r_time = 0;
  };
  // Absent when the port had no references.
  std::optional<ReferenceSpacing> reference_spacing(const PortView& port) const;

  config::RliSpec spec_;
  models::rli::RliReceiver* receiver_;
  std::unique_ptr<PairedRun> paired_;
  std::vector<RliSenderResult> senders_;
  std::optional<RliScore> score_;
};

/// RLI's record in `result`, or null when the run had no [rli].
const RliRun* find_rli(const RunResult& result);

}  // namespace rlisim::run
