#pragma once
// The observers of one router's taps and the run's flow index that addresses their state.

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "models/estimator.hpp"
#include "models/flow_index.hpp"
#include "sim/core/error.hpp"

namespace rlisim::models {

/// Feeds every observer the taps' observations in the order estimator.hpp promises, each with
/// the packet's FlowId: the key is looked up once per packet, and the id reused for the
/// packet's egress or drop (which always follows before the next ingress).
///
/// Deferred mode (set_deferred) records the observations instead and replays them observer by
/// observer every kBatch packets and on flush(): each observer then runs over many packets in
/// a row with its code and its state in cache, instead of all observers taking turns on every
/// packet. The batch's keys are looked up then too, in arrival order, each a few packets after
/// its hash-table slot was prefetched: the misses of thousands of interleaved flows overlap
/// instead of stalling every packet in turn. Every observer sees the same calls in the same
/// order either way, and the index the same lookups, so results are identical; only the
/// moment of the calls moves, so whoever reads an observer or the index during the run
/// flushes first. (One difference: an observer that throws has, in immediate mode, stopped the
/// others at the same packet; deferred, the others go on to the end of the batch.)
class ObserverSet {
 public:
  static constexpr std::size_t kBatch = 1024;

  /// Observers are not owned and must outlive the set's use; they are called in the order
  /// they were added.
  void add(Estimator& observer) {
    observer.bind(index_);
    observers_.push_back(&observer);
  }
  bool empty() const { return observers_.empty(); }
  void set_deferred(bool deferred) {
    flush();
    deferred_ = deferred;
  }

  /// The ingress tap: looks up p's flow and tells every observer (deferred: records p).
  void ingress(const core::Packet& p) {
    if (observers_.empty())
      return;
    ++since_retired_;
    if (deferred_) {
      pending_.push_back(Observation{.packet = p});
      return;
    }
    const FlowLookup found = index_->lookup(p.flow, p.arrival);
    current_ = found.flow;
    for (Estimator* o : observers_) {
      if (found.starts)
        o->on_flow_start(p, current_);
      o->on_ingress(p, current_);
    }
    if (since_retired_ >= retirement_interval_)
      retire_ended_flows();
  }
  /// The egress tap for the packet of the latest ingress().
  void egress(const core::Packet& p, PortId port, core::Time egress_time) {
    if (deferred_ && !observers_.empty()) {
      close_latest(Observation::kEgress, port, egress_time);
      return;
    }
    for (Estimator* o : observers_)
      o->on_egress(p, current_, port, egress_time);
  }
  /// The packet of the latest ingress() was dropped.
  void drop(const core::Packet& p, PortId port) {
    if (deferred_ && !observers_.empty()) {
      close_latest(Observation::kDrop, port, core::Time{});
      return;
    }
    for (Estimator* o : observers_)
      o->on_drop(p, current_, port);
  }
  /// Replays everything deferred mode recorded. Observers are up to date afterwards.
  void flush();
  /// Flows end after `timeout` without a packet (FlowIndex::set_timeout); zero: never.
  void set_flow_timeout(core::Time timeout) { index_->set_timeout(timeout); }
  /// Ended flows are released at most every `packets` packets (default kRetirementInterval):
  /// releasing reads the truth, which applies its buffered updates, so releasing more often
  /// would cost the truth its batching.
  void set_retirement_interval(std::size_t packets) { retirement_interval_ = packets; }
  static constexpr std::size_t kRetirementInterval = std::size_t{1} << 18;

  const FlowIndex& index() const { return *index_; }
  FlowIndex& index() { return *index_; }

 private:
  // Releases, in the order they ended, the ended flows that every observer has settled:
  // on_flow_final to all, then release_flow to all, then the id to the index. Called with the
  // observers up to date: after a deferred batch, or on an ingress in immediate mode, once
  // retirement_interval_ packets have gone by.
  void retire_ended_flows();
  // Looks up the flows of the recorded observations, in order. If a lookup throws, the
  // observations from that one on are dropped, so that the others can still be replayed.
  void look_up_pending();
  void close_latest(std::uint8_t outcome, PortId port, core::Time egress_time) {
    // An egress or drop closes the packet of the latest ingress, once.
    RLISIM_CHECK(!pending_.empty() && pending_.back().outcome == Observation::kOpen);
    Observation& o = pending_.back();
    o.outcome = outcome;
    o.port = port;
    o.egress_time = egress_time;
    if (pending_.size() >= kBatch)
      flush();
  }

  // Shared with the observers, whose results outlive the router that fed them.
  std::shared_ptr<FlowIndex> index_ = std::make_shared<FlowIndex>();
  std::vector<Estimator*> observers_;
  FlowId current_ = 0;
  bool deferred_ = false;
  std::vector<Observation> pending_;
  std::size_t since_retired_ = 0;
  std::size_t retirement_interval_ = kRetirementInterval;
  std::deque<EndedFlow> unsettled_;
};

}  // namespace rlisim::models
