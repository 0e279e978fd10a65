#include "models/observer_set.hpp"

namespace rlisim::models {

void ObserverSet::flush() {
  // Whatever an observer throws, these observations are replayed once only.
  struct ClearOnExit {
    std::vector<Observation>& pending;
    ~ClearOnExit() { pending.clear(); }
  } clear_on_exit{pending_};
  for (Estimator* o : observers_) {
    for (const Observation& ob : pending_) {
      o->on_ingress(ob.packet, ob.flow);
      if (ob.outcome == kEgress)
        o->on_egress(ob.packet, ob.flow, ob.port, ob.egress_time);
      else if (ob.outcome == kDrop)
        o->on_drop(ob.packet, ob.flow, ob.port);
    }
  }
}

}  // namespace rlisim::models
