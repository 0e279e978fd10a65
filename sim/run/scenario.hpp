#pragma once
// One experiment: sources -> router -> observers, with utilization targeting and results.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/rli/reference_policy.hpp"
#include "models/rli/rli_receiver.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/net/router.hpp"
#include "sim/run/budget.hpp"
#include "sim/run/comparison.hpp"
#include "sim/run/port_diagnostics.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/rli_report.hpp"
#include "sim/topology/tap.hpp"

namespace rlisim::run {

struct RunOptions {
  /// Write one CSV row per packet here (empty: no packet log).
  std::string packets_out;
  /// Receives progress (may be null).
  ProgressListener* progress = nullptr;
};

/// The offered load of one port, measured by a pre-pass over the sources.
struct OfferedLoad {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

/// How the utilization target was met for one port.
struct PortTargeting {
  core::BitsPerSecond configured_rate{};
  core::BitsPerSecond rate{};
  /// Rate of the cross traffic added (kCrossTraffic mode), bit/s.
  double cross_rate_bps = 0;
};

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
  std::unique_ptr<models::GroundTruth> truth;
  std::vector<net::PortCounters> ports;
  /// Packets whose fate differs, by flow (only flows with at least one change).
  absl::flat_hash_map<core::FlowKey, FateChanges, core::FlowKeyHasher> fate_changes;
  std::uint64_t packets = 0;  ///< packets processed (checked equal to the main run's)

  /// Packets of `flow` whose fate differs between the two runs.
  std::uint64_t fate_changes_of(const core::FlowKey& flow) const {
    const auto it = fate_changes.find(flow);
    return it == fate_changes.end()
               ? 0
               : std::uint64_t{it->second.delivered_to_dropped} + it->second.dropped_to_delivered;
  }
};

/// Everything a run produced; written by the result printers.
struct RunResult {
  config::ExperimentConfig config;
  /// The router as simulated (rates after utilization targeting).
  net::RouterConfig router;
  std::vector<std::string> source_descriptions;
  /// Each source's own counters (records, skipped by reason, flows...), by source id.
  std::vector<std::vector<std::pair<std::string, std::uint64_t>>> source_counters;
  std::vector<PortTargeting> targeting;
  std::vector<net::PortCounters> ports;
  std::uint64_t packets = 0;
  /// First and last arrival at the router.
  core::Time first_arrival{};
  core::Time last_arrival{};
  std::unique_ptr<models::GroundTruth> truth;
  /// Truth totals over all flows and per kind, computed once at the end of the run.
  models::TruthSummary truth_all;
  models::TruthSummary truth_regular;
  models::TruthSummary truth_cross;
  /// RLI ([rli] enabled): the receiver, each port's generator, and the run without references.
  std::unique_ptr<models::rli::RliReceiver> rli;
  std::vector<RliSenderResult> rli_senders;
  std::unique_ptr<PairedRun> without_references;
  /// RLI's scores (evaluate_rli), computed at the end of the run.
  std::optional<RliReport> rli_report;
  /// The estimators besides `rli`, finalized: RLI's corrected twin first (RliSpec::
  /// corrected_twin), then the tap-only ones ([lda], [netflow]...) in registry order.
  std::vector<std::unique_ptr<models::FlowEstimator>> estimators;
  /// Every estimator (RLI included) scored on the same flows; absent when the run had none.
  std::optional<Comparison> comparison;
  /// Delay autocorrelation and load periods per port; kept whenever estimators are compared.
  std::unique_ptr<PortDiagnostics> diagnostics;
  /// [compare] budget: how each estimator was set to spend it.
  std::optional<BudgetPlan> budget;
  /// [topology]: end-to-end delays around the router (absent without the table).
  std::unique_ptr<topology::TopologyTap> topology;
  double wall_seconds = 0;
  /// Set when the input failed part-way (e.g. a truncated record): everything up to the bad
  /// record was simulated and is reported, and the run is marked incomplete.
  std::optional<std::string> error;
  /// Set when the per-packet log (RunOptions::packets_out) could not be written: the run itself
  /// is complete, so its results are still written before the command fails.
  std::optional<std::string> packet_log_error;
};

/// Runs `config`. A trace error part-way through ends the run early with `error` set (results
/// so far are kept); errors before the first packet throw.
/// @throws core::ConfigError / core::TraceError on bad configuration or unreadable input.
RunResult run_experiment(const config::ExperimentConfig& config, const RunOptions& options = {});

/// The arrival window of `packets` packets whose arrivals span [first, last]: the span
/// extended by one mean inter-arrival gap, span * n / (n - 1), so that n evenly spaced packets
/// cover n gaps. Offered load, the utilization target and the achieved utilization all use it.
/// Zero for fewer than two packets.
core::Time arrival_window(core::Time first, core::Time last, std::uint64_t packets);

/// Offered load per egress port and the arrival span of all sources, from a pre-pass.
struct LoadSurvey {
  std::vector<OfferedLoad> ports;
  /// Flows and packets of the sources; counted only when a [compare] budget needs them.
  TrafficCensus census;
  std::uint64_t packets = 0;
  core::Time first_arrival{};
  core::Time last_arrival{};
  core::Time window() const { return arrival_window(first_arrival, last_arrival, packets); }
};
LoadSurvey survey_load(const config::ExperimentConfig& config);

}  // namespace rlisim::run
