#include "traces/analysis/size_mix_spec.hpp"

#include <map>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {

SizeMix size_mix_from_spec(const std::string& spec) {
  constexpr std::string_view kTracePrefix = "trace:";
  if (spec.rfind(kTracePrefix, 0) != 0)
    return SizeMix::named(spec);
  const std::string path = spec.substr(kTracePrefix.size());
  PcapReaderOptions options;
  options.reorder = Reorder::kClamp;  // only sizes matter here, not timing
  PcapReader reader(path, options);
  std::map<std::uint32_t, std::uint64_t> counts;
  core::Packet p;
  while (reader.next(p))
    ++counts[p.wire_bytes];
  if (counts.empty()) {
    throw core::ConfigError(
        fmt::format("size mix '{}': the capture holds no IP packet to take sizes from", spec));
  }
  // A TCP packet needs 40 B of headers; smaller captured frames (e.g. bare IPv4 ACK
  // fragments) are raised to that minimum so the mix is valid for every protocol.
  return SizeMix::from_histogram(counts).with_min_size(40);
}

}  // namespace rlisim::traces
