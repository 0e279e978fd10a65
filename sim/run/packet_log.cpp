#include "sim/run/packet_log.hpp"

namespace rlisim::run {

PacketLog::PacketLog(const std::string& path) : file_(path, "packet log") {
  file_.write(
      "arrival_ps,source,seq,kind,src,dst,src_port,dst_port,protocol,bytes,port,dropped,"
      "egress_ps,delay_ps\n");
}

void PacketLog::write_row(const core::Packet& p, models::PortId port, bool dropped,
                          core::Time egress) {
  static constexpr const char* kKinds[] = {"regular", "cross", "reference"};
  const auto kind = kKinds[static_cast<int>(p.kind)];
  if (dropped) {
    file_.print("{},{},{},{},{},{},{},{},{},{},{},1,,\n", p.arrival.count(), p.source, p.seq, kind,
                p.flow.src_string(), p.flow.dst_string(), p.flow.src_port, p.flow.dst_port,
                p.flow.protocol, p.wire_bytes, port);
  } else {
    file_.print("{},{},{},{},{},{},{},{},{},{},{},0,{},{}\n", p.arrival.count(), p.source, p.seq,
                kind, p.flow.src_string(), p.flow.dst_string(), p.flow.src_port, p.flow.dst_port,
                p.flow.protocol, p.wire_bytes, port, egress.count(), (egress - p.arrival).count());
  }
}

void PacketLog::on_egress(const core::Packet& p, models::FlowId, models::PortId port,
                          core::Time egress_time) {
  write_row(p, port, false, egress_time);
}

void PacketLog::on_drop(const core::Packet& p, models::FlowId, models::PortId port) {
  write_row(p, port, true, {});
}

void PacketLog::finalize() {
  try {
    file_.close();
  } catch (const core::OutputError& e) {
    error_ = e.what();
  }
}

}  // namespace rlisim::run
