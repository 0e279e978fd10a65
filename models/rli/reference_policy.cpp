#include "models/rli/reference_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace rlisim::models::rli {
namespace {

// The random stream of the periodic jitter (distinct from every traffic source's stream).
constexpr std::uint64_t kJitterStream = 0x524c4953;  // "RLIS"

}  // namespace

std::string canonical_preset_name(std::string_view name) {
  if (name == "A")
    return "fewer-at-high-load";
  if (name == "B")
    return "more-at-high-load";
  return std::string(name);
}

std::vector<UtilizationStep> preset_table(std::string_view name) {
  const std::string full = canonical_preset_name(name);
  if (full == "fewer-at-high-load")
    return {{0.0, 10}, {0.3, 30}, {0.5, 100}, {0.7, 300}};
  if (full == "more-at-high-load")
    return {{0.0, 300}, {0.3, 100}, {0.5, 30}, {0.7, 10}};
  throw std::invalid_argument(
      fmt::format("rli: unknown adaptive preset '{}'; expected one of: fewer-at-high-load (A), "
                  "more-at-high-load (B)",
                  name));
}

std::vector<std::string> preset_names() {
  return {"fewer-at-high-load", "more-at-high-load"};
}

void validate(const ReferencePolicyConfig& c) {
  if (c.reference_bytes == 0)
    throw std::invalid_argument("rli: reference_bytes must be >= 1");
  if (!(c.max_byte_share > 0 && c.max_byte_share <= 1)) {
    throw std::invalid_argument(
        fmt::format("rli: max_byte_share must be in (0, 1] (got {})", c.max_byte_share));
  }
  switch (c.kind) {
    case PolicyKind::kStatic:
      if (c.n == 0)
        throw std::invalid_argument("rli: n must be >= 1 (one reference per n regular packets)");
      break;
    case PolicyKind::kPeriodic:
      if (c.period.count() <= 0)
        throw std::invalid_argument("rli: period must be > 0");
      if (!(c.jitter >= 0 && c.jitter < 1))
        throw std::invalid_argument(
            fmt::format("rli: jitter must be in [0, 1) (got {})", c.jitter));
      break;
    case PolicyKind::kAdaptive:
      if (c.table.empty())
        throw std::invalid_argument("rli: the adaptive policy needs a non-empty table");
      if (c.table.front().utilization != 0) {
        throw std::invalid_argument(
            fmt::format("rli: the adaptive table must start at utilization 0 (got {})",
                        c.table.front().utilization));
      }
      for (std::size_t i = 0; i < c.table.size(); ++i) {
        const auto& row = c.table[i];
        if (row.n == 0)
          throw std::invalid_argument(fmt::format("rli: table row {}: n must be >= 1", i));
        if (!std::isfinite(row.utilization) || row.utilization < 0 || row.utilization > 1) {
          throw std::invalid_argument(fmt::format(
              "rli: table row {}: utilization must be in [0, 1] (got {})", i, row.utilization));
        }
        if (i > 0 && row.utilization <= c.table[i - 1].utilization) {
          throw std::invalid_argument(
              fmt::format("rli: table row {}: utilizations must increase strictly ({} after {})", i,
                          row.utilization, c.table[i - 1].utilization));
        }
      }
      if (c.window.count() <= 0)
        throw std::invalid_argument("rli: window must be > 0");
      if (!(c.ewma_weight > 0 && c.ewma_weight <= 1)) {
        throw std::invalid_argument(
            fmt::format("rli: ewma_weight must be in (0, 1] (got {})", c.ewma_weight));
      }
      break;
  }
}

std::uint32_t n_for_utilization(const ReferencePolicyConfig& c, double u) {
  const auto& t = c.table;
  // The last row whose threshold is <= u (rows are sorted and start at 0).
  std::size_t i = 0;
  while (i + 1 < t.size() && t[i + 1].utilization <= u)
    ++i;
  if (!c.interpolate || i + 1 == t.size())
    return t[i].n;
  const double f = (u - t[i].utilization) / (t[i + 1].utilization - t[i].utilization);
  const double n = static_cast<double>(t[i].n) +
                   f * (static_cast<double>(t[i + 1].n) - static_cast<double>(t[i].n));
  return static_cast<std::uint32_t>(std::max(1.0, std::round(n)));
}

ReferenceSender::ReferenceSender(const ReferencePolicyConfig& config, core::BitsPerSecond link_rate)
    : config_(config),
      rng_(core::make_rng(config.seed, kJitterStream)),
      utilization_(std::numeric_limits<double>::quiet_NaN()) {
  validate(config_);
  if (link_rate.value == 0)
    throw std::invalid_argument("rli: the egress link rate must be > 0");
  switch (config_.kind) {
    case PolicyKind::kStatic:
      n_ = config_.n;
      break;
    case PolicyKind::kPeriodic:
      next_due_ = config_.period;
      break;
    case PolicyKind::kAdaptive:
      // Until the first window closes, the table's row for an idle link applies.
      n_ = n_for_utilization(config_, 0.0);
      window_end_ = config_.window;
      link_bits_per_window_ =
          static_cast<double>(link_rate.value) * core::to_seconds(config_.window);
      break;
  }
}

bool ReferenceSender::within_cap() const {
  if (config_.max_byte_share >= 1)
    return true;
  const double s = config_.reference_bytes;
  return static_cast<double>(counters_.reference_bytes) + s <=
         config_.max_byte_share * (static_cast<double>(counters_.egress_bytes) + s);
}

bool ReferenceSender::take_due() {
  const core::Time due = *next_due_;
  core::Time gap = config_.period;
  if (config_.jitter > 0) {
    const double u = 2.0 * core::uniform01(rng_) - 1.0;
    gap = core::Time{static_cast<std::int64_t>(
        std::llround(static_cast<double>(config_.period.count()) * (1.0 + config_.jitter * u)))};
    gap = std::max(gap, core::Time{1});
  }
  next_due_ = due + gap;
  if (within_cap())
    return true;
  ++counters_.skipped_by_cap;
  return false;
}

void ReferenceSender::advance_windows(core::Time t) {
  if (t < window_end_)
    return;
  const double beta = config_.ewma_weight;
  const auto close = [&](double u_window) {
    utilization_ = std::isnan(utilization_) || beta >= 1
                       ? u_window
                       : (1 - beta) * utilization_ + beta * u_window;
    ++counters_.windows;
  };
  close(std::min(1.0, static_cast<double>(window_bytes_) * 8.0 / link_bits_per_window_));
  window_bytes_ = 0;
  window_end_ += config_.window;
  if (t >= window_end_) {
    // Idle windows: each one pulls the average towards 0; closed form, so a long gap costs
    // O(1) rather than one step per window.
    const std::int64_t idle = (t - window_end_).count() / config_.window.count() + 1;
    utilization_ = beta >= 1 ? 0.0 : utilization_ * std::pow(1 - beta, static_cast<double>(idle));
    counters_.windows += static_cast<std::uint64_t>(idle);
    window_end_ += config_.window * idle;
  }
  const std::uint32_t n = n_for_utilization(config_, utilization_);
  if (n != n_) {
    n_ = n;
    ++counters_.n_changes;
  }
}

bool ReferenceSender::on_packet(core::Time arrival, std::uint32_t wire_bytes, bool regular) {
  if (config_.kind == PolicyKind::kAdaptive)
    advance_windows(arrival);
  window_bytes_ += wire_bytes;
  ++counters_.egress_packets;
  counters_.egress_bytes += wire_bytes;
  if (!regular)
    return false;
  ++counters_.regular_packets;
  if (config_.kind == PolicyKind::kPeriodic)
    return false;
  if (++since_reference_ < n_)
    return false;
  since_reference_ = 0;
  if (within_cap())
    return true;
  ++counters_.skipped_by_cap;
  return false;
}

void ReferenceSender::on_reference(core::Time t) {
  if (config_.kind == PolicyKind::kAdaptive)
    advance_windows(t);
  window_bytes_ += config_.reference_bytes;
  ++counters_.references;
  counters_.reference_bytes += config_.reference_bytes;
  ++counters_.egress_packets;
  counters_.egress_bytes += config_.reference_bytes;
}

}  // namespace rlisim::models::rli
