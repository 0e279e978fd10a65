#pragma once
// The packet record that flows from sources through the router to the observers.

#include <cstdint>

#include "sim/core/flow_key.hpp"
#include "sim/core/time.hpp"

namespace rlisim::core {

/// What a packet is, for accounting. Cross traffic shares the queue but is reported apart.
enum class PacketKind : std::uint8_t { kRegular = 0, kCross = 1, kReference = 2 };

/// What a generated TCP packet is within its connection, for trace writers that synthesise
/// headers (PcapWriter numbers sequence and acknowledgement fields from it). Packets read from
/// captures, and generators that do not model connections, leave it 0: the writer then keeps
/// its stateless numbering. Bits 0-3 are flags, bits 4-6 hold, for a pure ACK, how many
/// segments it acknowledges (0-7), bit 7 says the connection sends nothing after this packet
/// (its FIN, or its last packet when it has none), so per-connection state can go.
namespace tcp_mark {
inline constexpr std::uint8_t kSyn = 1;      ///< opens the connection (SYN or SYN-ACK)
inline constexpr std::uint8_t kFin = 2;      ///< closes it
inline constexpr std::uint8_t kData = 4;     ///< a data segment: the sequence advances
inline constexpr std::uint8_t kPureAck = 8;  ///< no payload: the acknowledgement advances
inline constexpr std::uint8_t kLast = 0x80;  ///< the connection's last packet
inline constexpr std::uint8_t kAckedShift = 4;
inline constexpr std::uint32_t kMaxAcked = 7;
/// A pure ACK acknowledging `segments` (at most kMaxAcked) segments.
constexpr std::uint8_t pure_ack(std::uint32_t segments) {
  return static_cast<std::uint8_t>(kPureAck |
                                   ((segments > kMaxAcked ? kMaxAcked : segments) << kAckedShift));
}
constexpr std::uint32_t acked_segments(std::uint8_t mark) {
  return (mark >> kAckedShift) & kMaxAcked;
}
}  // namespace tcp_mark

/// One packet as the router sees it. A value type: packets are never heap-allocated one by one.
struct Packet {
  /// Ingress tap time, picoseconds since the start of the run.
  Time arrival{};
  FlowKey flow{};
  /// Size on the wire in bytes (the pcap `len`, never the captured length).
  std::uint32_t wire_bytes = 0;
  /// The source (ingress interface) that produced the packet; breaks ties at equal times.
  std::uint16_t source = 0;
  PacketKind kind = PacketKind::kRegular;
  /// tcp_mark flags (0: none); occupies what would otherwise be padding.
  std::uint8_t tcp = 0;
  /// Sequence number within the source, from 0; breaks ties after `source`.
  std::uint64_t seq = 0;
};

static_assert(sizeof(Packet) == 64, "Packet fits one cache line");

/// The deterministic order of packets in the router: (arrival, source, seq).
constexpr bool arrives_before(const Packet& a, const Packet& b) {
  if (a.arrival != b.arrival)
    return a.arrival < b.arrival;
  if (a.source != b.source)
    return a.source < b.source;
  return a.seq < b.seq;
}

}  // namespace rlisim::core
