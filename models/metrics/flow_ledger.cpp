#include "models/metrics/flow_ledger.hpp"

namespace rlisim::models {

FlowTruth FlowTruth::of(const FlowRecord& record, bool quantiles) {
  FlowTruth t;
  t.offered_packets = record.offered_packets;
  t.offered_bytes = record.offered_bytes;
  t.dropped_packets = record.dropped_packets;
  t.delay = record.delay;
  if (quantiles) {
    t.p50_ps = record.p50_ps();
    t.p99_ps = record.p99_ps();
  }
  t.first_arrival = record.first_arrival;
  t.first_seen = record.first_seen;
  t.kind = record.kind;
  t.port = record.port;
  t.port_known = record.port_known;
  t.multiple_ports = record.multiple_ports;
  return t;
}

FlowLedger::FlowLedger(const GroundTruth& truth, std::vector<const FlowEstimator*> estimators)
    : truth_(&truth), estimators_(std::move(estimators)) {}

void FlowLedger::visit_live(FlowId id, const FlowRecord& record, bool quantiles,
                            std::vector<std::optional<FlowDelayEstimate>>& estimates,
                            const std::function<void(const FlowRow&)>& visit) const {
  const FlowTruth truth = FlowTruth::of(record, quantiles);
  for (std::size_t i = 0; i < estimators_.size(); ++i)
    estimates[i] = estimators_[i]->estimate(id);
  visit(FlowRow{.key = truth_->flow_index()->key(id), .truth = truth, .estimates = estimates});
}

void FlowLedger::for_each(const std::function<void(const FlowRow&)>& visit, bool quantiles) const {
  std::vector<std::optional<FlowDelayEstimate>> estimates(estimators_.size());
  for (const FlowEntry& flow : truth_->flows())
    visit_live(flow.id, *flow.record, quantiles, estimates, visit);
}

void FlowLedger::visit(FlowId first_seen, const std::function<void(const FlowRow&)>& visit) const {
  const FlowRecord* record = truth_->find(first_seen);
  if (record == nullptr || record->offered_packets == 0)
    return;
  std::vector<std::optional<FlowDelayEstimate>> estimates(estimators_.size());
  visit_live(first_seen, *record, true, estimates, visit);
}

}  // namespace rlisim::models
