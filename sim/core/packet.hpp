#pragma once
// The packet record that flows from sources through the router to the observers.

#include <cstdint>

#include "sim/core/flow_key.hpp"
#include "sim/core/time.hpp"

namespace rlisim::core {

/// What a packet is, for accounting. Cross traffic shares the queue but is reported apart.
enum class PacketKind : std::uint8_t { kRegular = 0, kCross = 1, kReference = 2 };

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
  /// Sequence number within the source, from 0; breaks ties after `source`.
  std::uint64_t seq = 0;
};

/// The deterministic order of packets in the router: (arrival, source, seq).
constexpr bool arrives_before(const Packet& a, const Packet& b) {
  if (a.arrival != b.arrival) return a.arrival < b.arrival;
  if (a.source != b.source) return a.source < b.source;
  return a.seq < b.seq;
}

}  // namespace rlisim::core
