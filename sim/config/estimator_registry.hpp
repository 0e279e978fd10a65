#pragma once
// The one place that lists the tap-only estimators a run can include (LDA, NetFlow, Multiflow,
// trajectory sampling...): each plugin names its configuration table and reads it.

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/config/estimator_spec.hpp"
#include "sim/config/toml_section.hpp"

namespace rlisim::config {

/// A per-flow latency estimator that only watches the router's taps. To add one: implement
/// models::FlowEstimator, write a reader for its table, and append a plugin to the list in
/// estimator_registry.cpp. The run, the comparison, summary.json and flows.csv pick it up.
struct EstimatorPlugin {
  /// Its configuration table ([lda]), unique; also the output name of a table that makes one
  /// estimator.
  std::string_view section;
  /// One line for documentation.
  std::string_view description;
  /// Reads the table (every key checked; unknown keys rejected) and returns the estimators to
  /// build: usually one, none when the table says `enabled = false`, several for a table of
  /// variants (each with its own name, unique across all plugins, usable as a flows.csv column
  /// prefix and a results-database value). `experiment_seed` is the run's seed, from which an
  /// estimator's hash seed defaults.
  /// @throws core::ConfigError naming the key and line.
  std::vector<EstimatorSpec> (*read)(TomlSection& table, std::uint64_t experiment_seed);
};

/// Every registered plugin, in output order.
const std::vector<EstimatorPlugin>& estimator_plugins();

}  // namespace rlisim::config
