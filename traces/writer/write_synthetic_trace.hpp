#pragma once
// Drains a packet source (or a synthetic configuration) into a pcap file and reports what was
// written: the engine behind `rlisim trace gen`.

#include <cstdint>
#include <string>

#include "sim/core/packet_source.hpp"
#include "sim/core/time.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/writer/pcap_writer.hpp"

namespace rlisim::traces {

/// What a trace file holds.
struct TraceWriteSummary {
  std::uint64_t packets = 0;
  /// Sum of wire lengths, bytes.
  std::uint64_t wire_bytes = 0;
  /// The nominal trace length used for the rate (the configured duration).
  core::Time duration{};
  /// wire_bytes * 8 / duration, bits per second.
  double bits_per_second = 0;
  /// wire_bytes / packets (0 if empty).
  double mean_packet_bytes = 0;
  /// Flows that sent at least one packet (synthetic traces; 0 otherwise).
  std::uint64_t flows = 0;
  /// Largest number of simultaneously active flows the generator held (synthetic traces).
  std::uint64_t max_active_flows = 0;
};

/// Writes every packet of `source` to `path` and closes the file; `duration` (> 0) is the
/// denominator of the achieved rate.
/// @throws core::TraceError on write errors or unrepresentable packets (see PcapWriter);
///         core::ConfigError on bad options.
TraceWriteSummary write_trace(core::PacketSource& source, const std::string& path,
                              const WriterOptions& options, core::Time duration);

/// Generates the CAIDA-like trace of `config` (FlowGenerator) into `path` ("-" = stdout,
/// ".gz" = gzip) and returns the counts and the achieved rate.
/// @throws core::ConfigError if the configuration or options are invalid;
///         core::TraceError on write errors.
TraceWriteSummary write_synthetic_trace(const SyntheticTrafficConfig& config,
                                        const std::string& path, const WriterOptions& options = {});

}  // namespace rlisim::traces
