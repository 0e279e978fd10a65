#pragma once
// Test helper: observers fed as the router feeds them, through one ObserverSet, so that flow
// ids come from one index and the observers answer questions asked by flow key.

#include <initializer_list>
#include <vector>

#include "models/estimator.hpp"
#include "models/observer_set.hpp"

namespace rlisim::test {

using models::Estimator;
using models::FlowId;
using models::FlowIndex;
using models::ObserverSet;
using models::PortId;

class Taps {
 public:
  Taps(std::initializer_list<Estimator*> observers) : Taps(std::vector<Estimator*>(observers)) {}
  explicit Taps(const std::vector<Estimator*>& observers) {
    for (Estimator* o : observers)
      set_.add(*o);
  }
  explicit Taps(Estimator& observer) : Taps({&observer}) {}

  /// The packet's ingress; returns its flow's id.
  FlowId ingress(const core::Packet& p) {
    set_.ingress(p);
    return *set_.index().find(p.flow);
  }
  void egress(const core::Packet& p, PortId port, core::Time egress_time) {
    set_.egress(p, port, egress_time);
  }
  void drop(const core::Packet& p, PortId port) { set_.drop(p, port); }
  /// Ingress, then egress at `egress_time` (or a drop when `dropped`).
  void pass(const core::Packet& p, PortId port, core::Time egress_time, bool dropped = false) {
    ingress(p);
    if (dropped)
      drop(p, port);
    else
      egress(p, port, egress_time);
  }
  const FlowIndex& index() const { return set_.index(); }
  FlowIndex& index() { return set_.index(); }

 private:
  ObserverSet set_;
};

}  // namespace rlisim::test
