#pragma once
// Reading the [rli] table of an experiment configuration.

#include <cstdint>

#include "sim/config/experiment_config.hpp"
#include "sim/config/toml_section.hpp"

namespace rlisim::config {

/// Reads [rli] (see configs/rli.toml for every key). `port_count` bounds the port numbers;
/// `seed` is the experiment seed (the periodic jitter draws from it).
/// @throws core::ConfigError naming the key and line on any problem.
RliSpec read_rli(TomlSection& s, std::size_t port_count, std::uint64_t seed);

}  // namespace rlisim::config
