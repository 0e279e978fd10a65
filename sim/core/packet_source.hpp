#pragma once
// The interface every producer of packets implements: pcap readers, generators, cross traffic.

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/packet.hpp"

namespace rlisim::core {

/// A stream of packets in non-decreasing arrival order.
class PacketSource {
 public:
  virtual ~PacketSource() = default;
  /// Writes the next packet into `out` and returns true, or returns false at the end.
  /// Implementations set `arrival`, `flow`, `wire_bytes` and `kind`; `source` and `seq` are
  /// set by whoever assigns source ids (the merger), so a source need not know its id.
  /// @throws TraceError on unreadable input.
  virtual bool next(Packet& out) = 0;
  /// Human-readable description for messages and summaries ("pcap:file.pcap", "poisson").
  virtual std::string describe() const = 0;
  /// Fraction of the input consumed, in [0, 1], if known (for progress reports).
  virtual std::optional<double> progress() const { return std::nullopt; }
  /// What the source counted so far (records read, skipped by reason, flows, ...), as
  /// (snake_case name, value) pairs in a stable order, for the run summary.
  /// (Named apart from the readers' own typed counters() accessors.)
  virtual std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const { return {}; }
};

/// Merges several sources into one stream ordered by (arrival, source id, seq): a k-way merge
/// with a binary heap over the stream heads, O(log k) per packet. Source i gets id i, and
/// packets are numbered per source from 0.
class SourceMerger final : public PacketSource {
 public:
  explicit SourceMerger(std::vector<std::unique_ptr<PacketSource>> sources);
  bool next(Packet& out) override;
  std::string describe() const override;
  std::optional<double> progress() const override;
  std::size_t size() const { return sources_.size(); }
  /// Source `index` (its id), e.g. to read its counters after the run.
  const PacketSource& source(std::size_t index) const { return *sources_.at(index); }

 private:
  /// Reads the next packet of source `index`, checks its order and numbers it.
  bool pull(std::size_t index, Packet& out);
  void refill(std::size_t index);
  std::vector<std::unique_ptr<PacketSource>> sources_;
  std::vector<std::uint64_t> next_seq_;
  std::vector<Time> last_arrival_;
  std::vector<Packet> heap_;           // at most one head per source
  std::exception_ptr deferred_error_;  // a source failed after its last good packet
};

}  // namespace rlisim::core
