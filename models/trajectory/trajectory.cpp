#include "models/trajectory/trajectory.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "models/packet_hash.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::trajectory {
namespace {

constexpr std::uint64_t kIngressStream = 1;
constexpr std::uint64_t kEgressStream = 2;

bool is_reference(const core::Packet& p) {
  return p.kind == core::PacketKind::kReference;
}

}  // namespace

void TrajectoryConfig::validate() const {
  if (!(probability > 0.0 && probability <= 1.0)) {
    throw std::invalid_argument(
        fmt::format("trajectory: probability must be in (0, 1] (got {})", probability));
  }
}

TrajectorySampling::TrajectorySampling(const TrajectoryConfig& config)
    : config_(config),
      label_seed_(core::mix64(config.seed ^ 0x7261'6a65'6374'6f72ULL)),
      hasher_(config.seed),
      ingress_rng_(core::make_rng(config.seed, kIngressStream)),
      egress_rng_(core::make_rng(config.seed, kEgressStream)) {
  config_.validate();
}

std::uint64_t TrajectorySampling::label(const core::Packet& p) const {
  return packet_hash(p, label_seed_);
}

bool TrajectorySampling::sampled_at_ingress(const core::Packet& p, FlowId flow) {
  if (config_.consistent)
    return hash_selects(hasher_.at_ingress(p, flow), config_.probability);
  return core::uniform01(ingress_rng_) < config_.probability;
}

bool TrajectorySampling::sampled_at_egress(const core::Packet& p, FlowId flow) {
  if (config_.consistent)
    return hash_selects(hasher_.at_egress(p, flow), config_.probability);
  return core::uniform01(egress_rng_) < config_.probability;
}

void TrajectorySampling::on_ingress(const core::Packet& p, FlowId flow) {
  if (is_reference(p) || !sampled_at_ingress(p, flow))
    return;
  ++sampled_in_;
  const std::int64_t at = p.arrival.count();
  latest_ingress_ = std::max(latest_ingress_, at);
  while (!departures_.empty() && departures_.top() <= latest_ingress_)
    departures_.pop();
  // A label collision (two packets in flight with one 64-bit label) keeps the earlier one.
  in_flight_.try_emplace(label(p), at);
  peak_in_flight_ =
      std::max<std::uint64_t>(peak_in_flight_, in_flight_.size() + departures_.size());
}

void TrajectorySampling::on_egress(const core::Packet& p, FlowId flow, PortId port,
                                   core::Time egress_time) {
  (void)port;
  if (is_reference(p))
    return;
  const bool sampled = sampled_at_egress(p, flow);
  sampled_out_ += sampled ? 1 : 0;
  // Consistent: a packet not sampled here was not sampled at ingress either.
  if (config_.consistent && !sampled)
    return;
  const auto it = in_flight_.find(label(p));
  if (it == in_flight_.end()) {
    unmatched_ += sampled ? 1 : 0;
    return;
  }
  if (!sampled) {
    // Sampled at ingress only (non-consistent mode): the label's egress report never comes.
    ++unmatched_;
    in_flight_.erase(it);
    return;
  }
  const std::int64_t out = egress_time.count();
  DelayMoments& moments = flows_.ensure(flow, [] { return DelayMoments{}; });
  flows_with_samples_ += moments.count() == 0 ? 1 : 0;
  moments.add(core::Time{out - it->second});
  ++matched_;
  in_flight_.erase(it);
  if (out > latest_ingress_)
    departures_.push(out);
}

void TrajectorySampling::on_drop(const core::Packet& p, FlowId flow, PortId port) {
  (void)flow;
  (void)port;
  if (is_reference(p))
    return;
  const auto it = in_flight_.find(label(p));
  if (it == in_flight_.end())
    return;
  in_flight_.erase(it);
  ++sampled_lost_;
}

void TrajectorySampling::finalize() {
  unmatched_ += in_flight_.size();
  in_flight_.clear();
  departures_ = {};
}

std::optional<FlowDelayEstimate> TrajectorySampling::estimate(FlowId flow) const {
  if (flow >= flows_.size() || flows_[flow].count() == 0)
    return std::nullopt;
  const DelayMoments& m = flows_[flow];
  FlowDelayEstimate e;
  e.samples = m.count();
  e.mean_ps = m.mean_ps();
  if (m.count() >= 2)
    e.std_ps = m.stddev_ps();
  return e;
}

EstimatorCost TrajectorySampling::cost() const {
  EstimatorCost c;
  c.state_bytes = peak_in_flight_ * kLabelBytes;
  c.export_bytes = (sampled_in_ + sampled_out_) * kLabelBytes;
  c.delay_samples = matched_;
  return c;
}

std::vector<NamedCounter> TrajectorySampling::counters() const {
  return {
      {"sampled_packets", static_cast<double>(sampled_in_)},
      {"matched", static_cast<double>(matched_)},
      {"sampled_lost", static_cast<double>(sampled_lost_)},
      {"flows_with_samples", static_cast<double>(flows_with_samples_)},
      {"unmatched", static_cast<double>(unmatched_)},
  };
}

}  // namespace rlisim::models::trajectory
