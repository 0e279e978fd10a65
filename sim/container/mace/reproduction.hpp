#pragma once
// Reproduction of the MACE container-latency targets (container.md §1.3, §2.4) with the
// published stack-model parameters: simulated figures next to the published ones, with a
// verdict per row against a band fixed before running (never tuned to pass).

#include <cstdint>
#include <ostream>
#include <vector>

#include "models/container/stack_model.hpp"
#include "sim/config/mace_scenarios.hpp"
#include "sim/container/mace/reproduction_table.hpp"

namespace rlisim::container::mace {

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
