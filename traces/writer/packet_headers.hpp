#pragma once
// Synthesised IPv4/IPv6 + TCP/UDP headers for writing packets whose payload is not kept.

#include <cstddef>
#include <cstdint>

#include "sim/core/flow_key.hpp"

namespace rlisim::traces {

/// The largest header block build_headers() writes: IPv6 (40 B) + TCP (20 B).
inline constexpr std::size_t kMaxHeaderBytes = 60;

/// Bytes of IP + transport headers a packet of this key carries: IPv4 20 B / IPv6 40 B, plus
/// TCP 20 B (no options) or UDP 8 B; other protocols carry the IP header only. This is also
/// the smallest wire size the writer accepts for the key. Returns 0 if `ip_version` is neither
/// 4 nor 6.
std::size_t header_bytes(const core::FlowKey& key);

/// TCP header fields chosen by a caller that follows the connection (see PcapWriter).
struct TcpNumbers {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;  ///< FIN 0x01, SYN 0x02, PSH 0x08, ACK 0x10
};

/// The per-flow constant sequence (low 32 bits) and acknowledgement (high 32 bits) numbers of
/// the stateless numbering, derived from the key by hashing.
std::uint64_t tcp_number_seed(const core::FlowKey& key);

/// Writes the headers of a packet of `wire_bytes` bytes with key `key` into `out` (at least
/// header_bytes(key) bytes) and returns header_bytes(key).
/// - IPv4: version 4, IHL 5, total length = min(wire_bytes, 65535), identification `ip_id`,
///   DF set, TTL 64, correct header checksum.
/// - IPv6: payload length = min(wire_bytes - 40, 65535), hop limit 64.
/// - TCP: ports, a sequence / acknowledgement number derived from the key by hashing (constant
///   per flow: the writer is stateless, so numbers do not advance), data offset 5, flags ACK
///   (+ PSH when the segment carries payload), window 65535, checksum 0 (the payload is not
///   kept, as in CAIDA's truncated captures).
/// - UDP: ports, length = min(wire_bytes - IP header, 65535), checksum 0 (none, for IPv4).
/// @pre wire_bytes >= header_bytes(key) and header_bytes(key) > 0.
/// With `tcp` given, a TCP header takes its sequence, acknowledgement and flags from it.
std::size_t build_headers(const core::FlowKey& key, std::uint32_t wire_bytes, std::uint16_t ip_id,
                          std::uint8_t* out, const TcpNumbers* tcp = nullptr);

/// The RFC 791 header checksum of `length` bytes (ones' complement of the ones' complement
/// sum of 16-bit words). Over a header whose checksum field is filled in, it returns 0.
std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length);

}  // namespace rlisim::traces
