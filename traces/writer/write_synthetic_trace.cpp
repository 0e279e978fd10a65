#include "traces/writer/write_synthetic_trace.hpp"

#include "sim/core/error.hpp"
#include "traces/synthetic/flow_generator.hpp"

namespace rlisim::traces {

TraceWriteSummary write_trace(core::PacketSource& source, const std::string& path,
                              const WriterOptions& options, core::Time duration) {
  if (duration.count() <= 0) {
    throw core::ConfigError("write_trace: the duration must be > 0 to compute a rate");
  }
  PcapWriter writer(path, options);
  core::Packet packet;
  while (source.next(packet))
    writer.write(packet);
  writer.close();
  TraceWriteSummary s;
  s.packets = writer.packets();
  s.wire_bytes = writer.wire_bytes();
  s.duration = duration;
  s.bits_per_second = static_cast<double>(s.wire_bytes) * 8.0 / core::to_seconds(duration);
  s.mean_packet_bytes =
      s.packets == 0 ? 0.0 : static_cast<double>(s.wire_bytes) / static_cast<double>(s.packets);
  return s;
}

TraceWriteSummary write_synthetic_trace(const SyntheticTrafficConfig& config,
                                        const std::string& path, const WriterOptions& options) {
  FlowGenerator generator(config);
  TraceWriteSummary s = write_trace(generator, path, options, config.duration);
  s.flows = generator.flows_emitted();
  s.max_active_flows = generator.max_active_flows();
  return s;
}

}  // namespace rlisim::traces
