// A container modes file (configs/container/modes.toml, `rlisim container fit` output): parsed,
// then every entry written back as `container fit` writes it, and that text read again.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "sim/config/container_modes.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rlisim::fuzz::expect_input_errors([&] {
    const auto catalog =
        rlisim::config::parse_container_modes(rlisim::fuzz::as_text(data, size), "fuzz.toml");
    std::ostringstream written;
    for (const auto& entry : catalog.modes)
      rlisim::config::write_container_mode(written, entry);
    try {
      const auto again = rlisim::config::parse_container_modes(written.str(), "written.toml");
      std::ostringstream rewritten;
      for (const auto& entry : again.modes)
        rlisim::config::write_container_mode(rewritten, entry);
      if (rewritten.str() != written.str())
        rlisim::fuzz::finding("a written modes file reads back different:\n" + written.str() +
                              "\nthen\n" + rewritten.str());
    } catch (const rlisim::core::ConfigError& e) {
      rlisim::fuzz::finding(std::string("a written modes file does not read back: ") + e.what() +
                            "\n" + written.str());
    }
  });
  return 0;
}
