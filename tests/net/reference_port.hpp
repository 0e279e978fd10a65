#pragma once
// A deliberately naive event-driven FIFO port, independent of OutputPort, used as a test oracle.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "sim/core/int128.hpp"
#include "sim/net/output_port.hpp"

namespace rlisim::net::testing {

/// A BufferLimit in one expression (designated initializers that skip members warn under
/// -Wextra).
inline BufferLimit make_limit(std::optional<std::uint64_t> packets,
                              std::optional<std::uint64_t> bytes, bool count_in_service = true,
                              ByteOccupancy occupancy = ByteOccupancy::kInSystem) {
  BufferLimit b;
  b.packets = packets;
  b.bytes = bytes;
  b.count_in_service = count_in_service;
  b.byte_occupancy = occupancy;
  return b;
}

/// What the reference decided for one packet, and the port state the packet saw.
struct ReferenceFate {
  bool accepted = false;
  DropReason reason = DropReason::kNone;
  std::int64_t start_ps = -1;
  std::int64_t departure_ps = -1;
  /// Packets / bytes in the port (queue + transmitter) just after the admission decision.
  std::uint64_t packets_after = 0;
  std::uint64_t bytes_after = 0;
  /// Accepted packets that had left before (or exactly at) this arrival.
  std::uint64_t departed_before = 0;
};

/// Simulates the port as a transmitter plus a waiting line, event by event: before each
/// arrival, every completion at or before the arrival time is processed (a departure at the
/// same instant as an arrival comes first), each completion starting the next waiting packet.
/// Occupancies are recounted from scratch at every arrival (O(queue) per packet).
class ReferencePort {
 public:
  ReferencePort(std::uint64_t rate_bps, BufferLimit limit) : rate_(rate_bps), limit_(limit) {}

  /// ceil(8 * bytes * 10^12 / rate) picoseconds.
  std::int64_t transmit_ps(std::uint32_t bytes) const {
    const core::UInt128 bits_ps = static_cast<core::UInt128>(bytes) * 8 * 1'000'000'000'000ULL;
    core::UInt128 q = bits_ps / rate_;
    if (q * rate_ != bits_ps)
      ++q;
    return static_cast<std::int64_t>(q);
  }

  ReferenceFate offer(std::int64_t arrival, std::uint32_t bytes) {
    advance_to(arrival);
    ReferenceFate fate;
    fate.departed_before = departed_;
    const bool busy = in_service_.has_value();
    std::uint64_t packets = waiting_.size() + (busy ? 1 : 0);
    std::uint64_t system_bytes = busy ? fates_[*in_service_].bytes : 0;
    std::int64_t work_ps = busy ? service_end_ - arrival : 0;
    for (const std::size_t w : waiting_) {
      system_bytes += fates_[w].bytes;
      work_ps += transmit_ps(fates_[w].bytes);
    }
    const bool skip_service = !limit_.count_in_service;
    // Without counting the transmitter, an arrival to an idle port never enters the buffer.
    const bool bypass = skip_service && !busy;
    const std::uint64_t counted_packets = packets - (skip_service && busy ? 1 : 0);
    const std::uint64_t counted_bytes =
        system_bytes - (skip_service && busy ? fates_[*in_service_].bytes : 0);
    // Unfinished work in bytes, rounded up: ceil(work * rate / (8 * 10^12)).
    const core::UInt128 work_bits = static_cast<core::UInt128>(work_ps) * rate_;
    const core::UInt128 per_byte = static_cast<core::UInt128>(8) * 1'000'000'000'000ULL;
    const auto work_bytes = static_cast<std::uint64_t>((work_bits + per_byte - 1) / per_byte);

    if (limit_.packets && !bypass && counted_packets + 1 > *limit_.packets) {
      fate.reason = DropReason::kBufferPackets;
    } else if (limit_.bytes && limit_.byte_occupancy == ByteOccupancy::kInSystem && !bypass &&
               counted_bytes + bytes > *limit_.bytes) {
      fate.reason = DropReason::kBufferBytes;
    } else if (limit_.bytes && limit_.byte_occupancy == ByteOccupancy::kUnfinishedWork &&
               work_bytes + bytes > *limit_.bytes) {
      fate.reason = DropReason::kBufferBytes;
    }
    fates_.push_back(Entry{bytes, fate});
    const std::size_t index = fates_.size() - 1;
    if (fate.reason == DropReason::kNone) {
      fates_[index].fate.accepted = true;
      ++packets;
      system_bytes += bytes;
      if (busy) {
        waiting_.push_back(index);
      } else {
        start(index, arrival);
      }
    }
    fates_[index].fate.packets_after = packets;
    fates_[index].fate.bytes_after = system_bytes;
    return fates_[index].fate;
  }

  /// Runs the port empty and returns every fate, with all departures filled in.
  std::vector<ReferenceFate> finish() {
    advance_to(INT64_MAX);
    std::vector<ReferenceFate> out;
    for (const Entry& e : fates_)
      out.push_back(e.fate);
    return out;
  }

 private:
  struct Entry {
    std::uint32_t bytes;
    ReferenceFate fate;
  };

  void start(std::size_t index, std::int64_t now) {
    in_service_ = index;
    fates_[index].fate.start_ps = now;
    service_end_ = now + transmit_ps(fates_[index].bytes);
    fates_[index].fate.departure_ps = service_end_;
  }

  void advance_to(std::int64_t t) {
    while (in_service_ && service_end_ <= t) {
      const std::int64_t now = service_end_;
      in_service_.reset();
      ++departed_;
      if (!waiting_.empty()) {
        const std::size_t next = waiting_.front();
        waiting_.pop_front();
        start(next, now);
      }
    }
  }

  std::uint64_t rate_;
  BufferLimit limit_;
  std::vector<Entry> fates_;
  std::deque<std::size_t> waiting_;
  std::optional<std::size_t> in_service_;
  std::int64_t service_end_ = 0;
  std::uint64_t departed_ = 0;
};

}  // namespace rlisim::net::testing
