#include "sim/run/packet_log.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::run {

PacketLog::PacketLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw core::ConfigError(fmt::format("{}: cannot create the packet log", path));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  fmt::print(file_,
             "arrival_ps,source,seq,kind,src,dst,src_port,dst_port,protocol,bytes,port,dropped,"
             "egress_ps,delay_ps\n");
}

PacketLog::~PacketLog() {
  if (file_)
    std::fclose(file_);
}

void PacketLog::write_row(const core::Packet& p, models::PortId port, bool dropped,
                          core::Time egress) {
  static constexpr const char* kKinds[] = {"regular", "cross", "reference"};
  const auto kind = kKinds[static_cast<int>(p.kind)];
  if (dropped) {
    fmt::print(file_, "{},{},{},{},{},{},{},{},{},{},{},1,,\n", p.arrival.count(), p.source, p.seq,
               kind, p.flow.src_string(), p.flow.dst_string(), p.flow.src_port, p.flow.dst_port,
               p.flow.protocol, p.wire_bytes, port);
  } else {
    fmt::print(file_, "{},{},{},{},{},{},{},{},{},{},{},0,{},{}\n", p.arrival.count(), p.source,
               p.seq, kind, p.flow.src_string(), p.flow.dst_string(), p.flow.src_port,
               p.flow.dst_port, p.flow.protocol, p.wire_bytes, port, egress.count(),
               (egress - p.arrival).count());
  }
}

void PacketLog::on_egress(const core::Packet& p, models::PortId port, core::Time egress_time) {
  write_row(p, port, false, egress_time);
}

void PacketLog::on_drop(const core::Packet& p, models::PortId port) {
  write_row(p, port, true, {});
}

void PacketLog::finalize() {
  if (!file_)
    return;
  const bool failed = std::ferror(file_) != 0;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed || close_failed) {
    throw core::ConfigError(fmt::format("{}: writing the packet log failed", path_));
  }
}

}  // namespace rlisim::run
