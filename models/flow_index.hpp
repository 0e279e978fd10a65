#pragma once
// One flow index per run: each packet's flow key is looked up once, at the ingress tap, and
// every observer keeps its per-flow state in arrays addressed by the dense id it gets.

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "sim/core/flow_key.hpp"

namespace rlisim::models {

/// Dense flow id: 0 for the first flow the router saw, then 1, 2... in first-seen order.
using FlowId = std::uint32_t;

/// Storage addressed by FlowId in fixed-size chunks: growth never moves an element (references
/// stay valid) and costs one allocation per kChunk ids. The elements of the flows active at a
/// time have neighbouring ids (flows start in id order), so they share cache lines and pages.
template <typename T>
class FlowArray {
 public:
  static constexpr std::size_t kChunkBits = 12;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  /// Ids below size() are allocated.
  std::size_t size() const { return size_; }
  T& operator[](FlowId id) { return chunks_[id >> kChunkBits][id & (kChunk - 1)]; }
  const T& operator[](FlowId id) const { return chunks_[id >> kChunkBits][id & (kChunk - 1)]; }
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

/// Flow key -> FlowId, in first-seen order, and back. One hash lookup per call of id().
/// Memory: one key and one hash slot per flow seen.
class FlowIndex {
 public:
  /// The id of `key`, giving it the next id if it is new.
  /// @throws std::length_error beyond 2^32 - 1 flows.
  FlowId id(const core::FlowKey& key) {
    const auto next = static_cast<FlowId>(keys_.size());
    const auto [it, inserted] = ids_.try_emplace(key, next);
    if (!inserted)
      return it->second;
    if (keys_.size() == std::numeric_limits<FlowId>::max()) {
      ids_.erase(it);
      throw std::length_error("flow index: more than 2^32 - 1 flows");
    }
    keys_.append(key);
    return next;
  }
  /// The id of `key`, or nullopt if it was never seen.
  std::optional<FlowId> find(const core::FlowKey& key) const {
    const auto it = ids_.find(key);
    if (it == ids_.end())
      return std::nullopt;
    return it->second;
  }
  const core::FlowKey& key(FlowId id) const { return keys_[id]; }
  /// Flows seen so far; ids are 0 .. size() - 1.
  std::size_t size() const { return keys_.size(); }
  /// Pre-sizes the hash table for `flows` flows (avoids rehashing during the run).
  void reserve(std::size_t flows) { ids_.reserve(flows); }

 private:
  absl::flat_hash_map<core::FlowKey, FlowId, core::FlowKeyHasher> ids_;
  FlowArray<core::FlowKey> keys_;
};

}  // namespace rlisim::models
