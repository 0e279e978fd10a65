#include "sim/run/rli_report.hpp"

#include <cmath>
#include <stdexcept>

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
  models::ErrorDistribution mean_error;
  models::ErrorDistribution std_error;
  std::optional<models::InterferenceSummary> interference;
  if (r.without_references)
    interference.emplace();
  for (const auto& [key, rec] : r.truth->flows()) {
    if (rec->kind != core::PacketKind::kRegular || !r.config.rli.receiver.measures(rec->port))
      continue;
    if (interference) {
      const auto* other = r.without_references->truth->find(*key);
      interference->add_flow(rec->delay.mean_ps(), other ? other->delay.mean_ps() : NAN,
                             r.without_references->fate_changes_of(*key));
    }
    const std::uint64_t delivered = rec->delay.count();
    if (delivered == 0)
      continue;
    ++report.flows_measured;
    const auto* est = r.rli->find(*key);
    const bool estimated = est != nullptr && est->packets > 0;
    report.flows_estimated += estimated ? 1 : 0;
    mean_error.add(estimated ? est->mean() : NAN, rec->delay.mean_ps(), delivered);
    if (delivered >= 2)
      std_error.add(estimated ? est->stddev() : NAN, rec->delay.stddev_ps(), delivered);
  }
  report.mean_error = mean_error.summary();
  report.std_error = std_error.summary();

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
