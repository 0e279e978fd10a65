#pragma once
// Per-packet CSV log (--packets-out): one row per packet, for debugging and cross-checking.

#include <optional>
#include <string>

#include "models/estimator.hpp"
#include "sim/core/output_file.hpp"

namespace rlisim::run {

/// Writes one CSV row per packet: arrival_ps, source, seq, kind, src, dst, src_port, dst_port,
/// protocol, bytes, port, dropped, egress_ps, delay_ps. Times are exact integer picoseconds.
class PacketLog final : public models::Estimator {
 public:
  /// @throws core::OutputError if the file cannot be created.
  explicit PacketLog(const std::string& path);

  std::string_view name() const override { return "packet_log"; }
  void on_ingress(const core::Packet&, models::FlowId) override {}
  void on_egress(const core::Packet& p, models::FlowId flow, models::PortId port,
                 core::Time egress_time) override;
  void on_drop(const core::Packet& p, models::FlowId flow, models::PortId port) override;
  void replay(std::span<const models::Observation> batch) override {
    models::replay_each(*this, batch);
  }
  /// Closes the file. A failed write (e.g. disk full) does not stop the run, whose other results
  /// are still written: its message is error() from then on.
  void finalize() override;
  const std::optional<std::string>& error() const { return error_; }
  /// No per-flow state.
  core::Time settled_through() const override { return core::Time::max(); }

 private:
  void write_row(const core::Packet& p, models::PortId port, bool dropped, core::Time egress);
  core::OutputFile file_;
  std::optional<std::string> error_;
};

}  // namespace rlisim::run
