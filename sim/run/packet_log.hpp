#pragma once
// Per-packet CSV log (--packets-out): one row per packet, for debugging and cross-checking.

#include <cstdio>
#include <string>

#include "models/estimator.hpp"

namespace rlisim::run {

/// Writes one CSV row per packet: arrival_ps, source, seq, kind, src, dst, src_port, dst_port,
/// protocol, bytes, port, dropped, egress_ps, delay_ps. Times are exact integer picoseconds.
class PacketLog final : public models::Estimator {
 public:
  /// @throws core::ConfigError if the file cannot be created.
  explicit PacketLog(const std::string& path);
  ~PacketLog() override;
  PacketLog(const PacketLog&) = delete;
  PacketLog& operator=(const PacketLog&) = delete;

  std::string_view name() const override { return "packet_log"; }
  void on_ingress(const core::Packet&) override {}
  void on_egress(const core::Packet& p, models::PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, models::PortId port) override;
  /// Flushes and closes; @throws core::ConfigError on a write error (e.g. disk full).
  void finalize() override;

 private:
  void write_row(const core::Packet& p, models::PortId port, bool dropped, core::Time egress);
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace rlisim::run
