// The kernel trace reader on a fuzzed tracefs text trace, plain or (input starting with the
// gzip magic) read through a ".gz" name as `rlisim container measure` reads compressed traces.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/fuzz/fuzz_support.hpp"
#include "traces/tracefs/tracefs_reader.hpp"

namespace {

// Field names the measurement and the event-path matching look up.
constexpr const char* kFields[] = {"dev", "skbaddr", "len", "rc", "fd", "buff", "", "ret"};

const std::string& gzip_name(const std::string& target) {
  static const std::string link = [&target] {
    const auto path = std::filesystem::path(rlisim::fuzz::scratch_dir()) / "trace.txt.gz";
    std::filesystem::create_symlink(target, path);
    return path.string();
  }();
  return link;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static rlisim::fuzz::MemoryFile file("trace");
  const std::string& path = file.write(rlisim::fuzz::as_text(data, size));
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  rlisim::fuzz::expect_input_errors([&] {
    rlisim::traces::TracefsReader reader(gzip ? gzip_name(path) : path);
    rlisim::traces::KernelEvent event;
    std::uint64_t sum = 0;
    while (reader.next(event)) {
      for (const char* key : kFields) {
        if (const auto value = event.field(key))
          sum += value->size();
      }
      sum += rlisim::traces::to_string(event.kind).size();
    }
    const auto& counters = reader.counters();
    if (counters.lines != counters.events + counters.header_lines + counters.lost_lines +
                              counters.malformed_total()) {
      rlisim::fuzz::finding("tracefs counters: lines != events + header + lost + malformed");
    }
    rlisim::fuzz::keep(static_cast<double>(sum));
  });
  return 0;
}
