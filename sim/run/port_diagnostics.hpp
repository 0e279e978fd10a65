#pragma once
// What explains an estimator's error, measured on the same run: how correlated each port's
// delays are at the references' spacing, and how loaded the port was when each flow started.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "models/estimator.hpp"
#include "models/metrics/delay_autocorrelation.hpp"

namespace rlisim::run {

/// Utilization classes of a load period, by lower bound; a flow belongs to the class of the
/// period in which its first packet arrived (at its egress port).
inline constexpr std::array<double, 4> kLoadClassBounds = {0.0, 0.5, 0.8, 0.95};
/// "<0.5", "0.5-0.8", "0.8-0.95", ">=0.95".
std::string_view load_class_name(std::size_t load_class);

/// Per egress port: the autocorrelation of the per-packet delay (regular and cross traffic,
/// not references) at packet lags {1, 10, 30, 100, 300, 1000} plus RLI's static n, and at time
/// lags from 1 us to 100 ms (3 per decade); and the utilization of every load period
/// (kLoadPeriod long: bytes sent in it * 8 / (rate * period)).
/// Memory: the packets of the last 100 ms per port, and 4 B per port per load period (1.4 MB
/// per port per hour of traffic).
class PortDiagnostics final : public models::Estimator {
 public:
  static constexpr core::Time kLoadPeriod = core::milliseconds(10);

  /// Longest extra packet lag measured: a lag of L packets keeps the last L delays (8 MiB
  /// here). RLI's 1-in-n goes up to 10^9, which would take 8 GiB.
  static constexpr std::uint32_t kMaxExtraPacketLag = std::uint32_t{1} << 20;

  /// `rates_bps` by port index (after utilization targeting); `extra_packet_lag` 0 for none,
  /// left out above kMaxExtraPacketLag (RLI's correlation at its reference spacing is then
  /// NaN, outside the measured lags).
  PortDiagnostics(std::vector<std::uint64_t> rates_bps, std::uint32_t extra_packet_lag);

  std::string_view name() const override { return "port_diagnostics"; }
  void on_ingress(const core::Packet&, models::FlowId) override {}
  void on_egress(const core::Packet& p, models::FlowId flow, models::PortId port,
                 core::Time egress_time) override;
  void on_drop(const core::Packet&, models::FlowId, models::PortId) override {}
  void replay(std::span<const models::Observation> batch) override {
    models::replay_each(*this, batch);
  }
  /// No per-flow state.
  core::Time settled_through() const override { return core::Time::max(); }

  std::size_t ports() const { return ports_.size(); }
  const models::DelayAutocorrelation& autocorrelation(models::PortId port) const {
    return ports_.at(port).correlation;
  }
  /// Utilization of `port` in the load period containing `t` (0 when nothing was sent).
  double utilization_at(models::PortId port, core::Time t) const;
  /// The load class (index into kLoadClassBounds) of `port` at `t`.
  std::size_t load_class_at(models::PortId port, core::Time t) const;
  /// Load periods of `port` per class.
  std::array<std::uint64_t, kLoadClassBounds.size()> periods_per_class(models::PortId port) const;

 private:
  struct Port {
    models::DelayAutocorrelation correlation;
    std::uint64_t rate_bps = 0;
    std::vector<std::uint32_t> period_bytes;
  };
  std::vector<Port> ports_;
};

}  // namespace rlisim::run
