#pragma once
// RLI in a run: the receiver, a reference sender on each measured port, the paired run without
// references, and what RLI reports beyond its score (setup, senders, overhead, interference).

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <absl/container/flat_hash_map.h>

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

/// A packet whose fate differs between the run with references and the run without.
struct FateChanges {
  std::uint32_t delivered_to_dropped = 0;  ///< delivered without references, dropped with
  std::uint32_t dropped_to_delivered = 0;
};

/// The same traffic through an identical router without reference packets, simulated in lock
/// step with the main run (so it sees exactly the same packets at the same times).
struct PairedRun {
  std::unique_ptr<net::Router> router;
  std::unique_ptr<models::GroundTruth> truth;
  std::vector<net::PortCounters> ports;
  /// Packets whose fate differs, by flow (only flows with at least one change).
  absl::flat_hash_map<core::FlowKey, FateChanges, core::FlowKeyHasher> fate_changes;
  std::uint64_t packets = 0;  ///< packets processed (checked equal to the main run's)

  /// Sends the main run's packet `p` through the twin router and compares its fate there with
  /// `fate`, the one it had in the main run.
  void process(const core::Packet& p, const net::PacketFate& fate);
  /// Packets of `flow` whose fate differs between the two runs.
  std::uint64_t fate_changes_of(const core::FlowKey& flow) const {
    const auto it = fate_changes.find(flow);
    return it == fate_changes.end()
               ? 0
               : std::uint64_t{it->second.delivered_to_dropped} + it->second.dropped_to_delivered;
  }
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
  /// the paired run (its truth configured as `truth_config` without quantiles). The receiver
  /// (estimator()), with the router's link rates, is for the caller to add as an observer.
  RliRun(const config::RliSpec& spec, net::Router& router,
         const models::GroundTruthConfig& truth_config);

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
