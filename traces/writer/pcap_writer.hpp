#pragma once
// Writes packets as a CAIDA-style capture: classic pcap, LINKTYPE_RAW, nanosecond timestamps,
// headers only (truncated to a snaplen), optionally gzip-compressed.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"
#include "traces/writer/packet_headers.hpp"

namespace rlisim::traces {

/// Whether the output is gzip-compressed.
enum class Compression : std::uint8_t {
  kAuto,  ///< gzip iff the path ends in ".gz"
  kNone,
  kGzip,
};

/// Options of PcapWriter.
struct WriterOptions {
  /// Captured bytes per record: caplen = min(snaplen, wire bytes). CAIDA used 48-96 B; 64 B
  /// keeps IPv4 + TCP headers and 24 B of (zero) payload.
  std::uint32_t snaplen = 64;
  /// Absolute time of simulation time 0. Default 2009-01-01T00:00:00Z (Unix 1230768000 s), a
  /// fixed date so that files are byte-for-byte deterministic.
  core::TraceTime base_time{1'230'768'000'000'000'000};
  Compression compression = Compression::kAuto;
  /// zlib level 1-9 for gzip output.
  int gzip_level = 6;
};

/// A pcap file writer (libpcap's dumper over a FILE*).
///
/// Each record gets len = the packet's wire bytes (the IP packet size; never capped), caplen =
/// min(snaplen, len), and synthesised headers from the flow key (see build_headers(): valid
/// IPv4 header checksum, total length min(len, 65535), TTL 64, DF; TCP 20 B or UDP 8 B),
/// followed by zero payload bytes up to caplen. Timestamps are base_time + floor(arrival / 1 ns):
/// the file has nanosecond resolution (magic 0xa1b23c4d), so sub-nanosecond parts of
/// simulation times are lost when a trace is written and read back.
///
/// TCP numbering: packets that carry a core::tcp_mark (generated connections) are numbered
/// as a real connection: a SYN (a SYN-ACK when marked kSyn | kPureAck) takes one sequence
/// number, a data segment advances the sequence by its payload (wire bytes minus headers), a
/// pure ACK advances the acknowledgement by its acknowledged segments x 1460 B (the
/// handshake's ACK by the peer's SYN), a FIN takes one sequence number. Initial numbers come
/// from the key's hash. Per-connection state lives from the first marked packet to the FIN or
/// the packet marked kLast, so memory follows open connections. Unmarked
/// packets (captures, paced flows) keep the stateless numbering: one hash-derived sequence
/// and acknowledgement number per flow.
///
/// Packets smaller than their headers cannot be represented and are rejected, never padded:
/// padding would change the wire length the router queues on. The minimum wire size is
/// therefore 40 B for IPv4/TCP, 28 B for IPv4/UDP and 20 B for other IPv4 protocols (IPv6:
/// 60 / 48 / 40 B); the synthetic generators' configurations are validated against it.
///
/// Path "-" writes to standard output (through a duplicate of its descriptor, which is closed
/// at the end; standard output itself stays open). Not thread-safe.
class PcapWriter {
 public:
  /// Opens `path` for writing (truncating it).
  /// @throws core::ConfigError if snaplen is outside [20, 65535] or gzip_level outside [1, 9].
  /// @throws core::TraceError naming the path and the system error if it cannot be opened.
  explicit PcapWriter(std::string path, WriterOptions options = {});
  /// Closes the file if close() was not called; errors are then lost (call close() to see
  /// them).
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  /// Appends one record.
  /// @throws core::TraceError naming the path and the record index if the packet has a
  ///         negative arrival time, an IP version other than 4 or 6, or fewer wire bytes than
  ///         its headers; or if the writer is closed.
  void write(const core::Packet& packet);
  /// Flushes and closes the file.
  /// @throws core::TraceError naming the path on a write or close error.
  void close();

  /// Records written so far.
  std::uint64_t packets() const { return packets_; }
  /// Sum of the records' wire lengths (`len`), bytes.
  std::uint64_t wire_bytes() const { return wire_bytes_; }
  const std::string& path() const { return path_; }
  const WriterOptions& options() const { return options_; }

 private:
  struct Output;
  std::string path_;
  WriterOptions options_;
  std::unique_ptr<Output> out_;
  TcpNumbers number_tcp(const core::Packet& packet, std::size_t headers);

  std::vector<std::uint8_t> record_;
  std::uint64_t packets_ = 0;
  std::uint64_t wire_bytes_ = 0;
};

}  // namespace rlisim::traces
