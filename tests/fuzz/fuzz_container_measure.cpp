// `rlisim container measure` on fuzzed inputs: a kernel trace, then optionally (after a NUL
// byte) the ping log recorded with it, then optionally (after a second NUL) an event-path file.
// Covers the tracefs reader, the latency matcher, the ping log reader, the RTT adjustment and
// both printers.
#include <cstddef>
#include <cstdint>

#include "sim/container/commands.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static rlisim::fuzz::MemoryFile trace("trace");
  static rlisim::fuzz::MemoryFile ping("ping");
  static rlisim::fuzz::MemoryFile path_file("path");
  const auto parts = rlisim::fuzz::split(rlisim::fuzz::as_text(data, size), '\0', 3);
  rlisim::container::ContainerMeasureArgs args;
  args.traces = {trace.write(parts[0])};
  if (parts.size() > 1)
    args.pings = {ping.write(parts[1])};
  if (parts.size() > 2) {
    args.path_file = path_file.write(parts[2]);
  } else {
    // The device names of the veth samples (traces/samples/kernel): container end cs, outer os.
    constexpr const char* kPaths[] = {"inner-dev", "max-dev", "syscalls"};
    args.path = kPaths[size % 3];
    args.inner_dev = "cs";
    args.outer_dev = "os";
  }
  args.json = size % 2 == 1;
  rlisim::fuzz::NullStream out;
  rlisim::fuzz::expect_input_errors(
      [&] { rlisim::container::container_measure_command(args, out); });
  return 0;
}
