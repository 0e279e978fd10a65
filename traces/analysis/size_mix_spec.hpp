#pragma once
// Packet-size mixes named on the command line or in a configuration: a built-in mix, or the
// sizes of a capture.

#include <string>

#include "traces/synthetic/size_mix.hpp"

namespace rlisim::traces {

/// A packet-size mix by name ("caida2018", "trimodal", "imix") or "trace:FILE" for the
/// wire-size histogram of a capture (sizes below 40 B raised to 40 B, the smallest TCP
/// packet). @throws core::ConfigError / core::TraceError.
SizeMix size_mix_from_spec(const std::string& spec);

}  // namespace rlisim::traces
