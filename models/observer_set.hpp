#pragma once
// The observers of one router's taps and the run's flow index that addresses their state.

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "models/estimator.hpp"
#include "models/flow_index.hpp"
#include "sim/core/error.hpp"
#include "sim/core/worker_pool.hpp"

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
///
/// Deferred replays can also run on several threads (set_threads): observers keep no state in
/// common unless they say so (add's `after`), so a batch is handed to the observers on
/// whichever thread is free, and each observer still sees its calls in the same order. A full
/// batch is replayed while the router goes on with the next one; the flow lookups, and the
/// releases of ended flows, stay on the calling thread, at the same points of the sequence of
/// lookups as on one thread. Results are thus identical for any number of threads, with one
/// exception: an error an observer throws while replaying a full batch is rethrown when the
/// next batch is full (or at flush(), which still replays the batch recorded since), so a run
/// that such an error stops (an overflow) has routed, and observed, up to one batch more.
class ObserverSet {
 public:
  static constexpr std::size_t kBatch = 1024;

  /// Observers are not owned and must outlive the set (a batch may still replay until it is
  /// destroyed); they are called in the order they were added. `after`: an observer added
  /// earlier whose state this one reads or writes while it observes
  /// (FlowEstimator::share_with); this one then replays after it, on the same thread.
  void add(Estimator& observer, const Estimator* after = nullptr);
  ObserverSet() = default;
  ObserverSet(const ObserverSet&) = delete;
  ObserverSet& operator=(const ObserverSet&) = delete;
  /// Waits for the observers replaying a batch, if any, and drops the rest of that batch and
  /// its errors.
  ~ObserverSet();
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
  /// Flushes, then finalizes every observer (Estimator::finalize), on the threads of
  /// set_threads: observers tied by add() in the order they were added, the others in any
  /// order. If some throw, the others are still finalized and the first error, in the order
  /// the observers were added, is rethrown.
  void finalize();
  /// Deferred replays run on `threads` threads, the caller's included (1, the default: on the
  /// caller's alone). Each observer is called from one of them at a time, never in parallel
  /// with another that add() tied it to, and never while the set looks flows up or releases
  /// them (but while the caller records the next batch).
  /// @throws std::system_error if a thread cannot be started.
  void set_threads(unsigned threads);
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
  // Replays the recorded observations to every observer: on the lanes, in parallel, if there
  // is a pool. The first error, in the order the observers were added, is kept in `first`.
  void replay_pending(std::exception_ptr& first);
  // Calls `call` on each observer of `lane`, in order, keeping each one's error in errors_.
  void run_lane(std::size_t lane, const std::function<void(Estimator&)>& call);
  // Calls `call` on every observer, lane by lane, on the pool if there is one; returns the
  // first error in observer order.
  std::exception_ptr run_lanes(const std::function<void(Estimator&)>& call);
  // The first error of errors_, in observer order; clears them.
  std::exception_ptr first_error();
  // A full batch with more than one thread: waits for the batch replaying, looks the new one
  // up and starts replaying it.
  void replay_in_background();
  // Waits for the batch replaying, if any; rethrows its first error, else releases ended
  // flows if that was due after it.
  void finish_background_replay();
  void close_latest(std::uint8_t outcome, PortId port, core::Time egress_time) {
    // An egress or drop closes the packet of the latest ingress, once.
    RLISIM_CHECK(!pending_.empty() && pending_.back().outcome == Observation::kOpen);
    Observation& o = pending_.back();
    o.outcome = outcome;
    o.port = port;
    o.egress_time = egress_time;
    if (pending_.size() >= kBatch) {
      if (pool_)
        replay_in_background();
      else
        flush();
    }
  }

  // Shared with the observers, whose results outlive the router that fed them.
  std::shared_ptr<FlowIndex> index_ = std::make_shared<FlowIndex>();
  std::vector<Estimator*> observers_;
  // Observers that replay on one thread, in order (indexes into observers_): each on its own
  // but those tied by add().
  std::vector<std::vector<std::size_t>> lanes_;
  std::unique_ptr<core::WorkerPool> pool_;  // null: one thread
  std::vector<Observation> replaying_;      // the batch replaying in the background
  std::vector<std::exception_ptr> errors_;  // each observer's, of the lanes' latest call
  // Ingresses counted in since_retired_ when the background batch started, and whether ended
  // flows are to be released once it is replayed.
  std::size_t counted_when_started_ = 0;
  bool retire_after_replay_ = false;
  FlowId current_ = 0;
  bool deferred_ = false;
  std::vector<Observation> pending_;
  std::size_t since_retired_ = 0;
  std::size_t retirement_interval_ = kRetirementInterval;
  std::deque<EndedFlow> unsettled_;
};

}  // namespace rlisim::models
