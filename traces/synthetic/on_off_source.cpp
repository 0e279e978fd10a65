#include "traces/synthetic/on_off_source.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "traces/synthetic/sampling.hpp"

namespace rlisim::traces {
namespace {

constexpr double kPsPerSecond = 1e12;

OnOffConfig checked(const OnOffConfig& c) {
  const auto alpha_ok = [](double a) { return std::isfinite(a) && a > 1 && a <= 10; };
  if (!alpha_ok(c.alpha_on)) {
    throw core::ConfigError(fmt::format(
        "on_off.alpha_on = {}: expected a Pareto shape in (1, 10] (the mean must be finite)",
        c.alpha_on));
  }
  if (!alpha_ok(c.alpha_off)) {
    throw core::ConfigError(fmt::format(
        "on_off.alpha_off = {}: expected a Pareto shape in (1, 10] (the mean must be finite)",
        c.alpha_off));
  }
  if (c.mean_on.count() <= 0) {
    throw core::ConfigError(fmt::format("on_off.mean_on = {}: expected a duration > 0",
                                        core::format_duration(c.mean_on)));
  }
  if (c.mean_off.count() <= 0) {
    throw core::ConfigError(fmt::format("on_off.mean_off = {}: expected a duration > 0",
                                        core::format_duration(c.mean_off)));
  }
  return c;
}

}  // namespace

std::string_view to_string(OnMode mode) {
  return mode == OnMode::kBackToBack ? "back-to-back" : "poisson";
}

OnOffSource::OnOffSource(CrossTrafficConfig config, OnOffConfig on_off)
    : config_((validate(config, "on_off"), std::move(config))),
      on_off_(checked(on_off)),
      keys_(cross_traffic_keys(config_.seed, config_.flows, config_.protocol)),
      period_rng_(core::make_rng(config_.seed, 21)),
      size_rng_(core::make_rng(config_.seed, 22)) {
  const auto on_ps = static_cast<double>(on_off_.mean_on.count());
  const auto off_ps = static_cast<double>(on_off_.mean_off.count());
  peak_bps_ = static_cast<double>(config_.rate.value) * (on_ps + off_ps) / on_ps;
  scale_on_ps_ = pareto_scale_for_mean(on_off_.alpha_on, on_ps);
  scale_off_ps_ = pareto_scale_for_mean(on_off_.alpha_off, off_ps);
  poisson_gap_ps_ = 8.0 * config_.size_mix.mean_bytes() / peak_bps_ * kPsPerSecond;
  start_ps_ = static_cast<double>(config_.start_offset.count());
  end_ps_ = start_ps_ + static_cast<double>(config_.duration.count());
  if (core::uniform01(period_rng_) < on_ps / (on_ps + off_ps)) {
    begin_on(start_ps_);
  } else {
    begin_on(start_ps_ + pareto_variate(period_rng_, on_off_.alpha_off, scale_off_ps_));
  }
}

void OnOffSource::begin_on(double at_ps) {
  ++on_periods_;
  on_end_ps_ = at_ps + pareto_variate(period_rng_, on_off_.alpha_on, scale_on_ps_) - debt_ps_;
  debt_ps_ = 0;
  next_ps_ = on_off_.on_mode == OnMode::kBackToBack
                 ? at_ps
                 : at_ps + core::exponential(period_rng_, poisson_gap_ps_);
}

bool OnOffSource::next(core::Packet& out) {
  for (;;) {
    if (next_ps_ >= end_ps_)
      return false;
    if (next_ps_ < on_end_ps_) {
      fill_cross_packet(out, next_ps_, config_.size_mix, size_rng_, keys_, packets_++);
      wire_bytes_ += out.wire_bytes;
      next_ps_ += on_off_.on_mode == OnMode::kBackToBack
                      ? 8.0 * out.wire_bytes / peak_bps_ * kPsPerSecond
                      : core::exponential(period_rng_, poisson_gap_ps_);
      return true;
    }
    // The ON period is over. Back-to-back: OFF starts once the last packet is serialised and
    // the overshoot is owed to the next ON period. Poisson: OFF starts at the nominal end.
    double off_start = on_end_ps_;
    if (on_off_.on_mode == OnMode::kBackToBack) {
      debt_ps_ = next_ps_ - on_end_ps_;
      off_start = next_ps_;
    }
    begin_on(off_start + pareto_variate(period_rng_, on_off_.alpha_off, scale_off_ps_));
  }
}

std::string OnOffSource::describe() const {
  return fmt::format("on_off({}, peak {}, alpha {}/{}, {}, seed {})",
                     core::format_rate(static_cast<double>(config_.rate.value)),
                     core::format_rate(peak_bps_), on_off_.alpha_on, on_off_.alpha_off,
                     to_string(on_off_.on_mode), config_.seed);
}

std::vector<std::pair<std::string, std::uint64_t>> OnOffSource::summary_counters() const {
  return {{"packets", packets_}, {"wire_bytes", wire_bytes_}, {"on_periods", on_periods_}};
}

std::optional<double> OnOffSource::progress() const {
  return std::clamp((next_ps_ - start_ps_) / (end_ps_ - start_ps_), 0.0, 1.0);
}

}  // namespace rlisim::traces
