#include "traces/synthetic/poisson_source.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace rlisim::traces {

PoissonSource::PoissonSource(CrossTrafficConfig config)
    : config_((validate(config, "poisson"), std::move(config))),
      keys_(cross_traffic_keys(config_.seed, config_.flows, config_.protocol)),
      time_rng_(core::make_rng(config_.seed, 11)),
      size_rng_(core::make_rng(config_.seed, 12)) {
  packets_per_second_ =
      static_cast<double>(config_.rate.value) / (8.0 * config_.size_mix.mean_bytes());
  mean_gap_ps_ = 1e12 / packets_per_second_;
  start_ps_ = static_cast<double>(config_.start_offset.count());
  end_ps_ = start_ps_ + static_cast<double>(config_.duration.count());
  next_ps_ = start_ps_ + core::exponential(time_rng_, mean_gap_ps_);
}

bool PoissonSource::next(core::Packet& out) {
  if (next_ps_ >= end_ps_)
    return false;
  fill_cross_packet(out, next_ps_, config_.size_mix, size_rng_, keys_, packets_++);
  wire_bytes_ += out.wire_bytes;
  next_ps_ += core::exponential(time_rng_, mean_gap_ps_);
  return true;
}

std::string PoissonSource::describe() const {
  return fmt::format("poisson({}, {} flow{}, seed {})",
                     core::format_rate(static_cast<double>(config_.rate.value)), config_.flows,
                     config_.flows == 1 ? "" : "s", config_.seed);
}

std::vector<std::pair<std::string, std::uint64_t>> PoissonSource::summary_counters() const {
  return {{"packets", packets_}, {"wire_bytes", wire_bytes_}};
}

std::optional<double> PoissonSource::progress() const {
  return std::clamp((next_ps_ - start_ps_) / (end_ps_ - start_ps_), 0.0, 1.0);
}

}  // namespace rlisim::traces
