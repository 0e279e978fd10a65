#include "sim/net/output_port.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "sim/core/int128.hpp"

namespace rlisim::net {
namespace {

constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kPsPerSecondTimesBits = 8'000'000'000'000ULL;  // 8 bit/B * 1e12 ps/s
// Sizes below this get a precomputed serialisation time when the rate does not divide
// 8e12 exactly; covers jumbo frames. 9217 * 8 B = 72 KiB per such port.
constexpr std::size_t kSerTableSize = 9217;
constexpr std::size_t kInitialRing = 64;

OutputPortConfig validated(OutputPortConfig config) {
  if (config.rate.value == 0) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': rate must be > 0 bit/s (got 0); set a link rate such as 10Gbps",
        config.name));
  }
  if (config.buffer.packets && *config.buffer.packets == 0) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': buffer packet limit must be >= 1 (got 0); leave it unset for an "
        "infinite buffer",
        config.name));
  }
  if (config.buffer.bytes && *config.buffer.bytes == 0) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': buffer byte limit must be >= 1 (got 0); leave it unset for an "
        "infinite buffer",
        config.name));
  }
  if (config.buffer.time && config.buffer.time->count() <= 0) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': buffer time must be > 0 (got {} ps); leave it unset for an infinite "
        "buffer",
        config.name, config.buffer.time->count()));
  }
  if (config.buffer.time && config.buffer.bytes) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': give the byte limit as bytes or as time, not both", config.name));
  }
  if (config.propagation.count() < 0) {
    throw std::invalid_argument(
        fmt::format("output port '{}': propagation delay must be >= 0 (got {} ps)", config.name,
                    config.propagation.count()));
  }
  return config;
}

}  // namespace

std::optional<std::uint64_t> buffer_byte_limit(const OutputPortConfig& config) {
  if (config.buffer.bytes)
    return config.buffer.bytes;
  if (!config.buffer.time)
    return std::nullopt;
  // ceil(rate [bit/s] * time [ps] / (8 bit/B * 1e12 ps/s)); the product fits 128 bits.
  const auto num = static_cast<core::UInt128>(config.rate.value) *
                   static_cast<core::UInt128>(config.buffer.time->count());
  const core::UInt128 bytes = (num + kPsPerSecondTimesBits - 1) / kPsPerSecondTimesBits;
  return bytes >= kNoLimit ? kNoLimit : static_cast<std::uint64_t>(bytes);
}

OutputPort::OutputPort(OutputPortConfig config)
    : config_(validated(std::move(config))),
      packet_limit_(config_.buffer.packets.value_or(kNoLimit)),
      byte_limit_(buffer_byte_limit(config_).value_or(kNoLimit)),
      count_in_service_(config_.buffer.count_in_service),
      unfinished_work_bytes_(config_.buffer.byte_occupancy == ByteOccupancy::kUnfinishedWork),
      ring_enabled_(config_.track_occupancy || config_.buffer.packets.has_value() ||
                    (buffer_byte_limit(config_).has_value() && !unfinished_work_bytes_)),
      arrival_first_(config_.tie_order == TieOrder::kArrivalFirst) {
  const std::uint64_t rate = config_.rate.value;
  const bool ns3_rounding =
      config_.serialization_rounding == SerializationRounding::kNs3Nanoseconds;
  // 8e9 bit-ns per second: a rate dividing it makes every byte a whole number of nanoseconds,
  // which ns-3 represents exactly.
  constexpr std::uint64_t kNsPerSecondTimesBits = 8'000'000'000ULL;
  if (ns3_rounding ? kNsPerSecondTimesBits % rate == 0 : kPsPerSecondTimesBits % rate == 0) {
    ps_per_byte_ = static_cast<std::int64_t>(kPsPerSecondTimesBits / rate);
  } else {
    ser_table_.resize(kSerTableSize);
    for (std::size_t i = 0; i < kSerTableSize; ++i)
      ser_table_[i] = rounded_serialization(i).count();
  }
  if (ring_enabled_) {
    const std::uint64_t first = std::min<std::uint64_t>(packet_limit_, kInitialRing);
    std::size_t cap = 1;
    while (cap < first)
      cap <<= 1;
    ring_.resize(cap);
  }
}

core::Time OutputPort::rounded_serialization(std::uint64_t bytes) const {
  if (config_.serialization_rounding == SerializationRounding::kNs3Nanoseconds)
    return core::ns3_serialization_time(core::Bytes{bytes}, config_.rate);
  return core::serialization_time(core::Bytes{bytes}, config_.rate);
}

core::Time OutputPort::serialization(std::uint32_t bytes) const {
  if (ps_per_byte_ > 0)
    return core::Time{ps_per_byte_ * static_cast<std::int64_t>(bytes)};
  if (bytes < ser_table_.size())
    return core::Time{ser_table_[bytes]};
  return rounded_serialization(bytes);
}

void OutputPort::ring_grow() {
  std::vector<InSystem> bigger(ring_.size() * 2);
  const std::size_t mask = ring_.size() - 1;
  for (std::size_t i = 0; i < ring_count_; ++i)
    bigger[i] = ring_[(ring_head_ + i) & mask];
  ring_ = std::move(bigger);
  ring_head_ = 0;
}

void OutputPort::ring_push(std::int64_t departure_ps, std::uint32_t bytes) {
  if (ring_count_ == ring_.size())
    ring_grow();
  ring_[(ring_head_ + ring_count_) & (ring_.size() - 1)] = InSystem{departure_ps, bytes};
  ++ring_count_;
  bytes_in_system_ += bytes;
}

void OutputPort::release_departed(std::int64_t now_ps) {
  // A departure at the same instant as the arrival frees its space first (kDepartureFirst),
  // or stays in the transmitter until after the arrival (kArrivalFirst).
  const std::size_t mask = ring_.size() - 1;
  while (ring_count_ > 0 && (ring_[ring_head_].departure_ps < now_ps ||
                             (!arrival_first_ && ring_[ring_head_].departure_ps == now_ps))) {
    bytes_in_system_ -= ring_[ring_head_].bytes;
    ring_head_ = (ring_head_ + 1) & mask;
    --ring_count_;
  }
}

DropReason OutputPort::admission(std::int64_t now, std::uint32_t bytes) {
  DropReason reason = DropReason::kNone;
  if (ring_enabled_) {
    release_departed(now);
    // After the release the head (if any) is the packet in service (see the class comment).
    // A packet that finds the port idle is always admitted when the in-service packet does not
    // count: it goes straight to the transmitter.
    const bool idle = ring_count_ == 0;
    const bool skip_head = !count_in_service_;
    if (!(skip_head && idle)) {
      const std::uint64_t queued = ring_count_ - (skip_head ? 1 : 0);
      if (queued >= packet_limit_) {
        reason = DropReason::kBufferPackets;
      } else if (!unfinished_work_bytes_ && byte_limit_ != kNoLimit) {
        const std::uint64_t queued_bytes =
            bytes_in_system_ - (skip_head ? ring_[ring_head_].bytes : 0);
        if (queued_bytes + bytes > byte_limit_)
          reason = DropReason::kBufferBytes;
      }
    }
  }
  if (unfinished_work_bytes_ && reason == DropReason::kNone) {
    // ceil(W * rate / 8e12) + L <= B  <=>  W * rate <= (B - L) * 8e12 for integer B - L >= 0,
    // which needs no division.
    const std::int64_t work_ps = std::max<std::int64_t>(0, dep_prev_.count() - now);
    if (bytes > byte_limit_ ||
        static_cast<core::UInt128>(work_ps) * config_.rate.value >
            static_cast<core::UInt128>(byte_limit_ - bytes) * kPsPerSecondTimesBits) {
      reason = DropReason::kBufferBytes;
    }
  }
  return reason;
}

PortVerdict OutputPort::offer(core::Time arrival, std::uint32_t bytes) {
  if (arrival < last_arrival_ && counters_.offered_packets > 0) {
    throw std::invalid_argument(fmt::format(
        "output port '{}': arrival {} ps is earlier than the previous arrival {} ps; packets "
        "must be offered in non-decreasing arrival order",
        config_.name, arrival.count(), last_arrival_.count()));
  }
  if (counters_.offered_packets == 0)
    counters_.first_arrival = arrival;
  last_arrival_ = arrival;
  ++counters_.offered_packets;
  counters_.offered_bytes += bytes;

  PortVerdict verdict;
  verdict.reason = admission(arrival.count(), bytes);
  if (verdict.reason != DropReason::kNone) {
    // Dropped packets leave dep_prev unchanged.
    ++counters_.dropped_packets;
    counters_.dropped_bytes += bytes;
    if (verdict.reason == DropReason::kBufferPackets) {
      ++counters_.drops_buffer_packets;
    } else {
      ++counters_.drops_buffer_bytes;
    }
    return verdict;
  }

  const core::Time ser = serialization(bytes);
  verdict.accepted = true;
  verdict.service_start = std::max(arrival, dep_prev_);
  std::int64_t departure_ps = 0;
  if (__builtin_add_overflow(verdict.service_start.count(), ser.count(), &departure_ps)) {
    // The packet is not admitted: keep offered = accepted + dropped.
    --counters_.offered_packets;
    counters_.offered_bytes -= bytes;
    // A backlog at a very slow port can push departures past int64 picoseconds (~106 days).
    throw std::overflow_error(fmt::format(
        "output port '{}': a departure lies beyond the simulated-time range (about 106 days "
        "in int64 picoseconds); the port rate ({} b/s) is far too low for the offered load",
        config_.name, config_.rate.value));
  }
  verdict.departure = core::Time{departure_ps};
  dep_prev_ = verdict.departure;

  ++counters_.accepted_packets;
  counters_.accepted_bytes += bytes;
  counters_.busy_time += ser;
  counters_.last_departure = verdict.departure;
  counters_.max_sojourn = std::max(counters_.max_sojourn, verdict.departure - arrival);
  if (ring_enabled_) {
    ring_push(verdict.departure.count(), bytes);
    counters_.max_occupancy_packets =
        std::max<std::uint64_t>(counters_.max_occupancy_packets, ring_count_);
    counters_.max_occupancy_bytes = std::max(counters_.max_occupancy_bytes, bytes_in_system_);
  }
  return verdict;
}

void OutputPort::require_tracking(const char* what) const {
  if (!ring_enabled_) {
    throw std::logic_error(fmt::format(
        "output port '{}': {} needs occupancy tracking; set OutputPortConfig::track_occupancy "
        "or a finite buffer limit",
        config_.name, what));
  }
}

std::uint64_t OutputPort::in_system_packets() const {
  require_tracking("in_system_packets()");
  return ring_count_;
}

std::uint64_t OutputPort::in_system_bytes() const {
  require_tracking("in_system_bytes()");
  return bytes_in_system_;
}

std::uint64_t OutputPort::departed_packets() const {
  require_tracking("departed_packets()");
  return counters_.accepted_packets - ring_count_;
}

}  // namespace rlisim::net
