#pragma once
// The small experiment the run tests share: 0.2 s of CAIDA-like traffic at 100 Mb/s (a few
// thousand packets) through one port scaled to 90 % utilization, no buffer limit unless a
// test adds one, plus the tables a test appends.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"

namespace rlisim::run::test_support {

/// The shared traffic with `tables` appended (a line number in a message counts from the
/// first line of the traffic: `tables` starts on line 16).
inline config::ExperimentConfig small_run(const std::string& tables, const std::string& profile,
                                          std::uint64_t seed, const std::string& name,
                                          const std::vector<std::string>& overrides = {}) {
  const auto traffic = fmt::format(R"(seed = {}
[[source]]
kind = "synthetic"
profile = "{}"
rate = "100Mbps"
duration = "200ms"

[router]
processing_delay = "500ns"
[[router.port]]
rate = "1Gbps"
propagation = "1us"

[utilization]
target = 0.9
)",
                                   seed, profile);
  return config::parse_config(traffic + tables, name, overrides);
}

/// The message of the configuration error `f` throws, or "(no error)".
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace rlisim::run::test_support
