#include "models/observer_set.hpp"

#include <algorithm>
#include <exception>

namespace rlisim::models {

void ObserverSet::add(Estimator& observer, const Estimator* after) {
  observer.bind(index_);
  const std::size_t at = observers_.size();
  observers_.push_back(&observer);
  if (after == nullptr) {
    lanes_.push_back({at});
    return;
  }
  for (auto& lane : lanes_) {
    for (const std::size_t i : lane) {
      if (observers_[i] == after) {
        lane.push_back(at);
        return;
      }
    }
  }
  RLISIM_CHECK(false && "`after` must be an observer added earlier");
}

void ObserverSet::set_threads(unsigned threads) {
  RLISIM_CHECK(threads >= 1);
  flush();
  pool_.reset();
  if (threads > 1)
    pool_ = std::make_unique<core::WorkerPool>(threads - 1);
}

ObserverSet::~ObserverSet() {
  if (pool_)
    pool_->wait();
}

void ObserverSet::flush() {
  finish_background_replay();
  // Whatever an observer throws, these observations are replayed once only.
  struct ClearOnExit {
    std::vector<Observation>& pending;
    ~ClearOnExit() { pending.clear(); }
  } clear_on_exit{pending_};
  std::exception_ptr first_error;
  try {
    look_up_pending();
  } catch (...) {
    first_error = std::current_exception();
  }
  replay_pending(first_error);
  if (first_error)
    std::rethrow_exception(first_error);
  if (since_retired_ >= retirement_interval_)
    retire_ended_flows();
}

void ObserverSet::replay_pending(std::exception_ptr& first) {
  // An observer that throws stops there; the others still get the whole batch, so they agree
  // with the router, which has routed every packet of it.
  if (!pool_ || lanes_.size() < 2) {
    for (Estimator* o : observers_) {
      try {
        o->replay(pending_);
      } catch (...) {
        if (!first)
          first = std::current_exception();
      }
    }
    return;
  }
  errors_.assign(observers_.size(), nullptr);
  pool_->run(lanes_.size(), [this](std::size_t lane) { replay_lane(lane, pending_); });
  for (std::exception_ptr& e : errors_) {
    if (e && !first)
      first = std::move(e);
  }
  errors_.clear();
}

void ObserverSet::replay_lane(std::size_t lane, std::span<const Observation> batch) {
  for (const std::size_t i : lanes_[lane]) {
    try {
      observers_[i]->replay(batch);
    } catch (...) {
      errors_[i] = std::current_exception();
    }
  }
}

void ObserverSet::replay_in_background() {
  finish_background_replay();
  try {
    look_up_pending();
  } catch (...) {
    // As flush() does: the observations before the failed lookup are replayed, then the
    // error is rethrown.
    std::exception_ptr first = std::current_exception();
    replay_pending(first);
    pending_.clear();
    std::rethrow_exception(first);
  }
  replaying_.swap(pending_);
  pending_.clear();
  counted_when_started_ = since_retired_;
  retire_after_replay_ = since_retired_ >= retirement_interval_;
  errors_.assign(observers_.size(), nullptr);
  pool_->start(lanes_.size(), [this](std::size_t lane) { replay_lane(lane, replaying_); });
}

void ObserverSet::finish_background_replay() {
  if (!pool_ || replaying_.empty())
    return;
  pool_->wait();
  replaying_.clear();
  std::exception_ptr first;
  for (std::exception_ptr& e : errors_) {
    if (e && !first)
      first = std::move(e);
  }
  errors_.clear();
  const bool retire = retire_after_replay_;
  retire_after_replay_ = false;
  if (first)
    std::rethrow_exception(first);
  if (retire) {
    // The ingresses of the batch being recorded since count towards the next release.
    const std::size_t since = since_retired_ - counted_when_started_;
    retire_ended_flows();
    since_retired_ = since;
  }
}

void ObserverSet::look_up_pending() {
  const std::size_t n = pending_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n)
      index_->prefetch(pending_[i + kPrefetchAhead].packet.flow);
    Observation& o = pending_[i];
    try {
      const FlowLookup found = index_->lookup(o.packet.flow, o.packet.arrival);
      o.flow = found.flow;
      o.starts = found.starts;
    } catch (...) {
      pending_.resize(i);
      throw;
    }
  }
}

void ObserverSet::retire_ended_flows() {
  since_retired_ = 0;
  for (const EndedFlow& f : index_->take_ended()) {
    for (Estimator* o : observers_)
      o->on_flow_end(f.flow);
    unsettled_.push_back(f);
  }
  core::Time settled = core::Time::max();
  for (const Estimator* o : observers_)
    settled = std::min(settled, o->settled_through());
  while (!unsettled_.empty() && unsettled_.front().last_ingress <= settled) {
    const EndedFlow& f = unsettled_.front();
    for (Estimator* o : observers_)
      o->on_flow_final(f.flow);
    for (Estimator* o : observers_)
      o->release_flow(f.flow);
    index_->release(f.flow);
    unsettled_.pop_front();
  }
}

}  // namespace rlisim::models
