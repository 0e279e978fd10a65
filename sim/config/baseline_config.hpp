#pragma once
// Readers of the baseline estimators' tables: [lda], [netflow], [multiflow],
// [sampled_netflow], [trajectory].

#include <cstdint>
#include <vector>

#include "sim/config/estimator_spec.hpp"
#include "sim/config/toml_section.hpp"

namespace rlisim::config {

/// Each reads its table (see configs/compare.toml for every key) and returns the estimators
/// to build: one, or none when the table says `enabled = false`; [sampled_netflow] gives one
/// per packet sampling rate.
/// @throws core::ConfigError naming the key and line on any problem.
std::vector<EstimatorSpec> read_lda(TomlSection& s, std::uint64_t experiment_seed);
std::vector<EstimatorSpec> read_netflow(TomlSection& s, std::uint64_t experiment_seed);
std::vector<EstimatorSpec> read_multiflow(TomlSection& s, std::uint64_t experiment_seed);
std::vector<EstimatorSpec> read_sampled_netflow(TomlSection& s, std::uint64_t experiment_seed);
std::vector<EstimatorSpec> read_trajectory(TomlSection& s, std::uint64_t experiment_seed);

}  // namespace rlisim::config
