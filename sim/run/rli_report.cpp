#include "sim/run/rli_report.hpp"

#include <cmath>
#include <stdexcept>

#include "sim/run/comparison.hpp"
#include "sim/run/scenario.hpp"

namespace rlisim::run {
namespace {

double ratio(std::uint64_t a, std::uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

}  // namespace

RliReport evaluate_rli(const RunResult& r) {
  if (!r.rli)
    throw std::logic_error("evaluate_rli: the run had no RLI receiver");
  RliReport report;
  const auto& receiver = r.config.rli.receiver;
  auto score = score_estimator(
      *r.truth, *r.rli, [&](const models::FlowRecord& rec) { return receiver.measures(rec.port); });
  report.mean_error = std::move(score.mean_error);
  report.std_error = std::move(*score.std_error);
  report.flows_measured = score.flows_measured;
  report.flows_estimated = score.flows_estimated;

  std::optional<models::InterferenceSummary> interference;
  if (r.without_references) {
    interference.emplace();
    for (const auto& [key, rec] : r.truth->flows()) {
      if (rec->kind != core::PacketKind::kRegular || !receiver.measures(rec->port))
        continue;
      const auto* other = r.without_references->truth->find(*key);
      interference->add_flow(rec->delay.mean_ps(), other ? other->delay.mean_ps() : NAN,
                             r.without_references->fate_changes_of(*key));
    }
  }

  auto& o = report.overhead;
  for (const auto& s : r.rli_senders) {
    o.references += s.counters.references;
    o.reference_bytes += s.counters.reference_bytes;
    o.skipped_by_cap += s.counters.skipped_by_cap;
    o.egress_packets += s.counters.egress_packets;
    o.egress_bytes += s.counters.egress_bytes;
    o.regular_packets += s.counters.regular_packets;
  }
  o.reference_drops = r.truth->summary(core::PacketKind::kReference).dropped_packets;
  o.packet_share = ratio(o.references, o.egress_packets);
  o.byte_share = ratio(o.reference_bytes, o.egress_bytes);
  o.references_per_regular_packet = ratio(o.references, o.regular_packets);

  if (interference) {
    const auto with = r.truth_regular;
    const auto without = r.without_references->truth->summary(core::PacketKind::kRegular);
    interference->add_loss(with.offered_packets, with.dropped_packets, without.offered_packets,
                           without.dropped_packets);
    report.interference = interference->summary();
  }
  return report;
}

}  // namespace rlisim::run
