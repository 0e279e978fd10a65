#pragma once
// Reproduction of the MACE container-latency targets (container.md §1.3, §2.4) with the
// published stack-model parameters: simulated figures next to the published ones, with a
// verdict per row against a band fixed before running (never tuned to pass).

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/container/stack_model.hpp"
#include "sim/config/mace_scenarios.hpp"

namespace rlisim::container::mace {

/// One compared quantity (µs unless the label says otherwise).
struct ReproductionRow {
  std::string label;
  double simulated = 0;
  std::string published;  ///< the published figure as the source states it
  /// The band the simulated value must fall in, and where it comes from; none: shown only.
  std::optional<double> band_low, band_high;
  std::string band_basis;
  /// A model parameter was set from this row's published figure: shown with its band, but
  /// never counted as reproduced.
  bool calibration = false;
  /// True if there is a band, the value lies in it and the row is not a calibration row.
  bool within() const;
};

struct ReproductionTable {
  std::string id;  ///< "R1"... "Fig5"
  std::string title;
  std::vector<ReproductionRow> rows;
  std::vector<std::string> notes;  ///< modelling assumptions of this table
};

struct ReproductionOptions {
  std::uint64_t seed = 1;
  /// Probes per open-loop scenario (R1, R2, R5, Fig. 5).
  std::size_t probes = 100'000;
  /// Probe RTTs per closed-loop point (R3, R4).
  std::size_t loop_probes = 20'000;
  /// The scenario constants' file; empty: the committed configs/container/mace-scenarios.toml.
  std::string scenarios_file;
};

/// Runs every target with `bridge_nat` (the Docker default, container.md §2.2) and `bridge`
/// (container-to-container on one host, §2.3) parameters. Deterministic for a given seed.
/// The scenario constants come from options.scenarios_file (or the committed file).
/// @throws std::invalid_argument if the parameters are invalid; core::ConfigError if the
/// scenarios file cannot be read or is invalid.
std::vector<ReproductionTable> reproduce_mace(const models::container::ModeParams& bridge_nat,
                                              const models::container::ModeParams& bridge,
                                              const ReproductionOptions& options);
/// The same with the scenario constants given.
/// @throws std::invalid_argument if the parameters are invalid.
std::vector<ReproductionTable> reproduce_mace(const models::container::ModeParams& bridge_nat,
                                              const models::container::ModeParams& bridge,
                                              const config::MaceScenarios& scenarios,
                                              const ReproductionOptions& options);

/// Plain-text tables, side by side with the published figures.
void print_reproduction(const std::vector<ReproductionTable>& tables, std::ostream& out);
/// The same as JSON.
void print_reproduction_json(const std::vector<ReproductionTable>& tables, std::uint64_t seed,
                             std::ostream& out);

}  // namespace rlisim::container::mace
