// A traffic profile file (`rlisim trace gen --profile-file`, `profile_file` of a synthetic
// source): parsed and validated, then printed as `trace gen --print-profile` prints it, and
// that text read again to the same profile.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/config/traffic_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rlisim::fuzz::expect_input_errors([&] {
    const auto config = rlisim::config::parse_traffic_file(
        rlisim::fuzz::as_text(data, size), "fuzz.toml", rlisim::fuzz::scratch_dir());
    const std::string printed = rlisim::config::traffic_toml(config, "printed");
    try {
      const auto again = rlisim::config::parse_traffic_file(printed, "printed.toml", ".");
      const std::string reprinted = rlisim::config::traffic_toml(again, "printed");
      if (reprinted != printed)
        rlisim::fuzz::finding("a printed profile reads back different:\n" + printed + "\nthen\n" +
                              reprinted);
    } catch (const rlisim::core::ConfigError& e) {
      rlisim::fuzz::finding(std::string("a printed profile does not read back: ") + e.what() +
                            "\n" + printed);
    }
  });
  return 0;
}
