#pragma once
// ON/OFF cross traffic with Pareto ON and OFF periods: bursty, long-range dependent load.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/core/packet_source.hpp"
#include "traces/synthetic/cross_traffic.hpp"

namespace rlisim::traces {

/// How packets leave during an ON period.
/// - kBackToBack: each packet starts when the previous one has been serialised at the peak
///   rate (spacing = size * 8 / peak), like a greedy sender behind a peak-rate link.
/// - kPoisson: Poisson arrivals at the peak rate.
enum class OnMode : std::uint8_t { kBackToBack, kPoisson };

/// "back-to-back" / "poisson".
std::string_view to_string(OnMode mode);

/// ON/OFF parameters. Periods are (untruncated) Pareto with the given shapes and means, so
/// alpha must exceed 1; a superposition of such sources is long-range dependent with Hurst
/// parameter H = (3 - alpha) / 2 (anchors.md §5).
struct OnOffConfig {
  double alpha_on = 1.5;
  double alpha_off = 1.5;
  core::Time mean_on = core::milliseconds(10);
  core::Time mean_off = core::milliseconds(40);
  OnMode on_mode = OnMode::kBackToBack;
};

/// Pareto ON/OFF cross traffic whose long-run average bit rate is `rate`: the peak rate is
/// rate * (E[ON] + E[OFF]) / E[ON].
///
/// In back-to-back mode the last packet of an ON period may end after the period: that
/// overshoot is carried as a debt that shortens the next ON period, so the busy time (and the
/// bits sent) telescopes to sum(ON) and the long-run rate is exact; the next OFF period starts
/// when the last packet is serialised, so packets never overlap. In Poisson mode the expected
/// bits of an ON period of length L are exactly peak * L. The source starts ON with
/// probability E[ON] / (E[ON] + E[OFF]), with a fresh (not residual) first period.
///
/// Convergence is slow: with alpha = 1.5 the variance of the periods is infinite, and the
/// achieved rate over n cycles deviates like n^(1 - 1/alpha) / n. Random streams:
/// core::make_rng(seed, 21) for periods and Poisson times, (seed, 22) for sizes and keys.
class OnOffSource final : public core::PacketSource {
 public:
  /// @throws core::ConfigError naming the key if validate(config, "on_off") fails, an alpha is
  ///         outside (1, 10], or a mean period is not positive.
  OnOffSource(CrossTrafficConfig config, OnOffConfig on_off);

  bool next(core::Packet& out) override;
  /// "on_off(100 Mb/s, peak 500 Mb/s, alpha 1.5/1.5, seed 1)".
  std::string describe() const override;
  std::optional<double> progress() const override;
  /// packets, wire_bytes, on_periods (in that order).
  std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const override;

  const CrossTrafficConfig& config() const { return config_; }
  /// The rate while ON, bits per second.
  double peak_rate_bps() const { return peak_bps_; }
  const std::vector<core::FlowKey>& flow_keys() const { return keys_; }
  /// ON periods begun so far.
  std::uint64_t on_periods() const { return on_periods_; }

 private:
  void begin_on(double at_ps);

  CrossTrafficConfig config_;
  OnOffConfig on_off_;
  std::vector<core::FlowKey> keys_;
  std::mt19937_64 period_rng_;
  std::mt19937_64 size_rng_;
  double peak_bps_ = 0;
  double scale_on_ps_ = 0;
  double scale_off_ps_ = 0;
  double poisson_gap_ps_ = 0;  // mean gap at the peak rate (Poisson mode)
  double start_ps_ = 0;
  double end_ps_ = 0;
  double on_end_ps_ = 0;  // end of the current ON period (after the debt)
  double next_ps_ = 0;    // next packet time within the ON period
  double debt_ps_ = 0;    // back-to-back overshoot carried into the next ON period
  std::uint64_t packets_ = 0;
  std::uint64_t wire_bytes_ = 0;
  std::uint64_t on_periods_ = 0;
};

}  // namespace rlisim::traces
