// The committed real captures, checked against numbers from independent tools.
//
// Oracles (tshark 4.0 / tcpdump 4.99 / capinfos on the committed files):
//   gnutella.pcap
//     records 3905, EN10MB, snaplen 65535, us timestamps:   capinfos gnutella.pcap
//     IPv4 3814, IPv6 68:          tshark -q -z io,phs; tcpdump -r gnutella.pcap ip6 | wc -l
//     non-IP 23 = 22 ARP + 1 record with caplen 4 (too short for an Ethernet header):
//                                  tcpdump -r gnutella.pcap 'not ip and not ip6' | wc -l -> 22,
//                                  plus tshark's single "_ws.short" frame
//     flows 937, IP wire bytes 577,490, TCP 2149, UDP 1692, ICMP 29, other (IGMP) 12:
//       tshark -r gnutella.pcap -E occurrence=f -T fields -e ip.src -e ip.dst -e ipv6.src
//         -e ipv6.dst -e ip.proto -e ipv6.nxt -e ipv6.hopopts.nxt -e tcp.srcport -e tcp.dstport
//         -e udp.srcport -e udp.dstport -e frame.len
//       | awk: key = (src, dst, proto after hop-by-hop, ports only for TCP/UDP else 0),
//         count distinct keys and sum frame.len over IP frames
//     first IP packet 9.752391 s, last 599.747316 s (the first and last records, at 0.000022
//       and 600.247226 s, are not IP): tshark -Y "ip or ipv6" -T fields -e frame.time_epoch
//   1kxun-dirty.pcap
//     records 1723 (IPv4 1659, IPv6 64, non-IP 0), flows 297, wire bytes 2,527,774,
//     38 frames over 9216 B, largest 37,506 B: same tshark/awk pipeline
//     22 gaps over 1 s between consecutive records: tshark -T fields -e frame.time_delta | awk
//     record 1032 at 1470104433.649184 s, record 1033 at 1654385119.050609 s (a 5.8-year jump:
//     tshark -T fields -e frame.number -e frame.time_epoch); capinfos reports "Strict time
//     order: True", so the file is monotonic and its dirt is the jump, which exceeds the range
//     of simulation time.

#include <algorithm>
#include <map>

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include "tests/traces/pcap/pcap_test_util.hpp"
#include "traces/pcap/pcap_reader.hpp"
#include "traces/pcap/trace_stats.hpp"

namespace rlisim::traces {
namespace {

TEST(PcapSamples, GnutellaMatchesTsharkAndTcpdump) {
  PcapReader reader(test::sample("gnutella.pcap"));
  EXPECT_EQ(reader.link_type(), 1);
  EXPECT_EQ(reader.link_type_name(), "EN10MB");
  EXPECT_EQ(reader.snaplen(), 65535u);
  const auto packets = test::read_all(reader);
  const auto& c = reader.counters();
  EXPECT_EQ(c.records, 3905u);
  EXPECT_EQ(c.packets, 3882u);
  EXPECT_EQ(packets.size(), 3882u);
  EXPECT_EQ(c.ipv4, 3814u);
  EXPECT_EQ(c.ipv6, 68u);
  EXPECT_EQ(c.skipped_total(), 23u);
  EXPECT_EQ(c.skipped_by(SkipReason::kNonIp), 22u);
  EXPECT_EQ(c.skipped_by(SkipReason::kTruncatedL2), 1u);
  EXPECT_EQ(c.wire_bytes, 577'490u);
  EXPECT_EQ(c.short_records, 1u);
  EXPECT_EQ(c.min_caplen, 4u);
  EXPECT_EQ(reader.first_timestamp(), core::TraceTime{9'752'391'000});
  EXPECT_EQ(reader.last_timestamp(), core::TraceTime{599'747'316'000});
  EXPECT_EQ(packets.front().arrival, core::Time{0});
  EXPECT_EQ(packets.back().arrival, core::microseconds(599'747'316 - 9'752'391));
  EXPECT_TRUE(std::is_sorted(packets.begin(), packets.end(),
                             [](const auto& a, const auto& b) { return a.arrival < b.arrival; }));
}

TEST(PcapSamples, GnutellaPacketsMatchALibpcapWalkRecordByRecord) {
  // Independent walk with libpcap alone: wire lengths of the IP records in file order.
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(test::sample("gnutella.pcap").c_str(), errbuf);
  ASSERT_NE(p, nullptr) << errbuf;
  std::vector<std::uint32_t> lengths;
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  while (pcap_next_ex(p, &h, &d) == 1) {
    if (h->caplen < 14)
      continue;
    const unsigned type = (d[12] << 8) | d[13];
    if (type == 0x0800 || type == 0x86dd)
      lengths.push_back(h->len);
  }
  pcap_close(p);
  PcapReader reader(test::sample("gnutella.pcap"));
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), lengths.size());
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    ASSERT_EQ(packets[i].wire_bytes, lengths[i]) << "packet " << i;
  }
}

TEST(PcapSamples, GnutellaStatisticsMatchTshark) {
  PcapReader reader(test::sample("gnutella.pcap"));
  const TraceStats s = compute_trace_stats(reader);
  EXPECT_EQ(s.flows, 937u);
  EXPECT_EQ(s.tcp_packets, 2149u);
  EXPECT_EQ(s.udp_packets, 1692u);
  EXPECT_EQ(s.icmp_packets, 29u);
  EXPECT_EQ(s.other_packets, 12u);
  EXPECT_EQ(s.duration, core::TraceTime{(599'747'316 - 9'752'391) * 1000LL});
  EXPECT_EQ(s.size_max, 1514u);
}

TEST(PcapSamples, OneKxunJumpBeyondTheSimulationRangeIsAnErrorNamingRecordAndTimes) {
  const std::string path = test::sample("1kxun-dirty.pcap");
  const std::string m = test::trace_error_of([&] {
    PcapReader reader(path);
    test::read_all(reader);
  });
  for (const char* part : {"1kxun-dirty.pcap", "record 1033 (1-based record number in the file)",
                           "1654385119.050609000 s", "(record 1032) 1470104433.649184000 s",
                           "(record 1) 1470104373.025824000 s", "106 days"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " in: " << m;
  }
}

TEST(PcapSamples, OneKxunReadsWithGapShorteningInEveryOrderMode) {
  const std::string path = test::sample("1kxun-dirty.pcap");
  std::vector<std::vector<core::Packet>> runs;
  for (const Reorder mode : {Reorder::kError, Reorder::kClamp, Reorder::kSort}) {
    PcapReader reader(path, {.reorder = mode, .max_gap = core::TraceTime{1'000'000'000}});
    runs.push_back(test::read_all(reader));
    const auto& c = reader.counters();
    EXPECT_EQ(c.records, 1723u);
    EXPECT_EQ(c.packets, 1723u);
    EXPECT_EQ(c.ipv6, 64u);
    EXPECT_EQ(c.wire_bytes, 2'527'774u);
    EXPECT_EQ(c.oversized, 38u) << "TSO/GRO super-frames are kept, not errors";
    EXPECT_EQ(c.clamped, 0u);
    EXPECT_EQ(c.reordered, 0u);
    EXPECT_EQ(c.gaps_shortened, 22u);
  }
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    ASSERT_EQ(runs[1][i].arrival, runs[0][i].arrival);
    ASSERT_EQ(runs[2][i].arrival, runs[0][i].arrival);
    ASSERT_EQ(runs[2][i].flow, runs[0][i].flow);
  }
  EXPECT_EQ(runs[0][1032].arrival - runs[0][1031].arrival, core::seconds(1));
  const auto biggest = std::max_element(
      runs[0].begin(), runs[0].end(), [](auto& a, auto& b) { return a.wire_bytes < b.wire_bytes; });
  EXPECT_EQ(biggest->wire_bytes, 37'506u);
}

TEST(PcapSamples, OneKxunStatisticsCoverTheWholeSpan) {
  PcapReader reader(test::sample("1kxun-dirty.pcap"));
  const TraceStats s = compute_trace_stats(reader);
  EXPECT_EQ(s.flows, 297u);
  EXPECT_EQ(s.packets, 1723u);
  EXPECT_EQ(s.duration, core::TraceTime{1'654'385'236'487'007'000 - 1'470'104'373'025'824'000});
  EXPECT_EQ(s.size_histogram.back().packets, 38u);
}

// A non-monotonic variant of 1kxun: its 2016 part with records 10k+1 and 10k+2 swapped.
class OneKxunShuffled : public ::testing::Test {
 protected:
  void SetUp() override {
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* in = pcap_open_offline_with_tstamp_precision(test::sample("1kxun-dirty.pcap").c_str(),
                                                         PCAP_TSTAMP_PRECISION_NANO, errbuf);
    ASSERT_NE(in, nullptr) << errbuf;
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    while (pcap_next_ex(in, &h, &d) == 1 && records_.size() < 1032) {
      const std::int64_t ts = h->ts.tv_sec * 1'000'000'000LL + h->ts.tv_usec;
      records_.push_back({ts, test::Bytes(d, d + h->caplen), h->len});
      sorted_.push_back(ts);
    }
    pcap_close(in);
    for (std::size_t i = 10; i + 1 < records_.size(); i += 10) {
      if (records_[i].ts_ns != records_[i + 1].ts_ns) {
        std::swap(records_[i], records_[i + 1]);
        ++swaps_;
        if (first_swap_ == 0)
          first_swap_ = i;
      }
    }
    test::write_pcap(dir_.file("shuffled.pcap"), 1, records_, 262144);
  }
  std::string path() const { return dir_.file("shuffled.pcap"); }

  test::TempDir dir_;
  std::vector<test::Record> records_;
  std::vector<std::int64_t> sorted_;
  std::size_t swaps_ = 0;
  std::size_t first_swap_ = 0;
};

TEST_F(OneKxunShuffled, DefaultModeNamesThePacketIndexAndBothTimes) {
  const std::string m = test::trace_error_of([&] {
    PcapReader reader(path());
    test::read_all(reader);
  });
  // 0-based index first_swap_ + 1 is 1-based record first_swap_ + 2; it is now older than the
  // record before it.
  const std::string record = "record " + std::to_string(first_swap_ + 2) + " ";
  EXPECT_NE(m.find(record), std::string::npos) << record << " in: " << m;
  EXPECT_NE(m.find("(record " + std::to_string(first_swap_ + 1) + ")"), std::string::npos) << m;
  EXPECT_NE(m.find("earlier than the previous packet"), std::string::npos) << m;
}

TEST_F(OneKxunShuffled, ClampKeepsFileOrderAndCountsEverySwap) {
  PcapReader reader(path(), {.reorder = Reorder::kClamp});
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), records_.size());
  EXPECT_EQ(reader.counters().clamped, swaps_);
  for (std::size_t i = 1; i < packets.size(); ++i) {
    ASSERT_GE(packets[i].arrival, packets[i - 1].arrival);
  }
}

TEST_F(OneKxunShuffled, SortRestoresTheOriginalTimestamps) {
  PcapReader reader(path(),
                    {.reorder = Reorder::kSort, .sort_window = core::TraceTime{60'000'000'000}});
  core::Packet p;
  core::TraceTime ts{};
  std::vector<std::int64_t> got;
  while (reader.next_timestamped(p, ts))
    got.push_back(ts.count());
  EXPECT_EQ(got, sorted_);
  EXPECT_EQ(reader.counters().reordered, swaps_);
}

}  // namespace
}  // namespace rlisim::traces
