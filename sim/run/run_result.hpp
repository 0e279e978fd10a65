#pragma once
// Everything one run produced, as the writers of summary.json, flows.csv and the text summary
// read it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/metrics/estimator_score.hpp"
#include "models/metrics/flow_ledger.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/core/time.hpp"
#include "sim/net/router.hpp"
#include "sim/run/budget.hpp"
#include "sim/run/estimator_run.hpp"
#include "sim/run/port_diagnostics.hpp"
#include "sim/topology/tap.hpp"

namespace rlisim::run {

/// The arrival window of `packets` packets whose arrivals span [first, last]: the span
/// extended by one mean inter-arrival gap, span * n / (n - 1), so that n evenly spaced packets
/// cover n gaps. Offered load, the utilization target and the achieved utilization all use it.
/// Zero for fewer than two packets.
core::Time arrival_window(core::Time first, core::Time last, std::uint64_t packets);

/// How the utilization target was met for one port.
struct PortTargeting {
  core::BitsPerSecond configured_rate{};
  core::BitsPerSecond rate{};
  /// Rate of the cross traffic added (kCrossTraffic mode), bit/s.
  double cross_rate_bps = 0;
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
  /// Every estimator, finalized, in comparison order: with [rli], RLI's receiver (an RliRun)
  /// and its corrected twin (RliSpec::corrected_twin); then the tap-only ones ([lda],
  /// [netflow]...) in registry order.
  std::vector<std::unique_ptr<EstimatorRun>> estimators;
  /// Every flow with its truth and each estimator's estimate (parallel to `estimators`), in
  /// first-seen order: what flows.csv and the scores read.
  std::unique_ptr<models::FlowLedger> ledger;
  /// Flows ended after this long without a packet; zero: never (the [truth] flow_timeout, or
  /// zero where flows are found by 5-tuple after the run).
  core::Time flow_timeout{};
  /// Every estimator scored on the same flows, parallel to `estimators`; absent when the run
  /// had none.
  std::optional<models::Comparison> comparison;
  /// Delay autocorrelation and load periods per port; kept whenever estimators are compared.
  std::unique_ptr<PortDiagnostics> diagnostics;
  /// [compare] budget: how each estimator was set to spend it.
  std::optional<BudgetPlan> budget;
  /// [topology]: end-to-end delays around the router (absent without the table).
  std::unique_ptr<topology::TopologyTap> topology;
  double wall_seconds = 0;
  /// Threads the observers ran on (RunOptions::threads): what wall_seconds was taken with.
  unsigned threads = 1;
  /// Set when the input failed part-way (e.g. a truncated record): everything up to the bad
  /// record was simulated and is reported, and the run is marked incomplete.
  std::optional<std::string> error;
  /// Set when the per-packet log (RunOptions::packets_out) could not be written: the run itself
  /// is complete, so its results are still written before the command fails.
  std::optional<std::string> packet_log_error;
};

}  // namespace rlisim::run
