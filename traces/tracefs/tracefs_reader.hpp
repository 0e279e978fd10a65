#pragma once
// TracefsReader: Linux tracefs text (`trace`, `trace_pipe`) and `trace-cmd report` output, read
// line by line into typed kernel events (network device and syscall tracepoints).

#include <array>
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rlisim::traces {

/// The tracepoints rlisim knows (container.md §4); everything else is kOther (counted).
enum class KernelEventKind : std::uint8_t {
  kNetDevQueue,          ///< net:net_dev_queue
  kNetDevXmit,           ///< net:net_dev_xmit
  kNetDevStartXmit,      ///< net:net_dev_start_xmit
  kNetifReceiveSkb,      ///< net:netif_receive_skb
  kNapiGroFragsEntry,    ///< net:napi_gro_frags_entry
  kNapiGroReceiveEntry,  ///< net:napi_gro_receive_entry
  kSysEnterSendto,       ///< syscalls:sys_enter_sendto (printed `sys_sendto(...)` by tracefs)
  kSysExitRecvmsg,       ///< syscalls:sys_exit_recvmsg (printed `sys_recvmsg -> RET`)
  kSysExitRecvmmsg,      ///< syscalls:sys_exit_recvmmsg (printed `sys_recvmmsg -> RET`)
  kOther,                ///< any other event (including trace_marker writes)
};
inline constexpr std::size_t kKernelEventKindCount = 10;

/// The tracepoint name of `kind` ("net_dev_xmit", "sys_exit_recvmsg", ..., "other").
std::string_view to_string(KernelEventKind kind);
/// Kind of a tracepoint name, accepting both the tracepoint names ("sys_exit_recvmsg") and the
/// labels tracefs prints for syscalls ("sys_recvmsg" after `->`, "sys_sendto" before `(`);
/// nullopt for a name that is not one of the nine known events.
std::optional<KernelEventKind> parse_kernel_event_kind(std::string_view name);

/// One parsed event. The string views point into the reader's line buffer and stay valid only
/// until the next call to TracefsReader::next() (or the next parse_tracefs_line() on that line).
struct KernelEvent {
  std::int64_t time_ns = 0;  ///< timestamp, integer nanoseconds of the trace clock (exact)
  KernelEventKind kind = KernelEventKind::kOther;
  std::uint32_t cpu = 0;
  std::int32_t pid = 0;
  std::int32_t tgid = -1;       ///< -1 when the line has no TGID column (or it shows -------)
  std::string_view comm;        ///< task name (may contain spaces and dashes)
  std::string_view flags;       ///< 4 or 5 latency flag characters; empty when not printed
  std::string_view event_name;  ///< label as printed ("net_dev_xmit", "sys_recvmsg", ...)
  std::string_view fields;      ///< everything after the label, untouched
  std::string_view device;      ///< `dev=`; empty when the event has none
  std::uint64_t skbaddr = 0;    ///< `skbaddr=` (hex; a hashed pointer on current kernels)
  bool has_skbaddr = false;
  std::int64_t len = -1;  ///< `len=` for net events, the `len:` argument for sendto; -1: none
  std::int64_t rc = 0;    ///< `rc=` of net_dev_xmit
  std::int64_t ret = 0;   ///< syscall exit return value (two's complement: errnos < 0)
  bool has_ret = false;
  std::int64_t fd = -1;    ///< sendto `fd:` argument; -1 when absent
  std::uint64_t line = 0;  ///< 1-based line number in the input

  /// Value of field `key` in `fields`, accepting both `key=value` (net events) and `key: value`
  /// (syscall arguments) spellings; nullopt when absent or when `key` is empty.
  /// Allocation-free.
  std::optional<std::string_view> field(std::string_view key) const;
};

/// Why a line could not be parsed. kNone is never counted.
enum class MalformedReason : std::uint8_t {
  kNone,
  kNoCpu,         ///< no ` [CPU] ` column
  kBadTask,       ///< no `-PID` before the CPU column, or a broken TGID column
  kBadFlags,      ///< the flags column is not 4 or 5 flag characters
  kBadTimestamp,  ///< no `SECONDS.FRACTION:` timestamp (at most 9 fraction digits)
  kNoEvent,       ///< no `EVENT:` label after the timestamp
  kBadField,      ///< a known event whose dev/skbaddr/len/rc/return value is missing or bad
};
inline constexpr std::size_t kMalformedReasonCount = 7;
std::string_view to_string(MalformedReason reason);

/// Outcome of one line.
enum class LineKind : std::uint8_t {
  kEvent,      ///< a parsed event
  kHeader,     ///< `#` comment, blank line, or a trace-cmd preamble (`cpus=`, `version =`)
  kLost,       ///< `CPU:N [LOST M EVENTS]`; M is in lost_events
  kMalformed,  ///< see the reason
};

struct LineResult {
  LineKind kind = LineKind::kHeader;
  MalformedReason reason = MalformedReason::kNone;
  std::uint64_t lost_events = 0;
};

/// Parses one line (without the newline) into `event` (whose `line` is left unchanged).
/// Never throws on bad input.
LineResult parse_tracefs_line(std::string_view line, KernelEvent& event);

/// Reader counters. Identity: lines == events + header_lines + lost_lines + malformed_total().
struct TracefsCounters {
  static constexpr std::size_t kKeptLineNumbers = 5;
  std::uint64_t lines = 0;
  std::uint64_t events = 0;
  std::uint64_t header_lines = 0;
  std::uint64_t lost_lines = 0;   ///< `[LOST N EVENTS]` lines
  std::uint64_t lost_events = 0;  ///< sum of their N: the ring buffer overflowed
  std::array<std::uint64_t, kKernelEventKindCount> by_kind{};
  std::array<std::uint64_t, kMalformedReasonCount> malformed{};
  /// First kKeptLineNumbers line numbers of each malformed reason.
  std::array<std::vector<std::uint64_t>, kMalformedReasonCount> malformed_lines{};
  std::uint64_t out_of_order = 0;  ///< events with an earlier timestamp than their predecessor
  std::uint64_t malformed_total() const;
};

/// Streams one trace file (or stream). Memory is one line buffer plus the counters, whatever the
/// trace length. A `.gz` file is decompressed on the fly.
class TracefsReader {
 public:
  /// Opens `path`. @throws core::TraceError if it cannot be opened.
  explicit TracefsReader(const std::string& path);
  /// Reads from `in` (not owned; must outlive the reader); `name` is used in messages.
  TracefsReader(std::istream& in, std::string name);
  ~TracefsReader();
  TracefsReader(const TracefsReader&) = delete;
  TracefsReader& operator=(const TracefsReader&) = delete;

  /// Next event, skipping header, lost and malformed lines (they are counted). Returns false at
  /// the end. @throws core::TraceError on an I/O error while reading.
  bool next(KernelEvent& event);
  const TracefsCounters& counters() const { return counters_; }
  const std::string& name() const { return name_; }

 private:
  // An event line is formatted into one page-sized buffer by the kernel; 64 KiB leaves room
  // for any page size while a file with no newlines still costs bounded memory.
  static constexpr std::size_t kMaxLineBytes = 64 << 10;

  bool read_line();
  [[noreturn]] void throw_too_long() const;

  std::string name_;
  std::unique_ptr<std::ifstream> file_;
  struct Gzip;
  std::unique_ptr<Gzip> gz_;
  std::istream* in_ = nullptr;
  std::string line_;
  std::int64_t last_time_ns_ = 0;
  TracefsCounters counters_;
};

}  // namespace rlisim::traces
