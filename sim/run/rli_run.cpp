#include "sim/run/rli_run.hpp"

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"

namespace rlisim::run {
namespace {

double ratio(std::uint64_t a, std::uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

std::unique_ptr<models::rli::RliReceiver> make_receiver(const config::RliSpec& spec,
                                                        const net::Router& router) {
  auto receiver = spec.receiver;
  for (const auto& port : router.config().egress)
    receiver.link_rates_bps.push_back(port.rate.value);
  receiver.references_follow_trigger = spec.policy.kind != models::rli::PolicyKind::kPeriodic;
  return std::make_unique<models::rli::RliReceiver>(receiver);
}

RliOverhead overhead_of(const std::vector<RliSenderResult>& senders,
                        const models::GroundTruth& truth) {
  RliOverhead o;
  for (const auto& s : senders) {
    o.references += s.counters.references;
    o.reference_bytes += s.counters.reference_bytes;
    o.skipped_by_cap += s.counters.skipped_by_cap;
    o.egress_packets += s.counters.egress_packets;
    o.egress_bytes += s.counters.egress_bytes;
    o.regular_packets += s.counters.regular_packets;
  }
  o.reference_drops = truth.summary(core::PacketKind::kReference).dropped_packets;
  o.packet_share = ratio(o.references, o.egress_packets);
  o.byte_share = ratio(o.reference_bytes, o.egress_bytes);
  o.references_per_regular_packet = ratio(o.references, o.regular_packets);
  return o;
}

// Per-flow delay and loss with references against the paired run without them, over the
// regular flows of the measured ports.
models::InterferenceStats interference_of(const PairedRun& paired, const models::GroundTruth& truth,
                                          const models::FlowLedger& ledger,
                                          const models::rli::ReceiverConfig& receiver) {
  models::InterferenceSummary interference;
  ledger.for_each(
      [&](const models::FlowRow& flow) {
        const auto& rec = flow.truth;
        if (rec.kind != core::PacketKind::kRegular || !receiver.measures(rec.port))
          return;
        const auto* other = paired.row(rec.first_seen);
        interference.add_flow(rec.delay.mean_ps(), other ? other->mean_ps : NAN,
                              other ? other->fate_changes : 0);
      },
      /*quantiles=*/false, models::FlowLedger::kNoEstimates);
  const auto with = truth.summary(core::PacketKind::kRegular);
  interference.add_loss(with.offered_packets, with.dropped_packets, paired.regular_offered(),
                        paired.regular_dropped());
  return interference.summary();
}

}  // namespace

PairedRun::PairedRun(const net::RouterConfig& config) : router_(config) {}

void PairedRun::on_ingress(const core::Packet& p, models::FlowId flow) {
  (void)p;
  (void)flow;
  RLISIM_CHECK(!finalized_);
}

void PairedRun::on_egress(const core::Packet& p, models::FlowId flow, models::PortId port,
                          core::Time egress_time) {
  (void)port;
  (void)egress_time;
  if (p.kind != core::PacketKind::kReference)
    record(p, flow, true);
}

void PairedRun::on_drop(const core::Packet& p, models::FlowId flow, models::PortId port) {
  (void)port;
  if (p.kind != core::PacketKind::kReference)
    record(p, flow, false);
}

// The twin takes the packet once the main router has: a packet whose ingress the main router
// reported but could not route (its time overflowed) never reaches the twin, as it never
// reached the main run's results.
void PairedRun::record(const core::Packet& p, models::FlowId flow, bool delivered_with) {
  const net::PacketFate twin = router_.process(p);
  ++packets_;
  TwinFlow& f = flows_.ensure(flow, [] { return TwinFlow{}; });
  ++f.offered_packets;
  f.offered_bytes += p.wire_bytes;
  if (twin.dropped)
    ++f.dropped_packets;
  else
    f.delay.add(twin.delay());
  if (twin.dropped == delivered_with)
    ++f.fate_changes;
  if (p.kind == core::PacketKind::kRegular) {
    ++regular_offered_;
    regular_dropped_ += twin.dropped ? 1 : 0;
  }
}

void PairedRun::write_row(models::FlowId flow) {
  const TwinFlow* f = this->flow(flow);
  if (f == nullptr)
    return;
  rows_.push_back(Row{.serial = flow_index()->serial(flow),
                      .fate_changes = f->fate_changes,
                      .dropped_packets = f->dropped_packets,
                      .mean_ps = f->delay.mean_ps()});
}

void PairedRun::on_flow_final(models::FlowId flow) {
  write_row(flow);
}

void PairedRun::release_flow(models::FlowId flow) {
  if (flow < flows_.size())
    flows_[flow] = TwinFlow{};
}

void PairedRun::finalize() {
  if (finalized_)
    return;
  finalized_ = true;
  for (models::FlowId flow = 0; flow < flows_.size(); ++flow)
    write_row(flow);
  std::sort(rows_.begin(), rows_.end(),
            [](const Row& a, const Row& b) { return a.serial < b.serial; });
  for (const auto& port : router_.ports())
    ports_.push_back(port.counters());
}

const PairedRun::Row* PairedRun::row(std::uint32_t serial) const {
  RLISIM_CHECK(finalized_);
  const auto it = std::partition_point(rows_.begin(), rows_.end(),
                                       [serial](const Row& r) { return r.serial < serial; });
  return it != rows_.end() && it->serial == serial ? &*it : nullptr;
}

const TwinFlow* PairedRun::flow(models::FlowId flow) const {
  // Every packet recorded is offered, so a flow in use has offered packets.
  return flow < flows_.size() && flows_[flow].offered_packets != 0 ? &flows_[flow] : nullptr;
}

RliRun::RliRun(const config::RliSpec& spec, net::Router& router)
    : EstimatorRun(make_receiver(spec, router)),
      spec_(spec),
      receiver_(static_cast<models::rli::RliReceiver*>(&estimator())) {
  for (std::size_t port = 0; port < router.config().egress.size(); ++port) {
    const auto id = static_cast<models::PortId>(port);
    if (spec.receiver.measures(id))
      router.add_reference_sender(id, spec.policy);
  }
  if (spec.interference) {
    paired_ = std::make_unique<PairedRun>(router.config());
    router.add_observer(*paired_);
  }
}

void RliRun::finish(const net::Router& router, const models::GroundTruth& truth,
                    const models::FlowLedger& ledger, std::size_t index) {
  for (std::size_t port = 0; port < router.ports().size(); ++port) {
    const auto id = static_cast<models::PortId>(port);
    if (const auto* sender = router.reference_sender(id)) {
      senders_.push_back(RliSenderResult{.port = id,
                                         .counters = sender->counters(),
                                         .final_n = sender->current_n(),
                                         .last_utilization = sender->utilization()});
    }
  }
  if (paired_)
    paired_->finalize();
  RliScore s;
  RLISIM_CHECK(ledger.estimators()[index] == receiver_);
  auto score = models::score_estimator(ledger, index, [&](const models::FlowTruth& rec) {
    return spec_.receiver.measures(rec.port);
  });
  s.mean_error = std::move(score.mean_error);
  s.std_error = std::move(*score.std_error);
  s.flows_measured = score.flows_measured;
  s.flows_estimated = score.flows_estimated;
  s.overhead = overhead_of(senders_, truth);
  if (paired_)
    s.interference = interference_of(*paired_, truth, ledger, spec_.receiver);
  score_ = std::move(s);
}

const RliRun* find_rli(const RunResult& result) {
  for (const auto& e : result.estimators) {
    if (const auto* rli = dynamic_cast<const RliRun*>(e.get()))
      return rli;
  }
  return nullptr;
}

}  // namespace rlisim::run
