#include "models/observer_set.hpp"

#include <algorithm>
#include <exception>

namespace rlisim::models {

void ObserverSet::flush() {
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
  // An observer that throws stops there; the others still get the whole batch, so they agree
  // with the router, which has routed every packet of it. The first error is rethrown.
  for (Estimator* o : observers_) {
    try {
      o->replay(pending_);
    } catch (...) {
      if (!first_error)
        first_error = std::current_exception();
    }
  }
  if (first_error)
    std::rethrow_exception(first_error);
  if (since_retired_ >= retirement_interval_)
    retire_ended_flows();
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
