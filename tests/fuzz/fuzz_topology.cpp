// A topology file (`rlisim topology ...`): nodes, links calibrated from measured round trips,
// published figures, and the container modes it names (the example topologies' folder is
// where relative modes_file paths resolve).
#include <cstddef>
#include <cstdint>

#include "sim/config/topology_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rlisim::fuzz::expect_input_errors([&] {
    rlisim::config::parse_topology(rlisim::fuzz::as_text(data, size), "fuzz.toml",
                                   RLISIM_SOURCE_DIR "/configs/topologies");
  });
  return 0;
}
