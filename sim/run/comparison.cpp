#include "sim/run/comparison.hpp"

#include <vector>

namespace rlisim::run {

models::Comparison compare_run_estimators(const RunResult& r, core::WorkerPool* pool) {
  const models::BudgetBasis basis{
      .regular_packets = r.truth_regular.offered_packets,
      .regular_flows = r.truth_regular.flows,
      .seconds = core::to_seconds(arrival_window(r.first_arrival, r.last_arrival, r.packets))};
  models::FlowClasses load_classes;
  if (r.diagnostics) {
    load_classes.classes = kLoadClassBounds.size();
    // A flow with no known port (none delivered) is not eligible; class 0 keeps the index valid.
    load_classes.of = [&r](const models::FlowTruth& rec) {
      return rec.port_known && rec.port < r.diagnostics->ports()
                 ? r.diagnostics->load_class_at(rec.port, rec.first_arrival)
                 : std::size_t{0};
    };
  }
  return models::compare_estimators(*r.ledger, basis, load_classes, pool);
}

}  // namespace rlisim::run
