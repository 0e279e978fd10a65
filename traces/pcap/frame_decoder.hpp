#pragma once
// Link-layer, IPv4/IPv6 and port decoding of one captured frame into a 5-tuple flow key.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/core/flow_key.hpp"

namespace rlisim::traces {

/// The link-layer encapsulations the decoder understands.
enum class LinkKind : std::uint8_t {
  kRaw,        ///< LINKTYPE_RAW 101 (DLT 12, or 14 on some BSDs): IPv4 or IPv6 by version nibble
  kIpv4,       ///< LINKTYPE_IPV4 228: IPv4 only
  kIpv6,       ///< LINKTYPE_IPV6 229: IPv6 only
  kEthernet,   ///< LINKTYPE_ETHERNET 1: Ethernet II with 802.1Q/802.1ad tags, MPLS, PPPoE
  kLinuxSll,   ///< LINKTYPE_LINUX_SLL 113: 16-byte Linux cooked header
  kLinuxSll2,  ///< LINKTYPE_LINUX_SLL2 276: 20-byte Linux cooked header v2
  kNull,       ///< LINKTYPE_NULL 0: 4-byte address family, byte order of the capturing host
  kLoop,       ///< LINKTYPE_LOOP 108: 4-byte address family, nominally big-endian
};

/// Maps a libpcap DLT value (as returned by pcap_datalink) to a decoder kind, or nullopt if the
/// encapsulation is not supported.
std::optional<LinkKind> link_kind_from_dlt(int dlt);

/// Why a frame yields no packet. kNone means the frame decoded into a flow key.
/// Every reason except kNone is counted and the frame skipped.
enum class SkipReason : std::uint8_t {
  kNone = 0,
  kNonIp,              ///< not IPv4/IPv6 (ARP, LLDP, unknown ethertype or address family)
  kTruncatedL2,        ///< the capture ends inside the link-layer header or a VLAN/MPLS tag
  kTruncatedL3,        ///< the capture ends before the IP addresses
  kBadIpVersion,       ///< the IP version nibble does not match the link type or ethertype
  kBadIpHeaderLength,  ///< IPv4 IHL below 5 (20 bytes)
  kBadIpTotalLength,   ///< IP length below the header, or longer than the frame on the wire
  kTooManyHeaders,     ///< more than 8 VLAN/MPLS tags or 16 IPv6 extension headers
  kTruncatedL4,        ///< ports unreachable; skipped only under TruncatedL4Policy::kSkip
};
inline constexpr std::size_t kSkipReasonCount = 9;

/// Stable lower-case name of a reason ("non_ip", "truncated_l3", ...), for reports.
std::string_view skip_reason_name(SkipReason reason);

/// Facts about a decoded packet that the reader counts but that do not stop it.
struct DecodeFlags {
  static constexpr std::uint8_t kFirstFragment = 1;  ///< IP fragment at offset 0 with more to come
  static constexpr std::uint8_t kLaterFragment = 2;  ///< IP fragment at a non-zero offset
  static constexpr std::uint8_t kTruncatedL4 = 4;    ///< ports were not in the captured bytes
  /// DecodeOptions::tcp_flags only, for TCP packets whose flags byte was captured:
  static constexpr std::uint8_t kTcpHeader = 8;     ///< the TCP flags were read
  static constexpr std::uint8_t kTcpSyn = 16;       ///< SYN set
  static constexpr std::uint8_t kTcpAck = 32;       ///< ACK set
  static constexpr std::uint8_t kTcpFinRst = 64;    ///< FIN or RST set
  static constexpr std::uint8_t kTcpPayload = 128;  ///< the segment carries payload (IP length
                                                    ///< beyond IP + TCP headers)
  /// The bits the reader counts (fragments, truncation).
  static constexpr std::uint8_t kCounted = kFirstFragment | kLaterFragment | kTruncatedL4;
};

/// What to do when the protocol has ports but the capture (or the IP length) ends before them.
enum class TruncatedL4Policy : std::uint8_t {
  kEmitPortsZero,  ///< emit with ports 0 (keeps the offered load exact); counted
  kSkip,           ///< skip as SkipReason::kTruncatedL4
};

/// Decoder settings (copied into the reader once; read-only per frame).
struct DecodeOptions {
  TruncatedL4Policy truncated_l4 = TruncatedL4Policy::kEmitPortsZero;
  /// If true, a first fragment (offset 0, more-fragments set) keeps its ports. By default all
  /// fragments of a datagram get ports 0, so that they share one flow key, as in routers that
  /// hash fragments on the 3-tuple to keep a datagram on one path.
  bool first_fragment_ports = false;
  /// If true, TCP packets also report their flags and whether they carry payload
  /// (DecodeFlags::kTcp*); off by default, so the common path does no extra work.
  bool tcp_flags = false;
};

/// Decodes one frame. `caplen` bytes are readable at `data`; `wire_len` is the pcap `len`.
/// On kNone, `key` holds the 5-tuple (ports 0 for protocols without ports, for fragments and
/// for truncated L4) and `flags` the DecodeFlags bits. Never reads past `caplen` bytes.
/// Supported upper layers with ports: TCP, UDP, SCTP, DCCP, UDP-Lite. IPv6 extension headers
/// hop-by-hop, routing, fragment, destination options and AH are skipped; ESP ends parsing.
/// Tunnels (IP-in-IP, GRE) are not entered: the outer header is the flow.
SkipReason decode_frame(LinkKind kind, const std::uint8_t* data, std::uint32_t caplen,
                        std::uint32_t wire_len, const DecodeOptions& options, core::FlowKey& key,
                        std::uint8_t& flags);

}  // namespace rlisim::traces
