#pragma once
// One flow index per run: each packet's flow key is looked up once, at the ingress tap, and
// every observer keeps its per-flow state in arrays addressed by the dense id it gets.

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "sim/core/flow_key.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {

/// Dense flow id: 0 for the first flow the router saw, then 1, 2... in first-seen order.
using FlowId = std::uint32_t;

/// Storage addressed by FlowId in fixed-size chunks: growth never moves an element (references
/// stay valid) and costs one allocation per kChunk ids. The elements of the flows active at a
/// time have neighbouring ids (flows start in id order, and ended flows' ids are reused), so
/// they share cache lines and pages.
template <typename T>
class FlowArray {
 public:
  static constexpr std::size_t kChunkBits = 12;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  /// Ids below size() are allocated.
  std::size_t size() const { return size_; }
  T& operator[](FlowId id) { return chunks_[id >> kChunkBits][id & (kChunk - 1)]; }
  const T& operator[](FlowId id) const { return chunks_[id >> kChunkBits][id & (kChunk - 1)]; }
  /// Starts fetching the element of `id` into the cache, if `id` is allocated; a hint only
  /// (see replay_each's prefetch_flow). Always inlined, as must be every function that only
  /// prefetches: GCC deems such a function free of side effects and deletes calls to it.
  [[gnu::always_inline]] void prefetch(FlowId id) const {
    if (id >= size_)
      return;
    const auto* first = reinterpret_cast<const char*>(&(*this)[id]);
    __builtin_prefetch(first);
    if constexpr (sizeof(T) > 1)
      __builtin_prefetch(first + sizeof(T) - 1);
  }
  /// The element of `id`, allocating every id up to it as `fill()` first.
  template <typename Fill>
  T& ensure(FlowId id, Fill&& fill) {
    while (size_ <= id)
      append(fill());
    return (*this)[id];
  }
  /// Appends the element of id size().
  void append(T value) {
    if ((size_ & (kChunk - 1)) == 0) {
      chunks_.emplace_back();
      chunks_.back().reserve(kChunk);
    }
    chunks_.back().push_back(std::move(value));
    ++size_;
  }

 private:
  // Each chunk is reserved to kChunk elements and never grows past them, so its elements never
  // move (moving a chunk in the outer vector keeps its storage), and none is built before it
  // is appended.
  std::vector<std::vector<T>> chunks_;
  std::size_t size_ = 0;
};

/// A flow that ended: FlowIndex::take_ended().
struct EndedFlow {
  FlowId flow = 0;
  /// Its last packet's ingress.
  core::Time last_ingress{};
};

/// What FlowIndex::lookup() found.
struct FlowLookup {
  FlowId flow = 0;
  /// The packet starts a flow (new key, or its key's flow had ended).
  bool starts = false;
};

/// Flow key -> FlowId and back, one hash lookup per packet. A FlowId is a slot: dense, 0 for the
/// first flow, and reused once the flow that held it has ended and been released (release()),
/// so per-flow arrays indexed by it stay as large as the flows active at once. Each flow also
/// has its serial, its position in first-seen order, which never repeats (the outputs' order).
///
/// Flows end after `timeout` without a packet (set_timeout; NetFlow's inactive timeout is the
/// model): a packet of the same key after a longer gap starts a new flow with a new serial, so a
/// flow is a 5-tuple and a span of activity with no gap longer than the timeout. An ended
/// flow's key leaves the hash table and the flow is reported (take_ended) so that whoever holds
/// state for it can write it out and release it. Without a timeout (the default) flows never end
/// and a flow's id is its serial.
/// Memory: one key, one serial, one time and one hash slot per flow not yet released.
class FlowIndex {
 public:
  /// Flows end after `timeout` without a packet; zero or negative: never.
  void set_timeout(core::Time timeout) {
    timeout_ = timeout;
    // Idle flows are found within a sixteenth of the timeout (a power of two of ps).
    granule_bits_ = 0;
    while (timeout.count() > 0 && (std::int64_t{2} << granule_bits_) <= timeout.count() / 16)
      ++granule_bits_;
  }

  /// The flow of `key` for a packet arriving at `now`, starting one if the key is new or its
  /// flow ended (no packet for longer than the timeout). Arrivals must not go back in time.
  /// Ends the flows idle for longer than the timeout at `now`.
  /// @throws std::length_error beyond 2^32 - 1 flows.
  FlowLookup lookup(const core::FlowKey& key, core::Time now) {
    if (timeout_.count() <= 0) {
      const auto [it, inserted] = ids_.try_emplace(key);
      if (!inserted)
        return {it->second.id, false};
      return {start_or_erase(it, key, now), true};
    }
    end_idle_flows(now);
    const auto [it, inserted] = ids_.try_emplace(key);
    if (!inserted) {
      // Everything this needs is in the table's entry, which the lookup has just read.
      Entry& e = it->second;
      const core::Time last = e.last();
      if (now - last <= timeout_) {
        e.set_last(now);
        if (granule(now) != granule(last))
          idle_queue_.push_back({e.id, serials_[e.id], now});
        return {e.id, false};
      }
      // The same key after a longer gap: a new flow. The old one ends here.
      ended_.push_back({e.id, last});
    }
    return {start_or_erase(it, key, now), true};
  }
  /// Starts fetching the hash-table memory that lookup(key) will read; a hint only.
  void prefetch(const core::FlowKey& key) const { ids_.prefetch(key); }
  /// The flow of `key`, starting one if it is new; for callers without time (flows never end).
  FlowId id(const core::FlowKey& key) { return lookup(key, core::Time{}).flow; }
  /// The id of the current flow of `key`, or nullopt if none (never seen, or ended).
  std::optional<FlowId> find(const core::FlowKey& key) const {
    const auto it = ids_.find(key);
    if (it == ids_.end())
      return std::nullopt;
    return it->second.id;
  }
  /// The key and the serial of the flow holding `id`, until it is released.
  const core::FlowKey& key(FlowId id) const { return keys_[id]; }
  std::uint32_t serial(FlowId id) const { return serials_[id]; }
  /// Flows seen so far: serials are 0 .. size() - 1.
  std::size_t size() const { return next_serial_; }
  /// Ids in use or free: every id is below it.
  std::size_t slots() const { return keys_.size(); }
  /// Pre-sizes the hash table for `flows` flows (avoids rehashing during the run).
  void reserve(std::size_t flows) { ids_.reserve(flows); }

  /// The flows that ended since the last call, in the order they ended.
  std::vector<EndedFlow> take_ended() { return std::exchange(ended_, {}); }
  /// Frees the id of an ended flow for a later flow.
  void release(FlowId id) { free_.push_back(id); }

 private:
  // The table's value: the flow's id and its latest packet's time (kept as two halves so that
  // the entry stays 4-byte aligned, as compact as the key allows).
  struct Entry {
    FlowId id = 0;
    std::uint32_t last_low = 0;
    std::int32_t last_high = 0;
    core::Time last() const {
      return core::Time{static_cast<std::int64_t>(
          (static_cast<std::uint64_t>(static_cast<std::uint32_t>(last_high)) << 32) | last_low)};
    }
    void set_last(core::Time t) {
      const auto v = static_cast<std::uint64_t>(t.count());
      last_low = static_cast<std::uint32_t>(v);
      last_high = static_cast<std::int32_t>(static_cast<std::uint32_t>(v >> 32));
    }
  };
  using Table = absl::flat_hash_map<core::FlowKey, Entry, core::FlowKeyHasher>;
  struct Queued {
    FlowId id;
    std::uint32_t serial;
    core::Time stamp;
  };

  // Gives the new entry `it` of `key` a flow; if that fails, the entry goes.
  FlowId start_or_erase(Table::iterator it, const core::FlowKey& key, core::Time now) {
    try {
      it->second.id = start(key, now);
    } catch (...) {
      ids_.erase(it);
      throw;
    }
    it->second.set_last(now);
    return it->second.id;
  }
  FlowId start(const core::FlowKey& key, core::Time now) {
    if (next_serial_ == std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("flow index: more than 2^32 - 1 flows");
    const std::uint32_t serial = next_serial_++;
    FlowId id;
    if (free_.empty()) {
      id = static_cast<FlowId>(keys_.size());
      keys_.append(key);
      serials_.append(serial);
    } else {
      id = free_.back();
      free_.pop_back();
      keys_[id] = key;
      serials_[id] = serial;
    }
    if (timeout_.count() > 0)
      idle_queue_.push_back({id, serial, now});
    return id;
  }
  std::int64_t granule(core::Time t) const { return t.count() >> granule_bits_; }
  // Ends every flow idle for longer than the timeout at `now`. A flow is queued with the time
  // of a packet whenever its packets reach a new granule (a sixteenth of the timeout), so the
  // queue is in time order, and only the entry of a flow's latest granule counts: once that
  // granule ended more than the timeout ago, so did the flow's last packet. Idle flows thus end
  // at most one granule late here (never early; lookup() ends a flow on time for its next
  // packet, this only frees its state). Only here, about once per granule of each flow's
  // activity, is the table probed a second time.
  void pop_idle() {
    if (++idle_head_ >= 4096 && 2 * idle_head_ >= idle_queue_.size()) {
      idle_queue_.erase(idle_queue_.begin(),
                        idle_queue_.begin() + static_cast<std::ptrdiff_t>(idle_head_));
      idle_head_ = 0;
    }
  }
  void end_idle_flows(core::Time now) {
    while (idle_head_ < idle_queue_.size()) {
      const Queued q = idle_queue_[idle_head_];
      const core::Time granule_end{(granule(q.stamp) + 1) << granule_bits_};
      if (now - granule_end <= timeout_)
        return;
      pop_idle();
      if (serials_[q.id] != q.serial)
        continue;  // the id holds a later flow by now
      const auto it = ids_.find(keys_[q.id]);
      if (it == ids_.end() || it->second.id != q.id)
        continue;  // ended already (its key then maps to a later flow, or to none)
      if (granule(it->second.last()) != granule(q.stamp))
        continue;  // a later entry covers its latest packets
      ended_.push_back({q.id, it->second.last()});
      ids_.erase(it);
    }
  }

  Table ids_;
  FlowArray<core::FlowKey> keys_;
  FlowArray<std::uint32_t> serials_;
  std::uint32_t next_serial_ = 0;
  core::Time timeout_{};
  unsigned granule_bits_ = 0;
  std::vector<FlowId> free_;
  // A FIFO in one vector (cheaper per entry than a std::deque): entries before idle_head_ are
  // consumed, and dropped once they are the larger part.
  std::vector<Queued> idle_queue_;
  std::size_t idle_head_ = 0;
  std::vector<EndedFlow> ended_;
};

}  // namespace rlisim::models
