#include "sim/run/port_diagnostics.hpp"

#include <algorithm>

namespace rlisim::run {

std::string_view load_class_name(std::size_t load_class) {
  static constexpr std::array<std::string_view, kLoadClassBounds.size()> kNames = {
      "<0.5", "0.5-0.8", "0.8-0.95", ">=0.95"};
  return kNames.at(load_class);
}

PortDiagnostics::PortDiagnostics(std::vector<std::uint64_t> rates_bps,
                                 std::uint32_t extra_packet_lag) {
  std::vector<std::uint32_t> packet_lags = {1, 10, 30, 100, 300, 1000};
  if (extra_packet_lag > 0 && extra_packet_lag <= kMaxExtraPacketLag)
    packet_lags.push_back(extra_packet_lag);
  const auto time_lags =
      models::DelayAutocorrelation::log_spaced(core::microseconds(1), core::milliseconds(100), 3);
  for (const auto rate : rates_bps)
    ports_.push_back(Port{models::DelayAutocorrelation(packet_lags, time_lags), rate, {}});
}

void PortDiagnostics::on_egress(const core::Packet& p, models::FlowId, models::PortId port,
                                core::Time egress_time) {
  if (p.kind == core::PacketKind::kReference || port >= ports_.size())
    return;
  Port& s = ports_[port];
  s.correlation.add(egress_time, static_cast<double>((egress_time - p.arrival).count()));
  if (egress_time.count() < 0)
    return;
  const auto period = static_cast<std::size_t>(egress_time.count() / kLoadPeriod.count());
  if (period >= s.period_bytes.size())
    s.period_bytes.resize(period + 1, 0);
  // A period of 10 ms holds at most 4 GB (3.4 Tb/s): saturate rather than wrap.
  const std::uint64_t sum = std::uint64_t{s.period_bytes[period]} + p.wire_bytes;
  s.period_bytes[period] = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, UINT32_MAX));
}

double PortDiagnostics::utilization_at(models::PortId port, core::Time t) const {
  const Port& s = ports_.at(port);
  if (t.count() < 0 || s.rate_bps == 0)
    return 0;
  const auto period = static_cast<std::size_t>(t.count() / kLoadPeriod.count());
  if (period >= s.period_bytes.size())
    return 0;
  return static_cast<double>(s.period_bytes[period]) * 8.0 /
         (static_cast<double>(s.rate_bps) * core::to_seconds(kLoadPeriod));
}

std::size_t PortDiagnostics::load_class_at(models::PortId port, core::Time t) const {
  const double u = utilization_at(port, t);
  std::size_t c = 0;
  while (c + 1 < kLoadClassBounds.size() && u >= kLoadClassBounds[c + 1])
    ++c;
  return c;
}

std::array<std::uint64_t, kLoadClassBounds.size()> PortDiagnostics::periods_per_class(
    models::PortId port) const {
  std::array<std::uint64_t, kLoadClassBounds.size()> counts{};
  const auto& bytes = ports_.at(port).period_bytes;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    ++counts[load_class_at(port, core::Time{static_cast<std::int64_t>(i) * kLoadPeriod.count()})];
  return counts;
}

}  // namespace rlisim::run
