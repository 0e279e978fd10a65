// The MACE scenario constants file (configs/container/mace-scenarios.toml).
#include <cstddef>
#include <cstdint>

#include "sim/config/mace_scenarios.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rlisim::fuzz::expect_input_errors([&] {
    const auto scenarios =
        rlisim::config::parse_mace_scenarios(rlisim::fuzz::as_text(data, size), "fuzz.toml");
    // The derived values a reproduction asks for, N beyond the last row included.
    double sum = scenarios.gro_max_segments();
    for (int n = 0; n <= 64; ++n)
      sum += scenarios.ingress_tail_for(n);
    rlisim::fuzz::keep(sum);
  });
  return 0;
}
