#include "traces/pcap/frame_decoder.hpp"

#include <cstring>

namespace rlisim::traces {
namespace {

constexpr int kMaxTags = 8;
constexpr int kMaxExtensionHeaders = 16;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint16_t kEtherQinQOld1 = 0x9100;
constexpr std::uint16_t kEtherQinQOld2 = 0x9200;
constexpr std::uint16_t kEtherMplsUnicast = 0x8847;
constexpr std::uint16_t kEtherMplsMulticast = 0x8848;
constexpr std::uint16_t kEtherPppoeSession = 0x8864;
constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint16_t kPppIpv6 = 0x0057;

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

inline bool has_ports(std::uint8_t protocol) {
  // TCP, UDP, DCCP, SCTP and UDP-Lite all start with 16-bit source and destination ports.
  return protocol == 6 || protocol == 17 || protocol == 33 || protocol == 132 || protocol == 136;
}

// Reads the ports at `offset` when both the capture and the IP datagram hold them.
inline SkipReason read_ports(const std::uint8_t* ip, std::uint32_t offset, std::uint32_t cap,
                             std::uint32_t datagram_end, const DecodeOptions& options,
                             core::FlowKey& key, std::uint8_t& flags) {
  if (offset + 4 <= cap && offset + 4 <= datagram_end) {
    key.src_port = be16(ip + offset);
    key.dst_port = be16(ip + offset + 2);
    if (options.tcp_flags && key.protocol == 6 && offset + 14 <= cap &&
        offset + 14 <= datagram_end) {
      const std::uint8_t tcp = ip[offset + 13];
      const std::uint32_t header = (ip[offset + 12] >> 4) * 4u;
      flags |= DecodeFlags::kTcpHeader;
      if ((tcp & 0x02) != 0)
        flags |= DecodeFlags::kTcpSyn;
      if ((tcp & 0x10) != 0)
        flags |= DecodeFlags::kTcpAck;
      if ((tcp & 0x05) != 0)
        flags |= DecodeFlags::kTcpFinRst;
      if (datagram_end > offset + header)
        flags |= DecodeFlags::kTcpPayload;
    }
    return SkipReason::kNone;
  }
  flags |= DecodeFlags::kTruncatedL4;
  return options.truncated_l4 == TruncatedL4Policy::kSkip ? SkipReason::kTruncatedL4
                                                          : SkipReason::kNone;
}

// `ip` points at the IPv4 header; `cap` bytes are captured and `wire` bytes were on the wire
// from there on.
SkipReason decode_ipv4(const std::uint8_t* ip, std::uint32_t cap, std::uint32_t wire,
                       const DecodeOptions& options, core::FlowKey& key, std::uint8_t& flags) {
  if (cap < 1)
    return SkipReason::kTruncatedL3;
  if ((ip[0] >> 4) != 4)
    return SkipReason::kBadIpVersion;
  if (cap < 20)
    return SkipReason::kTruncatedL3;
  const std::uint32_t header_len = (ip[0] & 0x0fu) * 4u;
  if (header_len < 20)
    return SkipReason::kBadIpHeaderLength;
  const std::uint32_t total = be16(ip + 2);
  std::uint32_t datagram_end = total;
  if (total < header_len) {
    // Segmentation-offload super-frames above 64 KiB carry total length 0; the frame length
    // is then the only size there is.
    if (total != 0 || wire <= 0xffff)
      return SkipReason::kBadIpTotalLength;
    datagram_end = wire;
  } else if (total > wire) {
    return SkipReason::kBadIpTotalLength;
  }
  key.ip_version = 4;
  std::memcpy(key.src.data(), ip + 12, 4);
  std::memcpy(key.dst.data(), ip + 16, 4);
  key.protocol = ip[9];
  bool want_ports = has_ports(key.protocol);
  const std::uint16_t fragment = be16(ip + 6);
  if ((fragment & 0x1fffu) != 0) {
    flags |= DecodeFlags::kLaterFragment;
    want_ports = false;
  } else if ((fragment & 0x2000u) != 0) {
    flags |= DecodeFlags::kFirstFragment;
    want_ports = want_ports && options.first_fragment_ports;
  }
  if (!want_ports)
    return SkipReason::kNone;
  return read_ports(ip, header_len, cap, datagram_end, options, key, flags);
}

SkipReason decode_ipv6(const std::uint8_t* ip, std::uint32_t cap, std::uint32_t wire,
                       const DecodeOptions& options, core::FlowKey& key, std::uint8_t& flags) {
  if (cap < 1)
    return SkipReason::kTruncatedL3;
  if ((ip[0] >> 4) != 6)
    return SkipReason::kBadIpVersion;
  if (cap < 40)
    return SkipReason::kTruncatedL3;
  const std::uint32_t payload = be16(ip + 4);
  // Payload length 0 means a jumbogram (hop-by-hop option) or an offload super-frame.
  if (payload != 0 && 40 + payload > wire)
    return SkipReason::kBadIpTotalLength;
  const std::uint32_t datagram_end = payload == 0 ? wire : 40 + payload;
  key.ip_version = 6;
  std::memcpy(key.src.data(), ip + 8, 16);
  std::memcpy(key.dst.data(), ip + 24, 16);

  std::uint8_t next = ip[6];
  std::uint32_t offset = 40;
  bool later_fragment = false;
  bool first_fragment = false;
  for (int count = 0;; ++count) {
    if (next != 0 && next != 43 && next != 44 && next != 51 && next != 60)
      break;
    if (count == kMaxExtensionHeaders)
      return SkipReason::kTooManyHeaders;
    // Every extension header is at least 8 bytes; past the capture the upper layer is unknown,
    // so the extension header's own number stands in as the protocol.
    if (offset + 8 > cap || offset + 8 > datagram_end) {
      key.protocol = next;
      flags |= DecodeFlags::kTruncatedL4;
      return options.truncated_l4 == TruncatedL4Policy::kSkip ? SkipReason::kTruncatedL4
                                                              : SkipReason::kNone;
    }
    const std::uint8_t* h = ip + offset;
    std::uint32_t length = 0;
    if (next == 44) {
      const std::uint16_t fragment = be16(h + 2);
      if ((fragment >> 3) != 0) {
        later_fragment = true;
      } else if ((fragment & 1u) != 0) {
        first_fragment = true;
      }
      length = 8;
    } else if (next == 51) {
      length = (static_cast<std::uint32_t>(h[1]) + 2) * 4;  // AH counts 32-bit words
    } else {
      length = (static_cast<std::uint32_t>(h[1]) + 1) * 8;
    }
    next = h[0];
    offset += length;
  }
  key.protocol = next;
  bool want_ports = has_ports(next);
  if (later_fragment) {
    flags |= DecodeFlags::kLaterFragment;
    want_ports = false;
  } else if (first_fragment) {
    flags |= DecodeFlags::kFirstFragment;
    want_ports = want_ports && options.first_fragment_ports;
  }
  if (!want_ports)
    return SkipReason::kNone;
  return read_ports(ip, offset, cap, datagram_end, options, key, flags);
}

// Dispatches on the IP version nibble (raw IP, MPLS payloads).
SkipReason decode_ip_any(const std::uint8_t* ip, std::uint32_t cap, std::uint32_t wire,
                         const DecodeOptions& options, core::FlowKey& key, std::uint8_t& flags,
                         SkipReason otherwise) {
  if (cap < 1)
    return SkipReason::kTruncatedL3;
  switch (ip[0] >> 4) {
    case 4:
      return decode_ipv4(ip, cap, wire, options, key, flags);
    case 6:
      return decode_ipv6(ip, cap, wire, options, key, flags);
    default:
      return otherwise;
  }
}

// Decodes from an ethertype at byte `offset` onward: VLAN/QinQ tags, MPLS, PPPoE, IP.
SkipReason decode_ethertype(std::uint16_t type, const std::uint8_t* frame, std::uint32_t offset,
                            std::uint32_t cap, std::uint32_t wire, const DecodeOptions& options,
                            core::FlowKey& key, std::uint8_t& flags) {
  for (int tags = 0;
       type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld1 || type == kEtherQinQOld2;
       ++tags) {
    if (tags == kMaxTags)
      return SkipReason::kTooManyHeaders;
    if (offset + 4 > cap)
      return SkipReason::kTruncatedL2;
    type = be16(frame + offset + 2);
    offset += 4;
  }
  switch (type) {
    case kEtherIpv4:
      return decode_ipv4(frame + offset, cap - offset, wire - offset, options, key, flags);
    case kEtherIpv6:
      return decode_ipv6(frame + offset, cap - offset, wire - offset, options, key, flags);
    case kEtherMplsUnicast:
    case kEtherMplsMulticast:
      for (int labels = 0;; ++labels) {
        if (labels == kMaxTags)
          return SkipReason::kTooManyHeaders;
        if (offset + 4 > cap)
          return SkipReason::kTruncatedL2;
        const bool bottom = (frame[offset + 2] & 1u) != 0;
        offset += 4;
        if (bottom)
          break;
      }
      // MPLS has no payload type; IP is recognised by its version nibble, anything else
      // (pseudowires) is not IP.
      return decode_ip_any(frame + offset, cap - offset, wire - offset, options, key, flags,
                           SkipReason::kNonIp);
    case kEtherPppoeSession: {
      if (offset + 8 > cap)
        return SkipReason::kTruncatedL2;
      const std::uint16_t ppp = be16(frame + offset + 6);
      offset += 8;
      if (ppp == kPppIpv4) {
        return decode_ipv4(frame + offset, cap - offset, wire - offset, options, key, flags);
      }
      if (ppp == kPppIpv6) {
        return decode_ipv6(frame + offset, cap - offset, wire - offset, options, key, flags);
      }
      return SkipReason::kNonIp;
    }
    default:
      return SkipReason::kNonIp;
  }
}

}  // namespace

std::optional<LinkKind> link_kind_from_dlt(int dlt) {
  switch (dlt) {
    case 12:   // DLT_RAW on most systems
    case 14:   // DLT_RAW on OpenBSD and BSD/OS
    case 101:  // LINKTYPE_RAW, should libpcap ever pass it through unmapped
      return LinkKind::kRaw;
    case 228:
      return LinkKind::kIpv4;
    case 229:
      return LinkKind::kIpv6;
    case 1:
      return LinkKind::kEthernet;
    case 113:
      return LinkKind::kLinuxSll;
    case 276:
      return LinkKind::kLinuxSll2;
    case 0:
      return LinkKind::kNull;
    case 108:
      return LinkKind::kLoop;
    default:
      return std::nullopt;
  }
}

std::string_view skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::kNone:
      return "none";
    case SkipReason::kNonIp:
      return "non_ip";
    case SkipReason::kTruncatedL2:
      return "truncated_l2";
    case SkipReason::kTruncatedL3:
      return "truncated_l3";
    case SkipReason::kBadIpVersion:
      return "bad_ip_version";
    case SkipReason::kBadIpHeaderLength:
      return "bad_ip_header_length";
    case SkipReason::kBadIpTotalLength:
      return "bad_ip_total_length";
    case SkipReason::kTooManyHeaders:
      return "too_many_headers";
    case SkipReason::kTruncatedL4:
      return "truncated_l4";
  }
  return "unknown";
}

SkipReason decode_frame(LinkKind kind, const std::uint8_t* data, std::uint32_t caplen,
                        std::uint32_t wire_len, const DecodeOptions& options, core::FlowKey& key,
                        std::uint8_t& flags) {
  key = core::FlowKey{};
  flags = 0;
  // The reader guarantees caplen <= wire_len; keep the arithmetic below safe regardless.
  const std::uint32_t wire = wire_len < caplen ? caplen : wire_len;
  switch (kind) {
    case LinkKind::kRaw:
      return decode_ip_any(data, caplen, wire, options, key, flags, SkipReason::kBadIpVersion);
    case LinkKind::kIpv4:
      return decode_ipv4(data, caplen, wire, options, key, flags);
    case LinkKind::kIpv6:
      return decode_ipv6(data, caplen, wire, options, key, flags);
    case LinkKind::kEthernet:
      if (caplen < 14)
        return SkipReason::kTruncatedL2;
      return decode_ethertype(be16(data + 12), data, 14, caplen, wire, options, key, flags);
    case LinkKind::kLinuxSll:
      if (caplen < 16)
        return SkipReason::kTruncatedL2;
      return decode_ethertype(be16(data + 14), data, 16, caplen, wire, options, key, flags);
    case LinkKind::kLinuxSll2:
      if (caplen < 20)
        return SkipReason::kTruncatedL2;
      return decode_ethertype(be16(data), data, 20, caplen, wire, options, key, flags);
    case LinkKind::kNull:
    case LinkKind::kLoop: {
      if (caplen < 4)
        return SkipReason::kTruncatedL2;
      // The family is in the capturing host's byte order (NULL) or big-endian (LOOP), and
      // writers get this wrong; families are small numbers, so the order is unambiguous.
      std::uint32_t family = le32(data);
      if ((family & 0xffff0000u) != 0)
        family = __builtin_bswap32(family);
      if (family == 2)
        return decode_ipv4(data + 4, caplen - 4, wire - 4, options, key, flags);
      // AF_INET6 is 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
      if (family == 10 || family == 24 || family == 28 || family == 30) {
        return decode_ipv6(data + 4, caplen - 4, wire - 4, options, key, flags);
      }
      return SkipReason::kNonIp;
    }
  }
  return SkipReason::kNonIp;
}

}  // namespace rlisim::traces
