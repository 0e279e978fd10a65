#pragma once
// Kernel-trace measurement behind `rlisim container measure`: per-packet latencies along a MACE
// event path, their distribution, and MACE's RTT adjustment (container.md §1.2).

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/container/event_path.hpp"
#include "models/container/latency_matcher.hpp"
#include "traces/tracefs/tracefs_reader.hpp"

namespace rlisim::container {

/// One reply line of `ping` (`[EPOCH] 64 bytes from ...: icmp_seq=N ... time=X ms`).
struct PingReply {
  std::int64_t seq = 0;
  std::int64_t rtt_ns = 0;        ///< `time=` parsed exactly from its decimal digits
  std::int64_t realtime_ns = -1;  ///< the `ping -D` timestamp, ns since the epoch; -1 if absent
  std::uint64_t line = 0;
};

/// What ping printed during a capture.
struct PingLog {
  std::string path;
  std::optional<std::int64_t> ip_bytes;     ///< from `PING host (addr) 56(84) bytes of data.`
  std::optional<std::int64_t> transmitted;  ///< from `N packets transmitted, ...`
  std::vector<PingReply> replies;           ///< in file order
};

/// Reads a ping output file. @throws core::TraceError naming the file and line when it cannot
/// be opened, holds no `PING` header and no reply, or a reply line cannot be parsed.
PingLog read_ping_log(const std::string& path);

/// The ping log recorded next to a trace, if one exists: `DIR/ping.txt` for `DIR/trace.txt`,
/// else `STEM.ping.txt` for `STEM.trace` / `STEM.txt`.
std::optional<std::string> find_ping_log(const std::string& trace_path);

/// Count, mean, sample sd, min, linear-interpolated p50/p90/p99 (numpy's default), max; ns.
struct LatencyStats {
  std::uint64_t count = 0;
  double mean = 0, sd = 0, min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};
/// Exact statistics of `values_ns` (sorted in place).
LatencyStats latency_stats(std::vector<std::int64_t>& values_ns);

/// How raw RTTs were joined to a probe's egress and ingress latency.
enum class ProbeMatching : std::uint8_t {
  kNone,           ///< no RTTs (no ping log and no syscall events)
  kIcmpSequence,   ///< ping log; the trace holds exactly one egress probe per transmitted
                   ///< request, so the k-th (in time) is icmp_seq k
  kTimeOrder,      ///< ping log whose count differs: i-th complete probe <-> i-th reply line
  kSyscallWindow,  ///< no ping log: RTT = sendto entry -> receive exit of the same PID, and
                   ///< the probe whose egress starts inside that window
};
std::string_view to_string(ProbeMatching m);

/// Receives every matched packet of measure_container_traces, with the index of its trace.
class MeasuredPacketSink {
 public:
  virtual ~MeasuredPacketSink() = default;
  virtual void on_packet(const models::container::PacketLatency& packet, std::size_t file) = 0;
};

struct MeasureOptions {
  models::container::EventPath path;
  models::container::MatcherOptions matcher;
  /// Ping logs by trace (same order; an empty string: look for one next to the trace).
  std::vector<std::string> ping_logs;
  /// IP length of a probe packet (bytes); default: from the ping log, else 84 (ping -s 56).
  std::optional<std::int64_t> probe_ip_bytes;
  /// Per-packet CSV to write (direction,start_ns,end_ns,latency_ns,cpu,end_cpu,pid,
  /// start_len,end_len,key,file); empty: none.
  std::string packets_csv;
  /// Also hands every matched packet to this sink (may be null).
  MeasuredPacketSink* packets = nullptr;
};

struct RttAdjustment {
  ProbeMatching matching = ProbeMatching::kNone;
  std::uint64_t rtts = 0;          ///< raw RTTs available
  std::uint64_t trace_probes = 0;  ///< probe-sized egress packets in the traces
  std::uint64_t adjusted = 0;      ///< probes with raw RTT, egress and ingress
  LatencyStats raw, overhead, adjusted_rtt;
};

struct TraceFileReport {
  std::string path;
  traces::TracefsCounters parse;
  std::vector<std::string> devices_seen;  ///< up to 32 distinct device names
  std::uint64_t path_events = 0;          ///< events passed to the matcher
};

struct MeasureReport {
  models::container::EventPath path;
  std::vector<TraceFileReport> files;
  models::container::MatcherCounters matching;  ///< summed over files
  LatencyStats egress, ingress;
  RttAdjustment rtt;
  std::int64_t probe_ip_bytes = 84;
  /// Set when MeasureOptions::packets_csv could not be written; the report is complete.
  std::optional<std::string> packets_csv_error;
};

/// Throws TraceError naming the first of `traces` that is not a readable regular file or pipe.
/// Commands call it before checking their options, so `measure /dev/zero` names the file rather
/// than a device option it never got to use.
void check_kernel_trace_files(const std::vector<std::string>& traces);

/// Reads every trace, matches, summarises and adjusts RTTs.
/// @throws core::TraceError for unreadable files or a trace with no parsable event (naming the
///   file and its first malformed lines); core::ConfigError for an invalid path.
MeasureReport measure_container_traces(const std::vector<std::string>& traces,
                                       const MeasureOptions& options);

void print_measure_text(const MeasureReport& report, std::ostream& out);
void print_measure_json(const MeasureReport& report, std::ostream& out);

}  // namespace rlisim::container
