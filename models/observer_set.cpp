#include "models/observer_set.hpp"

#include <exception>

namespace rlisim::models {

void ObserverSet::flush() {
  // Whatever an observer throws, these observations are replayed once only.
  struct ClearOnExit {
    std::vector<Observation>& pending;
    ~ClearOnExit() { pending.clear(); }
  } clear_on_exit{pending_};
  // An observer that throws stops there; the others still get the whole batch, so they agree
  // with the router, which has routed every packet of it. The first error is rethrown.
  std::exception_ptr first_error;
  for (Estimator* o : observers_) {
    try {
      for (const Observation& ob : pending_) {
        o->on_ingress(ob.packet, ob.flow);
        if (ob.outcome == kEgress)
          o->on_egress(ob.packet, ob.flow, ob.port, ob.egress_time);
        else if (ob.outcome == kDrop)
          o->on_drop(ob.packet, ob.flow, ob.port);
      }
    } catch (...) {
      if (!first_error)
        first_error = std::current_exception();
    }
  }
  if (first_error)
    std::rethrow_exception(first_error);
}

}  // namespace rlisim::models
