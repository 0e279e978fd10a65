#pragma once
// The observers of one router's taps and the run's flow index that addresses their state.

#include <memory>
#include <vector>

#include "models/estimator.hpp"
#include "models/flow_index.hpp"

namespace rlisim::models {

/// Feeds every observer the taps' observations in the order estimator.hpp promises, each with
/// the packet's FlowId: the key is looked up once, at ingress, and the id reused for the
/// packet's egress or drop (which always follows before the next ingress).
class ObserverSet {
 public:
  /// Observers are not owned and must outlive the set's use; they are called in the order
  /// they were added.
  void add(Estimator& observer) {
    observer.bind(index_);
    observers_.push_back(&observer);
  }
  bool empty() const { return observers_.empty(); }

  /// The ingress tap: looks up p's flow and tells every observer. Returns the id.
  FlowId ingress(const core::Packet& p) {
    if (observers_.empty())
      return current_;
    current_ = index_->id(p.flow);
    for (Estimator* o : observers_)
      o->on_ingress(p, current_);
    return current_;
  }
  /// The egress tap for the packet of the latest ingress().
  void egress(const core::Packet& p, PortId port, core::Time egress_time) {
    for (Estimator* o : observers_)
      o->on_egress(p, current_, port, egress_time);
  }
  /// The packet of the latest ingress() was dropped.
  void drop(const core::Packet& p, PortId port) {
    for (Estimator* o : observers_)
      o->on_drop(p, current_, port);
  }

  const FlowIndex& index() const { return *index_; }
  FlowIndex& index() { return *index_; }

 private:
  // Shared with the observers, whose results outlive the router that fed them.
  std::shared_ptr<FlowIndex> index_ = std::make_shared<FlowIndex>();
  std::vector<Estimator*> observers_;
  FlowId current_ = 0;
};

}  // namespace rlisim::models
