// `rlisim trace stats` on a fuzzed capture: the pcap/pcapng reader (plain or gzip, every link
// type), the framing check, frame decoding, the timestamp order modes and both printers.
#include <cstddef>
#include <cstdint>

#include "sim/app/trace_commands.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static rlisim::fuzz::MemoryFile file("capture");
  rlisim::app::TraceStatsArgs args;
  args.path = file.write(rlisim::fuzz::as_text(data, size));
  // The order mode and the printer follow from the length, so that each input always takes
  // the same path and every mode sees all kinds of captures.
  constexpr const char* kReorder[] = {"error", "sort", "clamp"};
  args.reorder = kReorder[size % 3];
  args.reorder_window = "100us";
  args.json = (size / 3) % 2 == 1;
  rlisim::fuzz::NullStream out;
  rlisim::fuzz::expect_input_errors([&] { rlisim::app::trace_stats_command(args, out); });
  return 0;
}
