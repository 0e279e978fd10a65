#pragma once
// Builds packet sources from their configuration.

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/core/packet_source.hpp"
#include "sim/run/config.hpp"
#include "traces/synthetic/size_mix.hpp"

namespace rlisim::run {

/// A packet-size mix by name ("caida2018", "trimodal", "imix") or "trace:FILE" for the
/// wire-size histogram of a capture (sizes below 40 B raised to 40 B, the smallest TCP
/// packet). @throws core::ConfigError / core::TraceError.
traces::SizeMix size_mix_from_spec(const std::string& spec);

/// The seed of source `index`: derived from the experiment seed and the source's position, so
/// it never depends on scheduling order.
std::uint64_t source_seed(std::uint64_t experiment_seed, std::size_t index);

/// Opens one source. @throws core::ConfigError / core::TraceError naming the source.
std::unique_ptr<core::PacketSource> make_source(const SourceSpec& spec, std::uint64_t seed);

/// Opens all sources of `config` plus `extra` (e.g. cross traffic added for a utilization
/// target), in order; source i gets id i.
std::vector<std::unique_ptr<core::PacketSource>> make_sources(
    const ExperimentConfig& config, const std::vector<SourceSpec>& extra = {});

}  // namespace rlisim::run
