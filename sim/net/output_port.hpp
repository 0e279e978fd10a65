#pragma once
// A FIFO output port with a drop-tail buffer, computed exactly by the Lindley recursion.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace rlisim::net {

/// How a byte-limited buffer measures its occupancy (anchors.md §3). The two differ exactly at
/// the edge of a full buffer.
enum class ByteOccupancy : std::uint8_t {
  /// Sum of the sizes of all packets not yet fully transmitted (including the one in service).
  kInSystem,
  /// Unfinished work in bytes: max(0, dep_prev - arrival) * rate / 8, rounded up.
  kUnfinishedWork,
};

/// Drop-tail limits. An absent limit is infinite. With both set, a packet must fit both.
struct BufferLimit {
  std::optional<std::uint64_t> packets;
  std::optional<std::uint64_t> bytes;
  /// Whether the packet in transmission counts toward `packets` (and, for kInSystem, `bytes`).
  bool count_in_service = true;
  ByteOccupancy byte_occupancy = ByteOccupancy::kInSystem;
};

struct OutputPortConfig {
  std::string name = "egress0";
  core::BitsPerSecond rate{10'000'000'000ULL};
  BufferLimit buffer;
  /// Added after the end of transmission, before the egress tap.
  core::Time propagation{};
};

enum class DropReason : std::uint8_t { kNone = 0, kBufferPackets = 1, kBufferBytes = 2 };

/// The outcome of offering one packet to a port.
struct PortVerdict {
  bool accepted = false;
  DropReason reason = DropReason::kNone;
  /// Start and end of transmission (valid only when accepted).
  core::Time service_start{};
  core::Time departure{};
};

/// Counters with the accounting identities (tested):
///   offered = accepted + dropped;  dropped = sum of drops by reason;
///   accepted = departed(t) + in_system(t) at any time t.
struct PortCounters {
  std::uint64_t offered_packets = 0;
  std::uint64_t offered_bytes = 0;
  std::uint64_t accepted_packets = 0;
  std::uint64_t accepted_bytes = 0;
  std::uint64_t dropped_packets = 0;
  std::uint64_t dropped_bytes = 0;
  std::uint64_t drops_buffer_packets = 0;
  std::uint64_t drops_buffer_bytes = 0;
  /// Total transmission time of accepted packets.
  core::Time busy_time{};
  /// Largest occupancy seen by an arriving packet, after admitting it.
  std::uint64_t max_occupancy_packets = 0;
  std::uint64_t max_occupancy_bytes = 0;
  core::Time first_arrival{};
  core::Time last_departure{};
};

/// FIFO, work-conserving, one server at the link rate. O(1) amortised per packet, no events:
///   dep_i = max(arr_i, dep_prev) + ser(L_i)  for accepted packets in arrival order.
/// Occupancy is tracked with a ring of (departure, size) of the packets still in the system;
/// a departure at the same instant as an arrival happens first and frees its space.
/// Dropped packets leave dep_prev unchanged.
class OutputPort {
 public:
  /// @throws std::invalid_argument if the rate is zero or a limit is zero.
  explicit OutputPort(OutputPortConfig config);

  /// Offers a packet arriving at `arrival` (non-decreasing across calls) of `bytes` bytes.
  PortVerdict offer(core::Time arrival, std::uint32_t bytes);

  const OutputPortConfig& config() const { return config_; }
  const PortCounters& counters() const { return counters_; }
  /// Packets accepted but not yet departed at the time of the last arrival offered.
  std::uint64_t in_system_packets() const { return ring_.size(); }
  /// Departure time of the last accepted packet (the time the port goes idle).
  core::Time busy_until() const { return dep_prev_; }

 private:
  struct InSystem {
    core::Time departure;
    core::Time service_start;
    std::uint32_t bytes;
  };
  void release_departed(core::Time now);

  OutputPortConfig config_;
  PortCounters counters_;
  core::Time dep_prev_{};
  bool any_accepted_ = false;
  // Ring of packets in the system in FIFO order; amortised O(1) push/pop without allocation
  // once it has grown to the largest backlog.
  std::vector<InSystem> ring_storage_;
  std::size_t ring_head_ = 0;
  struct Ring {
    std::size_t count = 0;
    std::size_t size() const { return count; }
  } ring_;
  std::uint64_t bytes_in_system_ = 0;
};

}  // namespace rlisim::net
