#pragma once
// One experiment: sources -> router -> observers, with utilization targeting and results.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/experiment_config.hpp"
#include "sim/core/time.hpp"
#include "sim/run/budget.hpp"
#include "sim/run/progress.hpp"
#include "sim/run/run_result.hpp"

namespace rlisim::run {

struct RunOptions {
  /// Write one CSV row per packet here (empty: no packet log).
  std::string packets_out;
  /// Receives progress (may be null).
  ProgressListener* progress = nullptr;
  /// Threads the observers replay on (models::ObserverSet::set_threads); the results are the
  /// same for any count.
  unsigned threads = 1;
};

/// The offered load of one port, measured by a pre-pass over the sources.
struct OfferedLoad {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

/// Runs `config`. A trace error part-way through ends the run early with `error` set (results
/// so far are kept); errors before the first packet throw.
/// @throws core::ConfigError / core::TraceError on bad configuration or unreadable input.
RunResult run_experiment(const config::ExperimentConfig& config, const RunOptions& options = {});

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
