#include "sim/run/rli_run.hpp"

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
  ledger.for_each([&](const models::FlowRow& flow) {
    const auto& rec = flow.truth;
    if (rec.kind != core::PacketKind::kRegular || !receiver.measures(rec.port))
      return;
    const auto* other = paired.truth->find(flow.key);
    interference.add_flow(rec.delay.mean_ps(), other ? other->delay.mean_ps() : NAN,
                          paired.fate_changes_of(flow.key));
  });
  const auto with = truth.summary(core::PacketKind::kRegular);
  const auto without = paired.truth->summary(core::PacketKind::kRegular);
  interference.add_loss(with.offered_packets, with.dropped_packets, without.offered_packets,
                        without.dropped_packets);
  return interference.summary();
}

}  // namespace

void PairedRun::process(const core::Packet& p, const net::PacketFate& fate) {
  const net::PacketFate other = router->process(p);
  ++packets;
  if (other.dropped != fate.dropped) {
    FateChanges& c = fate_changes[p.flow];
    if (fate.dropped)
      ++c.delivered_to_dropped;
    else
      ++c.dropped_to_delivered;
  }
}

RliRun::RliRun(const config::RliSpec& spec, net::Router& router,
               const models::GroundTruthConfig& truth_config)
    : EstimatorRun(make_receiver(spec, router)),
      spec_(spec),
      receiver_(static_cast<models::rli::RliReceiver*>(&estimator())) {
  for (std::size_t port = 0; port < router.config().egress.size(); ++port) {
    const auto id = static_cast<models::PortId>(port);
    if (spec.receiver.measures(id))
      router.add_reference_sender(id, spec.policy);
  }
  if (spec.interference) {
    paired_ = std::make_unique<PairedRun>();
    // Only per-flow means and drops are compared: no quantiles for the twin.
    auto twin_truth = truth_config;
    twin_truth.track_quantiles = false;
    paired_->truth = std::make_unique<models::GroundTruth>(twin_truth);
    paired_->router = std::make_unique<net::Router>(router.config());
    paired_->router->add_observer(*paired_->truth);
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
  if (paired_) {
    paired_->truth->finalize();
    for (const auto& port : paired_->router->ports())
      paired_->ports.push_back(port.counters());
  }
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
