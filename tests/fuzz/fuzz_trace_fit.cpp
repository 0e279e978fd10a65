// The other two readers of captures: `rlisim trace gen --like CAPTURE` (a traffic profile
// fitted to the capture, printed as a profile file, which must read back) and a size mix taken
// from a capture (`size_mix = "trace:FILE"`).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/config/traffic_config.hpp"
#include "sim/run/source_factory.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "traces/analysis/profile_fit.hpp"
#include "traces/analysis/size_mix_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static rlisim::fuzz::MemoryFile file("capture");
  const std::string& path = file.write(rlisim::fuzz::as_text(data, size));
  rlisim::fuzz::expect_input_errors([&] {
    const auto fit = rlisim::traces::fit_capture(path);
    const std::string printed = rlisim::config::traffic_toml(fit.config, fit.comment(path));
    try {
      rlisim::config::parse_traffic_file(printed, "fitted.toml", ".");
    } catch (const rlisim::core::ConfigError& e) {
      rlisim::fuzz::finding(std::string("a fitted profile does not read back: ") + e.what() + "\n" +
                            printed);
    }
  });
  rlisim::fuzz::expect_input_errors([&] { rlisim::traces::size_mix_from_spec("trace:" + path); });
  return 0;
}
