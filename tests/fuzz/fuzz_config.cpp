// An experiment configuration (`rlisim run CONFIG --set KEY=VALUE...`): the TOML text, then
// optionally (after a NUL byte) `--set` overrides, one per line. Parsing and validation only;
// nothing is simulated. Checks what a run does next with a valid configuration: re-reading
// its resolved TOML (with_derived_settings) and echoing its JSON into summary.json.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/config/experiment_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rlisim::fuzz::finding;
  const auto parts = rlisim::fuzz::split(rlisim::fuzz::as_text(data, size), '\0', 2);
  std::vector<std::string> overrides;
  if (parts.size() > 1) {
    for (const auto line : rlisim::fuzz::split(parts[1], '\n', 64))
      overrides.emplace_back(line);
  }
  rlisim::fuzz::expect_input_errors([&] {
    // The example configurations' folder: their topology and capture paths resolve.
    const auto config = rlisim::config::parse_config(parts[0], "fuzz.toml", overrides,
                                                     RLISIM_SOURCE_DIR "/configs");
    try {
      rlisim::config::with_derived_settings(config, {});
    } catch (const rlisim::core::ConfigError& e) {
      finding(std::string("the resolved TOML of a valid configuration is rejected: ") + e.what() +
              "\n" + config.resolved_toml);
    }
    if (!nlohmann::ordered_json::accept(config.resolved_json))
      finding("the resolved JSON of a valid configuration is not JSON:\n" + config.resolved_json);
  });
  return 0;
}
