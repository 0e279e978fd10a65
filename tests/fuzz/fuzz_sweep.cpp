// A sweep file (`rlisim sweep FILE`): parsed, expanded into its manifest, and the first points
// resolved against their base configuration (the seeds name configs/sweeps' bases), as a sweep
// does before it runs anything. Resolving every point of a large grid only repeats the same
// configuration load, so a few points cover the code; and grids are expanded up to
// kExpandedPoints points: the accepted maximum (a million) takes seconds under the sanitizers,
// legitimately, and would only be reported as a timeout.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/sweep/sweep_spec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

// Every override is TOML value text on one line, as `--set` takes it: otherwise --set would
// refuse it, or apply it as a string, quotes and escapes included.
void check_value(const rlisim::sweep::Override& o) {
  if (o.value.find_first_of("\n\r") != std::string::npos)
    rlisim::fuzz::finding("override " + o.key + " spans lines: " + o.value);
  try {
    static_cast<void>(toml::parse("v = " + o.value));
  } catch (const toml::parse_error& e) {
    rlisim::fuzz::finding("override " + o.key + " = " + o.value +
                          " is not a TOML value: " + std::string(e.description()));
  }
}

constexpr std::size_t kResolvedPoints = 4;
constexpr double kExpandedPoints = 10'000;

// The example sweeps' folder, so that their `base` files resolve.
const std::string kBaseDir = RLISIM_SOURCE_DIR "/configs/sweeps";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rlisim::fuzz::expect_input_errors([&] {
    const auto spec = rlisim::sweep::parse_sweep(std::string(rlisim::fuzz::as_text(data, size)),
                                                 "fuzz.toml", kBaseDir);
    for (const auto& o : spec.fixed)
      check_value(o);
    for (const auto& axis : spec.axes) {
      for (const auto& value : axis.values) {
        for (const auto& o : value.overrides)
          check_value(o);
      }
    }
    double grid = static_cast<double>(spec.repetitions);
    for (const auto& axis : spec.axes)
      grid *= static_cast<double>(axis.values.size());
    if (grid > kExpandedPoints)
      return;
    auto points = rlisim::sweep::expand(spec);
    points.resize(std::min(points.size(), kResolvedPoints));
    rlisim::sweep::resolve(spec, points);
  });
  return 0;
}
