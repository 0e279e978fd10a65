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
  /// Sum of the sizes of all packets not yet fully transmitted (including the one in service
  /// unless `count_in_service` is false).
  kInSystem,
  /// Unfinished work in bytes: ceil(max(0, dep_prev - arrival) * rate / 8), i.e. the bytes the
  /// transmitter still has to send, counting the untransmitted part of the packet in service.
  /// `count_in_service` does not apply: the remaining work of the packet in service is part of
  /// the definition.
  kUnfinishedWork,
};

/// Drop-tail limits. An absent limit is infinite. With both set, a packet must fit both.
struct BufferLimit {
  /// At most this many packets in the port (see `count_in_service`). Must be >= 1 if set.
  std::optional<std::uint64_t> packets;
  /// At most this many bytes in the port, measured by `byte_occupancy`. Must be >= 1 if set.
  std::optional<std::uint64_t> bytes;
  /// The byte limit given as time: at most this much time of traffic at the port's rate,
  /// ceil(rate * time / 8) bytes (buffer_byte_limit()). It is converted when the port is built,
  /// so it follows the port's final rate (a utilization target may choose the rate after the
  /// configuration is read). Must be > 0 if set; may not be combined with `bytes`.
  std::optional<core::Time> time;
  /// Whether the packet in transmission counts toward `packets` (and, for kInSystem, `bytes`).
  /// true: K is the capacity of the whole port (queue + transmitter), so K = 1 means "no
  /// waiting room". false: K is the capacity of the waiting room only; a packet that finds the
  /// port idle goes straight to the transmitter, never occupies the buffer, and is always
  /// accepted, even if it is larger than a kInSystem `bytes` limit (a kUnfinishedWork byte
  /// limit still applies: an idle port admits a packet iff its size fits).
  bool count_in_service = true;
  ByteOccupancy byte_occupancy = ByteOccupancy::kInSystem;
};

/// Which event goes first when a packet arrives at the instant a transmission ends.
enum class TieOrder : std::uint8_t {
  /// The transmission ends first: the departing packet's space is free for the arrival.
  kDepartureFirst,
  /// The arrival goes first and still sees the departing packet in the transmitter, as in
  /// ns-3, where arrivals scheduled before the run precede a transmission-complete event at
  /// the same time.
  kArrivalFirst,
};

/// How a packet's serialisation time is rounded.
enum class SerializationRounding : std::uint8_t {
  /// ceil(8 * L * 1e12 / rate) picoseconds (core::serialization_time).
  kCeilPicoseconds,
  /// Whole nanoseconds as ns-3 rounds them (core::ns3_serialization_time).
  kNs3Nanoseconds,
};

struct OutputPortConfig {
  std::string name = "egress0";
  core::BitsPerSecond rate{10'000'000'000ULL};
  BufferLimit buffer;
  /// Added after the end of transmission, before the egress tap. Must be >= 0.
  core::Time propagation{};
  /// Keep the ring of packets in the system even when no limit needs it, so that
  /// in_system_packets() and the max_occupancy_* counters are available. Without any limit and
  /// without this flag the port keeps no per-packet state at all (bounded memory even when an
  /// infinite buffer is overloaded).
  bool track_occupancy = false;
  /// The two conventions that differ between rlisim's exact timing and ns-3's (the `[router]
  /// timing` key sets both). With arrivals and serialisation times in whole nanoseconds an
  /// arrival can coincide exactly with a departure, and when the buffer is full the order of
  /// the two decides whether the arrival is dropped.
  TieOrder tie_order = TieOrder::kDepartureFirst;
  SerializationRounding serialization_rounding = SerializationRounding::kCeilPicoseconds;
};

/// The byte limit `config` enforces: `buffer.bytes` if set, else ceil(rate * buffer.time / 8)
/// bytes at `config.rate` if `buffer.time` is set (saturating at UINT64_MAX), else nullopt.
/// @pre config.rate.value > 0 and buffer.time, if set, is positive.
std::optional<std::uint64_t> buffer_byte_limit(const OutputPortConfig& config);

enum class DropReason : std::uint8_t { kNone = 0, kBufferPackets = 1, kBufferBytes = 2 };

/// The outcome of offering one packet to a port.
struct PortVerdict {
  bool accepted = false;
  /// When a packet violates both limits, the packet limit is reported.
  DropReason reason = DropReason::kNone;
  /// Start and end of transmission (valid only when accepted).
  core::Time service_start{};
  core::Time departure{};
};

/// Counters. Accounting identities (each backed by a test):
///   offered_packets  = accepted_packets + dropped_packets        (same for bytes);
///   dropped_packets  = drops_buffer_packets + drops_buffer_bytes;
///   accepted_packets = departed(t) + in_system(t), t = the last arrival offered
///                      (OutputPort::departed_packets() / in_system_packets());
///   busy_time        = sum of the serialisation times of the accepted packets.
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
  /// Largest occupancy seen by an arriving packet, after admitting it: packets and bytes in
  /// the port including the one in service (the kInSystem measure, whatever the configured
  /// convention). Only tracked when the port keeps its ring (tracks_occupancy()); 0 otherwise.
  std::uint64_t max_occupancy_packets = 0;
  std::uint64_t max_occupancy_bytes = 0;
  /// Largest time an accepted packet spent in the port (departure - arrival), always tracked.
  core::Time max_sojourn{};
  /// Arrival of the first offered packet and departure of the last accepted one.
  core::Time first_arrival{};
  core::Time last_departure{};
};

/// FIFO, work-conserving, one server at the link rate. O(1) amortised per packet, no events:
///   dep_i = max(arr_i, dep_prev) + ser(L_i)  for accepted packets in arrival order,
/// with ser(L) = ceil(8 * L * 1e12 / rate) ps (core::serialization_time), applied per packet,
/// or ns-3's whole nanoseconds (SerializationRounding::kNs3Nanoseconds).
/// Occupancy is tracked with a ring of (departure, size) of the packets still in the system;
/// a departure at the same instant as an arrival happens first and frees its space, unless
/// the tie order is TieOrder::kArrivalFirst.
/// Dropped packets leave dep_prev unchanged. The head of the ring (after releasing departures)
/// is always the packet in service: its predecessor has left and it has arrived.
/// The ring grows only to the largest backlog and is never reallocated after that; it is not
/// kept at all when no limit needs it and occupancy tracking is off.
class OutputPort {
 public:
  /// @throws std::invalid_argument if the rate is zero, a limit is zero, the buffer time is
  ///         not positive, both a byte and a time limit are set, or the propagation delay is
  ///         negative; the message names the port.
  explicit OutputPort(OutputPortConfig config);

  /// Offers a packet arriving at `arrival` (non-decreasing across calls) of `bytes` bytes.
  /// @throws std::invalid_argument if `arrival` is earlier than the previous arrival.
  PortVerdict offer(core::Time arrival, std::uint32_t bytes);

  const OutputPortConfig& config() const { return config_; }
  const PortCounters& counters() const { return counters_; }
  /// Whether the port keeps the ring of packets in the system (a limit needs it, or
  /// `track_occupancy` is set).
  bool tracks_occupancy() const { return ring_enabled_; }
  /// Packets accepted but not yet departed at the time of the last arrival offered.
  /// @throws std::logic_error if !tracks_occupancy().
  std::uint64_t in_system_packets() const;
  /// Bytes of those packets. @throws std::logic_error if !tracks_occupancy().
  std::uint64_t in_system_bytes() const;
  /// Accepted packets that had departed by the last arrival offered.
  /// @throws std::logic_error if !tracks_occupancy().
  std::uint64_t departed_packets() const;
  /// Departure time of the last accepted packet (the time the port goes idle).
  core::Time busy_until() const { return dep_prev_; }
  /// Serialisation time of `bytes` at this port's rate (same value core::serialization_time,
  /// or core::ns3_serialization_time, gives, from a precomputed fast path).
  core::Time serialization(std::uint32_t bytes) const;

 private:
  struct InSystem {
    std::int64_t departure_ps;
    std::uint32_t bytes;
  };
  void release_departed(std::int64_t now_ps);
  /// Why the buffer refuses `bytes` arriving at `now` ps (kNone: it takes them), after
  /// releasing the space of the packets that departed by then.
  DropReason admission(std::int64_t now, std::uint32_t bytes);
  core::Time rounded_serialization(std::uint64_t bytes) const;
  void ring_push(std::int64_t departure_ps, std::uint32_t bytes);
  void ring_grow();
  void require_tracking(const char* what) const;

  OutputPortConfig config_;
  PortCounters counters_;
  core::Time dep_prev_{};
  core::Time last_arrival_{};

  // Limits resolved from the config; UINT64_MAX when absent.
  std::uint64_t packet_limit_;
  std::uint64_t byte_limit_;
  bool count_in_service_;
  bool unfinished_work_bytes_;
  bool ring_enabled_;
  bool arrival_first_;

  // Serialisation: ps_per_byte_ > 0 when every size's time is an exact multiple of it (for
  // ceil rounding: the rate divides 8e12 (10G, 1G, 100G, ...); for ns-3 rounding: it also
  // divides 8e9); otherwise ser_table_ holds the rounded times for small sizes.
  std::int64_t ps_per_byte_ = 0;
  std::vector<std::int64_t> ser_table_;

  // Ring of packets in the system in FIFO order; capacity is a power of two.
  std::vector<InSystem> ring_;
  std::size_t ring_head_ = 0;
  std::size_t ring_count_ = 0;
  std::uint64_t bytes_in_system_ = 0;
};

}  // namespace rlisim::net
