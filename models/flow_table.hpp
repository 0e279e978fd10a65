#pragma once
// Per-flow records addressed by flow key, kept in first-seen order with stable addresses.

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "sim/core/flow_key.hpp"

namespace rlisim::models {

/// A flow table for estimators: key -> dense index (first-seen order) -> Record.
/// Records live in fixed-size chunks, so growth never moves one (references stay valid) and
/// costs one allocation per kChunk flows. Iteration by index is deterministic, independent of
/// the hash seed. Memory: one record, one key and one hash slot per flow ever seen.
template <typename Record>
class FlowTable {
 public:
  static constexpr std::size_t kChunkBits = 12;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  struct Found {
    std::uint32_t index;
    bool inserted;
    /// The key as stored in the hash slot: still in cache after the lookup, so comparing a
    /// later packet's key with it is cheap. Valid until the next insertion or reserve().
    const core::FlowKey* slot_key;
  };

  /// The index of `key`, inserting `make()` as its record if it is new.
  /// @throws std::length_error beyond 2^32 - 1 flows.
  template <typename Make>
  Found find_or_insert(const core::FlowKey& key, Make&& make) {
    const auto next = static_cast<std::uint32_t>(size_);
    auto [it, inserted] = index_.try_emplace(key, next);
    if (!inserted)
      return {it->second, false, &it->first};
    if (size_ == std::numeric_limits<std::uint32_t>::max()) {
      index_.erase(it);
      throw std::length_error("flow table: more than 2^32 - 1 flows");
    }
    if ((size_ & (kChunk - 1)) == 0) {
      chunks_.push_back(std::make_unique<Chunk>());
      chunks_.back()->records.reserve(kChunk);
    }
    Chunk& chunk = *chunks_.back();
    chunk.keys[size_ & (kChunk - 1)] = key;
    chunk.records.push_back(make());
    ++size_;
    return {next, true, &it->first};
  }

  /// The index of `key`, or -1 if it was never inserted.
  std::int64_t find(const core::FlowKey& key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? -1 : static_cast<std::int64_t>(it->second);
  }

  std::size_t size() const { return size_; }
  Record& operator[](std::size_t i) { return chunks_[i >> kChunkBits]->records[i & (kChunk - 1)]; }
  const Record& operator[](std::size_t i) const {
    return chunks_[i >> kChunkBits]->records[i & (kChunk - 1)];
  }
  const core::FlowKey& key(std::size_t i) const {
    return chunks_[i >> kChunkBits]->keys[i & (kChunk - 1)];
  }
  void reserve(std::size_t flows) { index_.reserve(flows); }

 private:
  struct Chunk {
    std::array<core::FlowKey, kChunk> keys;
    std::vector<Record> records;  // reserved to kChunk, so it never reallocates
  };
  absl::flat_hash_map<core::FlowKey, std::uint32_t, core::FlowKeyHasher> index_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace rlisim::models
