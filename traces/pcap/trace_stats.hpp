#pragma once
// Whole-trace statistics of a capture (plain data), and its text and JSON printers.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/core/time.hpp"
#include "traces/analysis/traffic_statistics.hpp"
#include "traces/pcap/frame_decoder.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {

/// Packets whose wire length lies in [min_bytes, max_bytes] (max_bytes nullopt: no upper
/// bound).
struct SizeBucket {
  std::uint32_t min_bytes = 0;
  std::optional<std::uint32_t> max_bytes;
  std::uint64_t packets = 0;
};

/// The wire length at or below which `percent` % of the packets lie (nearest-rank method: the
/// smallest size s with count(size <= s) >= ceil(percent / 100 * packets)).
struct SizePercentile {
  double percent = 0;
  std::uint32_t bytes = 0;
};

/// Statistics of the packets a PcapReader emits, plus the reader's counters. Sizes are wire
/// lengths (pcap `len`), times are trace time in ns, rates are over [first, last] packet.
struct TraceStats {
  // Input
  std::string source;            ///< PcapReader::describe(), "pcap:<path>"
  std::string format;            ///< "pcap" or "pcapng"
  bool gzip = false;             ///< the input was gzip-compressed
  bool nanosecond_file = false;  ///< pcap with nanosecond timestamps
  std::string link_type_name;    ///< "EN10MB", "RAW", ...
  int link_type = 0;             ///< LINKTYPE_ number (101 for raw IP)
  std::uint32_t snaplen = 0;     ///< bytes; 0 means unlimited

  // Volume
  std::uint64_t records = 0;  ///< records in the file
  std::uint64_t packets = 0;  ///< IP packets emitted
  std::uint64_t wire_bytes = 0;
  std::uint64_t ipv4_packets = 0;
  std::uint64_t ipv6_packets = 0;
  std::uint64_t tcp_packets = 0;
  std::uint64_t udp_packets = 0;
  std::uint64_t icmp_packets = 0;  ///< ICMP and ICMPv6
  std::uint64_t other_packets = 0;
  std::uint64_t flows = 0;  ///< distinct 5-tuples (core::FlowKey)

  // Time
  std::optional<core::TraceTime> first_timestamp;  ///< absolute, of the first emitted packet
  std::optional<core::TraceTime> last_timestamp;   ///< absolute, gap shortening applied
  core::TraceTime duration{};                      ///< last - first
  double packet_rate = 0;                          ///< packets/s; 0 when the duration is 0
  double bit_rate = 0;  ///< bits/s of wire bytes; 0 when the duration is 0

  // Packet sizes (wire length, bytes)
  std::uint32_t size_min = 0;
  std::uint32_t size_max = 0;
  double size_mean = 0;
  std::vector<SizePercentile> size_percentiles;  ///< 1, 10, 25, 50, 75, 90, 99 %
  /// <=64, 65-127, 128-255, 256-511, 512-1023, 1024-1399, 1400-1500, 1501-9216, >9216.
  std::vector<SizeBucket> size_histogram;
  std::uint64_t oversized = 0;  ///< packets longer than oversize_bytes (kept)
  std::uint32_t oversize_bytes = 0;

  // Truncation (over all records)
  std::uint64_t short_records = 0;  ///< caplen < len
  std::uint32_t min_caplen = 0;
  std::uint32_t max_caplen = 0;
  double mean_caplen = 0;
  std::uint64_t truncated_l4 = 0;  ///< ports beyond the captured bytes

  // Skipped records and notable packets
  std::array<std::uint64_t, kSkipReasonCount> skipped{};  ///< by SkipReason
  std::uint64_t skipped_total = 0;
  std::uint64_t first_fragments = 0;
  std::uint64_t later_fragments = 0;

  // Timestamp order
  Reorder reorder = Reorder::kError;
  core::TraceTime sort_window{};  ///< Reorder::kSort only
  std::uint64_t clamped = 0;
  std::uint64_t reordered = 0;
  std::optional<core::TraceTime> max_gap;
  std::uint64_t gaps_shortened = 0;
  core::TraceTime gap_time_removed{};

  // Burstiness, Hurst and per-flow timing of the emitted packets at their capture times
  // (gap shortening applied), with default TrafficStatisticsOptions.
  TrafficStatisticsReport traffic;
};

/// Called every `progress_interval` packets while statistics are computed (for a heartbeat).
using StatsProgress = std::function<void(const PcapReader&)>;

/// Reads `reader` to its end and summarises the trace. Call on a fresh reader: packets read
/// before are not in the distributions (the counters still include them). Works on traces of
/// any duration (uses absolute timestamps, never simulation time).
/// @throws core::TraceError from the reader.
TraceStats compute_trace_stats(PcapReader& reader, const StatsProgress& progress = {},
                               std::uint64_t progress_interval = 1 << 20);

/// Multi-line human-readable summary, ending with format_traffic_statistics_text()'s
/// "Burstiness" and "Flows" sections (ends with a newline).
std::string format_trace_stats_text(const TraceStats& stats);

/// The same content as JSON: {"source", "format", "link_type": {"name", "number"}, "records",
/// "packets", "bytes", "flows", "protocols": {...}, "time": {...}, "packet_size": {...},
/// "truncation": {...}, "skipped": {"total", "<reason>": n...}, "fragments": {...},
/// "order": {...}}, plus traffic_statistics_json()'s members at the top level ("burstiness",
/// "hurst", "flow_classes", "top1pct_byte_share", "top1pct_flows"). Times in ns (integers)
/// and seconds (doubles), rates in 1/s and bit/s.
nlohmann::json trace_stats_json(const TraceStats& stats);

/// Lower-case name of a Reorder mode: "error", "sort", "clamp".
std::string_view reorder_name(Reorder reorder);

}  // namespace rlisim::traces
