#pragma once
// Builds packet sources from their configuration.

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/config/experiment_config.hpp"
#include "sim/core/packet_source.hpp"

namespace rlisim::run {

/// The seed of source `index`: derived from the experiment seed and the source's position, so
/// it never depends on scheduling order.
std::uint64_t source_seed(std::uint64_t experiment_seed, std::size_t index);

/// Opens one source. @throws core::ConfigError / core::TraceError naming the source.
std::unique_ptr<core::PacketSource> make_source(const config::SourceSpec& spec, std::uint64_t seed);

/// Opens all sources of `config` plus `extra` (e.g. cross traffic added for a utilization
/// target), in order; source i gets id i.
std::vector<std::unique_ptr<core::PacketSource>> make_sources(
    const config::ExperimentConfig& config, const std::vector<config::SourceSpec>& extra = {});

}  // namespace rlisim::run
