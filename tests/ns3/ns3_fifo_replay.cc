// Replays a pcap through ns-3 (a PointToPointNetDevice with a DropTail queue) and writes each
// packet's fate and delay: the independent reference for rlisim's router in the ns-3
// cross-check. ns-3's headers are C++17, so this program shares no code with rlisim.
//
// Usage: ns3_fifo_replay --pcap=IN.pcap --rate=BPS --queue-packets=N --out=FATES.csv
// Output: index,arrival_ns,bytes,dropped,delay_ns (one row per pcap record, in file order;
// delay_ns empty for a drop). Arrivals are rebased to the first record, as rlisim does.
//
// The setup is the simplest ns-3 FIFO with a drop-tail buffer and a transmitter at the rate:
//   - the sending device's queue is a DropTailQueue of N packets; the packet in transmission
//     has already left it (PointToPointNetDevice dequeues before transmitting), so N is a
//     waiting room (rlisim: buffer_packets = N, count_in_service = false);
//   - the channel delay and the interframe gap are 0, there is no internet stack and so no
//     traffic-control queue disc in front of the device;
//   - PointToPointNetDevice::Send adds a 2-byte PPP header, so a record of wire length L is
//     sent as an L - 2 byte packet and occupies the link for L bytes, as in rlisim;
//   - every send is scheduled before the simulation runs, so at an instant where a send and
//     a transmission-complete coincide, the send goes first (ns-3 runs events of equal time
//     in the order they were scheduled).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

namespace {

struct Record {
  std::int64_t arrival_ns = 0;
  std::uint32_t wire_bytes = 0;
};

struct Fate {
  bool dropped = false;
  bool delivered = false;
  std::int64_t delay_ns = 0;
};

constexpr std::uint32_t kPppHeaderBytes = 2;
constexpr std::uint16_t kIpv4Protocol = 0x0800;

// Reads with ns-3's own pcap reader (microsecond or nanosecond timestamps).
std::vector<Record> read_pcap(const std::string& path) {
  ns3::PcapFile file;
  file.Open(path, std::ios::in);
  if (file.Fail())
    NS_FATAL_ERROR(path << ": cannot open as pcap");
  const std::int64_t fraction_ns = file.IsNanoSecMode() ? 1 : 1000;
  std::vector<std::uint8_t> data(std::max<std::uint32_t>(file.GetSnapLen(), 1));
  std::vector<Record> records;
  std::int64_t first_ns = 0;
  for (;;) {
    std::uint32_t seconds = 0, fraction = 0, captured = 0, wire = 0, read = 0;
    file.Read(data.data(), static_cast<std::uint32_t>(data.size()), seconds, fraction, captured,
              wire, read);
    if (file.Eof())
      break;
    if (file.Fail())
      NS_FATAL_ERROR(path << ": read error after record " << records.size());
    const std::int64_t ns = std::int64_t{seconds} * 1'000'000'000 + fraction * fraction_ns;
    if (records.empty())
      first_ns = ns;
    if (wire <= kPppHeaderBytes)
      NS_FATAL_ERROR(path << ": record " << records.size() << " is too short (" << wire << " B)");
    records.push_back(Record{ns - first_ns, wire});
  }
  return records;
}

class Replay {
 public:
  Replay(std::vector<Record> records, ns3::Ptr<ns3::NetDevice> sender,
         ns3::Ptr<ns3::NetDevice> receiver)
      : records_(std::move(records)),
        fates_(records_.size()),
        sender_(sender),
        receiver_(receiver) {
    receiver_->SetReceiveCallback(ns3::MakeCallback(&Replay::Receive, this));
  }

  void ScheduleAll() {
    for (std::uint32_t i = 0; i < records_.size(); ++i)
      ns3::Simulator::Schedule(ns3::NanoSeconds(records_[i].arrival_ns), &Replay::Send, this, i);
  }

  void Write(const std::string& path) const {
    std::FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr)
      NS_FATAL_ERROR(path << ": cannot create");
    std::fputs("index,arrival_ns,bytes,dropped,delay_ns\n", out);
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const Fate& f = fates_[i];
      if (!f.dropped && !f.delivered)
        NS_FATAL_ERROR("packet " << i << " was neither dropped nor delivered");
      if (f.dropped) {
        std::fprintf(out, "%zu,%lld,%u,1,\n", i, static_cast<long long>(records_[i].arrival_ns),
                     records_[i].wire_bytes);
      } else {
        std::fprintf(out, "%zu,%lld,%u,0,%lld\n", i, static_cast<long long>(records_[i].arrival_ns),
                     records_[i].wire_bytes, static_cast<long long>(f.delay_ns));
      }
    }
    if (std::fclose(out) != 0)
      NS_FATAL_ERROR(path << ": write failed");
  }

 private:
  void Send(std::uint32_t index) {
    ns3::Ptr<ns3::Packet> packet =
        ns3::Create<ns3::Packet>(records_[index].wire_bytes - kPppHeaderBytes);
    index_of_uid_.emplace(packet->GetUid(), index);
    // Send returns false when the queue refuses the packet (drop-tail).
    if (!sender_->Send(packet, receiver_->GetAddress(), kIpv4Protocol))
      fates_[index].dropped = true;
  }

  bool Receive(ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet, std::uint16_t,
               const ns3::Address&) {
    const auto it = index_of_uid_.find(packet->GetUid());
    if (it == index_of_uid_.end())
      NS_FATAL_ERROR("received a packet that was never sent");
    Fate& f = fates_[it->second];
    f.delivered = true;
    f.delay_ns = ns3::Simulator::Now().GetNanoSeconds() - records_[it->second].arrival_ns;
    index_of_uid_.erase(it);
    return true;
  }

  std::vector<Record> records_;
  std::vector<Fate> fates_;
  ns3::Ptr<ns3::NetDevice> sender_;
  ns3::Ptr<ns3::NetDevice> receiver_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_of_uid_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string pcap_path;
  std::string out_path;
  std::uint64_t rate_bps = 0;
  std::uint32_t queue_packets = 0;
  ns3::CommandLine cmd(__FILE__);
  cmd.AddValue("pcap", "input pcap (link type RAW: the record length is the IP length)", pcap_path);
  cmd.AddValue("rate", "link rate in bit/s", rate_bps);
  cmd.AddValue("queue-packets", "DropTail queue size in packets (waiting room)", queue_packets);
  cmd.AddValue("out", "output CSV", out_path);
  cmd.Parse(argc, argv);
  if (pcap_path.empty() || out_path.empty() || rate_bps == 0 || queue_packets == 0) {
    std::fprintf(stderr, "usage: %s --pcap=IN --rate=BPS --queue-packets=N --out=CSV\n", argv[0]);
    return 2;
  }

  ns3::NodeContainer nodes;
  nodes.Create(2);
  ns3::PointToPointHelper link;
  link.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(rate_bps)));
  link.SetDeviceAttribute("InterframeGap", ns3::TimeValue(ns3::Seconds(0)));
  link.SetChannelAttribute("Delay", ns3::TimeValue(ns3::Seconds(0)));
  link.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
                ns3::QueueSizeValue(ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, queue_packets)));
  ns3::NetDeviceContainer devices = link.Install(nodes);

  Replay replay(read_pcap(pcap_path), devices.Get(0), devices.Get(1));
  replay.ScheduleAll();
  ns3::Simulator::Run();
  ns3::Simulator::Destroy();
  replay.Write(out_path);
  return 0;
}
