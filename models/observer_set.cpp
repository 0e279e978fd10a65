#include "models/observer_set.hpp"

#include <algorithm>
#include <exception>

namespace rlisim::models {

void ObserverSet::add(Estimator& observer, const Estimator* after) {
  RLISIM_CHECK(replaying_.empty());
  std::vector<std::size_t>* lane = nullptr;
  for (auto& l : lanes_) {
    for (const std::size_t i : l) {
      if (observers_[i] == after)
        lane = &l;
    }
  }
  RLISIM_CHECK((after == nullptr || lane != nullptr) &&
               "`after` must be an observer added earlier");
  observer.bind(index_);
  const std::size_t at = observers_.size();
  observers_.push_back(&observer);
  if (lane != nullptr)
    lane->push_back(at);
  else
    lanes_.push_back({at});
}

void ObserverSet::set_threads(unsigned threads) {
  RLISIM_CHECK(threads >= 1);
  flush();
  pool_.reset();
  if (threads > 1)
    pool_ = std::make_unique<core::WorkerPool>(threads - 1);
}

ObserverSet::~ObserverSet() {
  // The replay in flight uses members destroyed before the pool.
  if (pool_)
    pool_->cancel();
}

void ObserverSet::flush() {
  // An error of the batch replayed in the background comes first, but the observers still get
  // the batch recorded since, which the router has routed.
  std::exception_ptr first_error;
  try {
    finish_background_replay();
  } catch (...) {
    first_error = std::current_exception();
  }
  if (pending_.empty()) {
    if (first_error)
      std::rethrow_exception(first_error);
    return;
  }
  // Whatever an observer throws, these observations are replayed once only.
  struct ClearOnExit {
    std::vector<Observation>& pending;
    ~ClearOnExit() { pending.clear(); }
  } clear_on_exit{pending_};
  try {
    look_up_pending();
  } catch (...) {
    if (!first_error)
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
  std::exception_ptr error = run_lanes([this](Estimator& o) { o.replay(pending_); });
  if (!first)
    first = std::move(error);
}

void ObserverSet::finalize() {
  flush();
  if (std::exception_ptr error = run_lanes([](Estimator& o) { o.finalize(); }))
    std::rethrow_exception(error);
}

std::exception_ptr ObserverSet::run_lanes(const std::function<void(Estimator&)>& call) {
  errors_.assign(observers_.size(), nullptr);
  if (pool_ && lanes_.size() > 1) {
    pool_->run(lanes_.size(), [&](std::size_t lane) { run_lane(lane, call); });
  } else {
    for (std::size_t lane = 0; lane < lanes_.size(); ++lane)
      run_lane(lane, call);
  }
  return first_error();
}

std::exception_ptr ObserverSet::first_error() {
  std::exception_ptr first;
  for (std::exception_ptr& e : errors_) {
    if (e && !first)
      first = std::move(e);
  }
  errors_.clear();
  return first;
}

void ObserverSet::run_lane(std::size_t lane, const std::function<void(Estimator&)>& call) {
  for (const std::size_t i : lanes_[lane]) {
    try {
      call(*observers_[i]);
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
  pool_->start(lanes_.size(), [this](std::size_t lane) {
    run_lane(lane, [this](Estimator& o) { o.replay(replaying_); });
  });
}

void ObserverSet::finish_background_replay() {
  if (!pool_ || replaying_.empty())
    return;
  pool_->wait();
  replaying_.clear();
  const std::exception_ptr first = first_error();
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
