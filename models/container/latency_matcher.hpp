#pragma once
// LatencyMatcher: per-packet container egress/ingress latency from a time-ordered stream of
// kernel events along one MACE event path (container.md §1.2), in bounded memory.

#include <array>
#include <cstdint>
#include <optional>

#include <absl/container/flat_hash_map.h>

#include "models/container/event_path.hpp"

namespace rlisim::models::container {

/// One kernel event as the matcher needs it. The caller resolves the event's device name to a
/// role (events on devices that are not on the path are not passed in).
struct PathObservation {
  std::int64_t time_ns = 0;  ///< trace clock, ns; nondecreasing across calls
  PathEvent event = PathEvent::kNetDevXmit;
  DeviceRole device = DeviceRole::kNone;  ///< kNone for syscall events
  std::uint64_t skbaddr = 0;              ///< net events
  std::int64_t len = -1;                  ///< `len=` (net events), sendto's len argument
  std::int32_t pid = 0;
  std::uint32_t cpu = 0;
  std::int64_t ret = 0;  ///< receive-syscall return value (bytes, or a negative errno)
};

/// One matched packet.
struct PacketLatency {
  Direction direction = Direction::kEgress;
  std::int64_t start_ns = 0;    ///< time of the start event, trace clock ns
  std::int64_t end_ns = 0;      ///< time of the end event
  std::uint32_t cpu = 0;        ///< CPU of the start event
  std::uint32_t end_cpu = 0;    ///< CPU of the end event
  std::int32_t pid = 0;         ///< PID (task context) of the start event
  std::int64_t start_len = -1;  ///< `len` of the start event (bytes as that event counts them)
  std::int64_t end_len = -1;    ///< `len` of the end event (the return value for recv syscalls)
  std::uint64_t key = 0;        ///< the join key: skbaddr, PID (egress syscalls) or length
  std::int64_t latency_ns() const { return end_ns - start_ns; }
};

/// Receives every matched packet, in the order chains close (end-event time order).
class LatencySink {
 public:
  virtual ~LatencySink() = default;
  virtual void on_packet(const PacketLatency& packet) = 0;
};

/// Matching options.
struct MatcherOptions {
  /// A chain still open this long after its start never matches: it is counted as expired
  /// (ns). Default 1 s: kernel paths take µs; a reused skb address must not join packets that
  /// are seconds apart.
  std::int64_t expiry_ns = 1'000'000'000;
  /// If set, latencies >= this (ns) are counted as outliers and not reported. The 2018 MACE
  /// parser dropped >= 1000 µs; rlisim keeps everything unless asked (container.md §1.2).
  std::optional<std::int64_t> outlier_threshold_ns;
};

/// Counters of one direction. Identity, after finish():
/// starts == matched + outliers + negative + expired + reused + unmatched_starts.
struct DirectionCounters {
  std::uint64_t starts = 0;            ///< start events seen
  std::uint64_t matched = 0;           ///< chains closed and reported
  std::uint64_t outliers = 0;          ///< closed at or above the outlier threshold, dropped
  std::uint64_t negative = 0;          ///< closed before they started (out-of-order input)
  std::uint64_t expired = 0;           ///< chains older than the expiry, never closed
  std::uint64_t reused = 0;            ///< open chains replaced by a new start with the same key
  std::uint64_t unmatched_starts = 0;  ///< chains still open at finish()
  std::uint64_t unmatched_ends = 0;    ///< end events without an open chain

  /// Adds another file's counts (the identity above still holds for the sum).
  DirectionCounters& operator+=(const DirectionCounters& o) {
    starts += o.starts;
    matched += o.matched;
    outliers += o.outliers;
    negative += o.negative;
    expired += o.expired;
    reused += o.reused;
    unmatched_starts += o.unmatched_starts;
    unmatched_ends += o.unmatched_ends;
    return *this;
  }
};

struct MatcherCounters {
  std::array<DirectionCounters, 2> direction{};  ///< indexed by Direction
  std::uint64_t observations = 0;
  std::uint64_t out_of_order = 0;    ///< observations earlier than their predecessor
  std::uint64_t syscall_errors = 0;  ///< receive syscalls returning <= 0 (EAGAIN, ...): ignored
  const DirectionCounters& operator[](Direction d) const {
    return direction[static_cast<std::size_t>(d)];
  }
};

/// Streaming matcher. Open chains are keyed by (key, direction): the skb address on device
/// paths; on the syscalls path egress is keyed by PID (sendto, then the first transmit by the
/// same PID on the outer device) and ingress by length (the outer receive's `len` equals the
/// receive syscall's return value; the most recent such start wins). A start whose key is
/// already open replaces that chain (counted as reused: the kernel recycled the skb address,
/// or the earlier packet never reached the end point). Memory is O(chains opened within one
/// expiry interval); reporting goes to the sink, nothing per packet is kept.
class LatencyMatcher {
 public:
  /// @throws core::ConfigError if the path is invalid (validate_event_path) or expiry_ns <= 0.
  LatencyMatcher(EventPath path, const MatcherOptions& options, LatencySink& sink);

  /// Feeds one event. Events must come in nondecreasing time (the trace order); earlier ones
  /// are counted in out_of_order and still processed.
  void observe(const PathObservation& event);
  /// Ends the stream: chains still open become unmatched_starts (or expired if older than the
  /// expiry at `end_ns`, the time of the last event).
  void finish();

  const MatcherCounters& counters() const { return counters_; }
  const EventPath& path() const { return path_; }
  /// Chains currently open (both directions).
  std::size_t open_chains() const { return open_.size(); }

 private:
  struct ChainKey {
    std::uint64_t key = 0;
    Direction direction = Direction::kEgress;
    bool operator==(const ChainKey&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const ChainKey& k) {
      return H::combine(std::move(h), k.key, static_cast<std::uint8_t>(k.direction));
    }
  };
  struct Chain {
    std::int64_t start_ns = 0;
    std::uint32_t cpu = 0;
    std::int32_t pid = 0;
    std::int64_t len = -1;
  };

  bool matches(const PathPoint& point, const PathObservation& e) const;
  /// The join key of `e` at the start or end of direction `d`; nullopt if `e` has none.
  std::optional<std::uint64_t> key_of(Direction d, bool at_start, const PathObservation& e) const;
  void open(Direction d, const PathObservation& e);
  void close(Direction d, const PathObservation& e);
  void sweep(std::int64_t now_ns);
  DirectionCounters& counters(Direction d) {
    return counters_.direction[static_cast<std::size_t>(d)];
  }

  EventPath path_;
  MatcherOptions options_;
  LatencySink& sink_;
  absl::flat_hash_map<ChainKey, Chain> open_;
  MatcherCounters counters_;
  std::int64_t last_ns_ = 0;
  std::int64_t next_sweep_ns_ = 0;
  bool any_ = false;
};

}  // namespace rlisim::models::container
