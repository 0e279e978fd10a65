#pragma once
// Readers of the baseline estimators' tables: [lda], [netflow], [multiflow], [trajectory].

#include <cstdint>
#include <optional>

#include "sim/run/config.hpp"
#include "sim/run/toml_section.hpp"

namespace rlisim::run {

/// Each reads its table (see configs/baselines.toml for every key) and returns the estimator
/// to build, or nullopt when the table says `enabled = false`.
/// @throws core::ConfigError naming the key and line on any problem.
std::optional<EstimatorSpec> read_lda(TomlSection& s, std::uint64_t experiment_seed);
std::optional<EstimatorSpec> read_netflow(TomlSection& s, std::uint64_t experiment_seed);
std::optional<EstimatorSpec> read_multiflow(TomlSection& s, std::uint64_t experiment_seed);
std::optional<EstimatorSpec> read_trajectory(TomlSection& s, std::uint64_t experiment_seed);

}  // namespace rlisim::run
