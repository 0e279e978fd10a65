#pragma once
// Default data files compiled into the binary, so that a copied or installed rlisim needs no
// source checkout. Each is the text of the file under configs/ at build time.

#include <string_view>

namespace rlisim::config::embedded {

/// configs/container/modes.toml: the container network modes and their fitted parameters.
extern const std::string_view kContainerModes;
/// configs/container/mace-scenarios.toml: the published MACE targets `container reproduce` meets.
extern const std::string_view kMaceScenarios;

}  // namespace rlisim::config::embedded
