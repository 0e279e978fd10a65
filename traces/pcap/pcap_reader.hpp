#pragma once
// PcapReader: pcap/pcapng captures (plain, gzip or standard input) as a stream of core::Packet.

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/packet_source.hpp"
#include "sim/core/time.hpp"
#include "traces/pcap/frame_decoder.hpp"
#include "traces/pcap/pcap_framing.hpp"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace rlisim::traces {

class CaptureStream;

/// What to do with a packet whose timestamp is earlier than its predecessor's.
enum class Reorder : std::uint8_t {
  kError,  ///< throw core::TraceError naming the file, the record and both times (default)
  kSort,   ///< sort within a bounded window (PcapReaderOptions::sort_window)
  kClamp,  ///< raise the timestamp to the previous one, ts = max(ts, previous); counted
};

/// Reader settings.
struct PcapReaderOptions {
  Reorder reorder = Reorder::kError;
  /// Reorder::kSort: a packet may arrive up to this long (trace time, ns) behind the newest
  /// packet read so far. Packets are held in a min-heap until the newest one is this much later,
  /// so memory is O(packets per window). A packet later than that throws core::TraceError.
  core::TraceTime sort_window{1'000'000};
  /// If set, a forward gap between consecutive packets longer than this is shortened to it
  /// (counted in PcapReaderCounters::gaps_shortened). Without it, a trace spanning more than
  /// the simulation time range (int64 ps, about 106 days) throws core::TraceError.
  std::optional<core::TraceTime> max_gap{};
  TruncatedL4Policy truncated_l4 = TruncatedL4Policy::kEmitPortsZero;
  /// Keep the ports of first fragments (default: every fragment gets ports 0; see DecodeOptions).
  bool first_fragment_ports = false;
  /// If true, every emitted packet's core::Packet::tcp carries tcp_mark bits decoded from its
  /// TCP header (0 for other protocols and for TCP headers cut by the snaplen): kSyn for a SYN
  /// (plus kPureAck for a SYN-ACK, as the generator marks them), kFin for FIN or RST, kData
  /// for a segment with payload, kPureAck for any other segment (no payload). Off by
  /// default: captures then leave `tcp` 0, as PcapWriter expects when it rewrites them.
  bool tcp_marks = false;
  /// Frames longer than this on the wire (bytes) are counted as oversized and kept (TSO/GRO
  /// super-frames, jumbo frames).
  std::uint32_t oversize_bytes = 9216;
};

/// Counters of one reader. Identity (once the reader returned false):
/// records == packets + sum(skipped). While reading in Reorder::kSort mode, the packets still
/// held in the sort window make up the difference.
struct PcapReaderCounters {
  std::uint64_t records = 0;     ///< records read from the file (packet blocks, for pcapng)
  std::uint64_t packets = 0;     ///< packets emitted
  std::uint64_t wire_bytes = 0;  ///< sum of the wire length `len` over emitted packets, bytes
  /// Records skipped, indexed by SkipReason (index 0, kNone, stays 0).
  std::array<std::uint64_t, kSkipReasonCount> skipped{};
  std::uint64_t ipv4 = 0;             ///< emitted IPv4 packets
  std::uint64_t ipv6 = 0;             ///< emitted IPv6 packets
  std::uint64_t first_fragments = 0;  ///< emitted fragments at offset 0 (more fragments follow)
  std::uint64_t later_fragments = 0;  ///< emitted fragments at a non-zero offset (no ports)
  /// Records whose ports lay beyond the captured bytes or the IP length: emitted with ports 0
  /// under TruncatedL4Policy::kEmitPortsZero, else also counted in skipped.
  std::uint64_t truncated_l4 = 0;
  std::uint64_t short_records = 0;     ///< records with caplen < len (cut by the snaplen)
  std::uint32_t min_caplen = 0;        ///< smallest caplen over all records, bytes (0: none)
  std::uint32_t max_caplen = 0;        ///< largest caplen over all records, bytes
  std::uint64_t caplen_bytes = 0;      ///< sum of caplen over all records, bytes
  std::uint64_t oversized = 0;         ///< emitted packets longer than oversize_bytes
  std::uint64_t clamped = 0;           ///< Reorder::kClamp: timestamps raised to the previous one
  std::uint64_t reordered = 0;         ///< Reorder::kSort: packets older than one read before them
  std::uint64_t gaps_shortened = 0;    ///< gaps cut down to max_gap
  core::TraceTime gap_time_removed{};  ///< total time removed by shortening gaps, ns

  std::uint64_t skipped_total() const;
  /// Every counter as (snake_case name, value), in a fixed order whatever the values: records,
  /// packets, wire_bytes, skipped_<reason> for each SkipReason in enum order (see
  /// skip_reason_name), skipped_total, ipv4, ipv6, first_fragments, later_fragments,
  /// truncated_l4, short_records, oversized, clamped, reordered, gaps_shortened.
  std::vector<std::pair<std::string, std::uint64_t>> named() const;
  std::uint64_t skipped_by(SkipReason reason) const {
    return skipped[static_cast<std::size_t>(reason)];
  }
};

/// Reads a capture and emits one core::Packet (kind kRegular) per IPv4/IPv6 record:
/// - pcap (us or ns) and pcapng through libpcap, always with nanosecond timestamps;
/// - gzip input recognised by its magic bytes and decompressed on a separate thread; "-" reads
///   standard input (plain or gzip);
/// - link types RAW (101, DLT 12/14), IPV4 (228), IPV6 (229), EN10MB (1) with 802.1Q/QinQ,
///   MPLS and PPPoE, LINUX_SLL (113), LINUX_SLL2 (276), NULL (0) and LOOP (108);
/// - wire_bytes is always the pcap `len`, never the captured length;
/// - arrival is the trace time since the first emitted packet, in ps (the first packet arrives
///   at 0); timestamp order is enforced over emitted packets, as set by Reorder.
/// Frames that are not IP or whose headers are malformed or cut short are skipped and counted
/// by SkipReason; fragments and records cut inside L4 are emitted with ports 0 and counted.
/// File defects (empty, unknown magic, truncated header or record, caplen over snaplen, caplen
/// over len, len 0 or over 262144, a timestamp fraction of 10^6 us or 10^9 ns or more) throw
/// core::TraceError naming the file, the 1-based record number and what was expected. Not thread-safe; next() is allocation-free once warm.
class PcapReader final : public core::PacketSource {
 public:
  /// Opens `path` ("-": standard input).
  /// @throws core::TraceError naming the file if it cannot be read, is not a capture, or has
  /// an unsupported link type.
  explicit PcapReader(const std::string& path, const PcapReaderOptions& options = {});
  /// Reads an open descriptor (pipe, socket or file) from its current position. The
  /// descriptor is duplicated, not taken; `name` names the input in messages and describe().
  /// @throws core::TraceError as above.
  PcapReader(int fd, const std::string& name, const PcapReaderOptions& options = {});
  ~PcapReader() override;
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  /// @throws core::TraceError on a file defect, a timestamp out of order (Reorder::kError), a
  /// sort window too small, or a trace longer than the simulation time range. Errors are
  /// sticky: every later call throws the same error again.
  bool next(core::Packet& out) override;
  /// Like next() but reports the packet's absolute trace timestamp (after reordering,
  /// clamping and gap shortening) instead of setting out.arrival, and so accepts traces of any
  /// duration. For statistics over dirty captures.
  /// @throws core::TraceError as next(), except for the time range.
  bool next_timestamped(core::Packet& out, core::TraceTime& timestamp);
  /// "pcap:<path>".
  std::string describe() const override;
  /// Input bytes consumed / input size (compressed bytes for gzip); nullopt for pipes.
  std::optional<double> progress() const override;

  /// The counters as PcapReaderCounters::named() lists them, for the run summary.
  std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const override;
  const PcapReaderCounters& counters() const { return counters_; }
  const PcapReaderOptions& options() const { return options_; }
  const std::string& path() const { return path_; }
  /// The LINKTYPE_ number as stored in files (101 for raw IP, whatever the DLT).
  int link_type() const;
  /// libpcap's name for the link type: "EN10MB", "RAW", "LINUX_SLL2", ...
  std::string link_type_name() const;
  CaptureFormat format() const { return format_; }
  bool gzip() const;
  /// Snapshot length (bytes): the file header's for pcap (0 there means no limit), libpcap's
  /// for pcapng (the first interface's).
  std::uint32_t snaplen() const { return snaplen_; }
  /// True for pcap files with nanosecond timestamps (magic a1b23c4d).
  bool nanosecond_file() const;
  /// Absolute trace time of the first emitted packet (arrival 0), once there is one.
  std::optional<core::TraceTime> first_timestamp() const;
  /// Absolute trace time of the last emitted packet (gap shortening applied).
  std::optional<core::TraceTime> last_timestamp() const;

 private:
  struct Pending {
    std::int64_t ts;
    std::uint64_t record;
    core::Packet packet;
  };

  void open(std::unique_ptr<CaptureStream> stream);
  bool read_record(core::Packet& out, std::int64_t& ts, std::uint64_t& record);
  bool read_ordered(core::Packet& out, std::int64_t& ts, std::uint64_t& record);
  bool read_sorted(core::Packet& out, std::int64_t& ts, std::uint64_t& record);
  bool pull(core::Packet& out, std::int64_t& ts, std::uint64_t& record);
  bool pull_checked(core::Packet& out, std::int64_t& ts, std::uint64_t& record);
  [[noreturn]] void throw_read_error();
  void check_end();
  core::TraceError record_error(std::uint64_t record, const std::string& what) const;
  [[noreturn]] void throw_record_error(std::uint64_t record, const std::string& what) const;
  /// For a record whose wire length is 0 or absurd, or below its captured length.
  [[noreturn]] void throw_length_error(std::uint64_t record, std::uint32_t caplen,
                                       std::uint32_t len) const;

  std::string path_;
  std::string name_;  // for messages: the path, or "standard input"
  PcapReaderOptions options_;
  DecodeOptions decode_options_;
  struct PcapCloser {
    void operator()(pcap* handle) const;
  };

  std::unique_ptr<CaptureStream> stream_;
  const PcapFraming* framing_ = nullptr;
  std::unique_ptr<pcap, PcapCloser> pcap_;  // destroyed before stream_, which its FILE reads
  int dlt_ = -1;
  LinkKind kind_ = LinkKind::kRaw;
  CaptureFormat format_ = CaptureFormat::kUnknown;
  std::uint32_t snaplen_ = 0;
  PcapReaderCounters counters_;
  bool end_ = false;
  std::string failure_;  // the first error thrown; every later call throws it again
  // Order (before gap shortening): last timestamp and record passed through the order stage.
  bool have_previous_ = false;
  std::int64_t previous_ts_ = 0;
  std::uint64_t previous_record_ = 0;
  // Reorder::kSort
  std::vector<Pending> heap_;
  std::int64_t newest_ts_ = std::numeric_limits<std::int64_t>::min();
  // Output: origin (first emitted, absolute ns), gap shift, last emitted.
  bool started_ = false;
  std::int64_t origin_ts_ = 0;
  std::uint64_t origin_record_ = 0;
  std::int64_t shift_ = 0;
  std::int64_t last_raw_ts_ = 0;
  std::uint64_t last_record_ = 0;
  std::int64_t previous_raw_ts_ = 0;  // the emitted packet before the last, for messages
  std::uint64_t previous_emitted_record_ = 0;
  std::int64_t last_out_ts_ = 0;
};

/// Opens a capture as a packet source (a PcapReader).
/// @throws core::TraceError as PcapReader's constructor.
std::unique_ptr<core::PacketSource> open_trace(const std::string& path,
                                               const PcapReaderOptions& options = {});

}  // namespace rlisim::traces
