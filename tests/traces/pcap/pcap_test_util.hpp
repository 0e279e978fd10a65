#pragma once
// Test helpers: frame builders, pcap/pcapng/gzip writers, a temporary folder and stdin plumbing.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces::test {

using Bytes = std::vector<std::uint8_t>;

/// Appends `from` to `to`.
void append(Bytes& to, const Bytes& from);

/// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// IPv4 datagram with a transport header (TCP 20 B, UDP/UDP-Lite 8 B, SCTP 12 B, DCCP 16 B,
/// ICMP 8 B, other 0 B) and `payload` zero bytes; total length is set unless overridden.
struct Ipv4Spec {
  std::array<std::uint8_t, 4> src{10, 0, 0, 1};
  std::array<std::uint8_t, 4> dst{10, 0, 0, 2};
  std::uint8_t protocol = 6;
  std::uint16_t src_port = 1234;
  std::uint16_t dst_port = 80;
  std::uint32_t payload = 0;
  std::uint8_t header_words = 5;     ///< IHL; options are zero bytes
  std::uint16_t fragment_field = 0;  ///< flags (0x2000 = MF) | offset in 8-byte units
  std::optional<std::uint16_t> total_length{};
  std::uint8_t version = 4;
};
Bytes ipv4(const Ipv4Spec& spec = {});

/// IPv6 packet with the listed extension headers (0 hop-by-hop, 43 routing (24 B), 44 fragment,
/// 51 AH (16 B), 60 destination options (8 B)) before the transport header.
struct Ipv6Spec {
  std::array<std::uint8_t, 16> src{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::array<std::uint8_t, 16> dst{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  std::vector<std::uint8_t> extensions{};
  std::uint8_t protocol = 17;
  std::uint16_t src_port = 5353;
  std::uint16_t dst_port = 53;
  std::uint32_t payload = 0;
  std::uint16_t fragment_offset = 0;  ///< in 8-byte units, for a 44 header
  bool more_fragments = false;
};
Bytes ipv6(const Ipv6Spec& spec = {});

/// Ethernet II frame; `tags` are the TPIDs of VLAN tags, outermost first (0x88a8, 0x8100, ...).
Bytes ethernet(std::uint16_t ethertype, const Bytes& payload,
               const std::vector<std::uint16_t>& tags = {});
Bytes linux_sll(std::uint16_t protocol, const Bytes& payload);
Bytes linux_sll2(std::uint16_t protocol, const Bytes& payload);
/// NULL/LOOP header: the 4-byte address family in big- or little-endian order.
Bytes null_header(std::uint32_t family, bool big_endian, const Bytes& payload);

/// The FlowKey the decoder should produce for these specs.
core::FlowKey key_of(const Ipv4Spec& spec, bool with_ports = true);
core::FlowKey key_of(const Ipv6Spec& spec, bool with_ports = true);

/// One record for write_pcap: caplen = min(frame size, snaplen); len = wire_len or frame size.
struct Record {
  std::int64_t ts_ns = 0;
  Bytes frame{};
  std::optional<std::uint32_t> wire_len{};
};
/// Writes a pcap with libpcap's own writer (pcap_dump), nanosecond or microsecond magic.
void write_pcap(const std::string& path, int dlt, const std::vector<Record>& records,
                std::uint32_t snaplen = 65535, bool nanosecond = true);

/// Byte-level classic pcap builder for defective files.
class PcapBytes {
 public:
  explicit PcapBytes(std::uint32_t snaplen = 65535, std::uint32_t linktype = 101,
                     bool big_endian = false, std::uint32_t magic = 0xa1b2c3d4,
                     std::uint16_t major = 2, std::uint16_t minor = 4);
  /// Appends a record header and `data` (whose size may differ from caplen, on purpose).
  PcapBytes& record(std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen, std::uint32_t len,
                    const Bytes& data);
  const Bytes& bytes() const { return bytes_; }

 private:
  void put32(std::uint32_t v);
  void put16(std::uint16_t v);
  bool big_endian_;
  Bytes bytes_;
};

/// A minimal pcapng: SHB, one IDB (optionally with if_tsresol = 9, nanoseconds) and one EPB per
/// packet. Timestamps are in the interface's units (microseconds by default).
struct NgPacket {
  std::uint64_t ts_units = 0;
  Bytes data{};
  std::optional<std::uint32_t> caplen{};  ///< default data size
  std::optional<std::uint32_t> len{};     ///< default data size
};
Bytes pcapng(std::uint16_t linktype, std::uint32_t snaplen, const std::vector<NgPacket>& packets,
             bool nanosecond_resolution = false);

void write_file(const std::string& path, const Bytes& bytes);
Bytes read_file(const std::string& path);
/// gzip-compresses with zlib (level 1 keeps big test inputs quick).
Bytes gzip(const Bytes& data, int level = 1);

/// Reads every packet.
std::vector<core::Packet> read_all(PcapReader& reader);
/// The core::TraceError message `fn` throws; fails the test (and returns "") if it throws none.
std::string trace_error_of(const std::function<void()>& fn);

/// Runs `fn` with file descriptor 0 reading a pipe that a thread fills with `bytes`; restores
/// the real standard input afterwards, even if `fn` throws.
void with_stdin(const Bytes& bytes, const std::function<void()>& fn);

/// Path of a committed sample capture.
std::string sample(const std::string& name);

}  // namespace rlisim::traces::test
