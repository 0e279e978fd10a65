// PcapReader on generated captures: link types, truncation, timestamps, gzip, pcapng, stdin.

#include "traces/pcap/pcap_reader.hpp"

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/traces/pcap/pcap_test_util.hpp"

namespace rlisim::traces {
namespace {

using test::Bytes;
using test::Ipv4Spec;
using test::Ipv6Spec;
using test::Record;

const Ipv4Spec kTcp{.src = {10, 1, 2, 3},
                    .dst = {10, 4, 5, 6},
                    .protocol = 6,
                    .src_port = 40000,
                    .dst_port = 443,
                    .payload = 1000};
const Ipv6Spec kUdp6{.protocol = 17, .src_port = 5000, .dst_port = 6000, .payload = 200};

struct LinkCase {
  const char* name;
  int dlt;
  int link_type;
  const char* pcap_name;
  Bytes (*wrap4)(const Bytes&);
  Bytes (*wrap6)(const Bytes&);
};

const LinkCase kLinkCases[] = {
    {"Raw", 12, 101, "RAW", [](const Bytes& ip) { return ip; }, [](const Bytes& ip) { return ip; }},
    {"Ethernet", 1, 1, "EN10MB", [](const Bytes& ip) { return test::ethernet(0x0800, ip); },
     [](const Bytes& ip) { return test::ethernet(0x86dd, ip); }},
    {"EthernetVlan", 1, 1, "EN10MB",
     [](const Bytes& ip) { return test::ethernet(0x0800, ip, {0x8100}); },
     [](const Bytes& ip) { return test::ethernet(0x86dd, ip, {0x8100}); }},
    {"EthernetQinQ", 1, 1, "EN10MB",
     [](const Bytes& ip) {
       return test::ethernet(0x0800, ip, {0x88a8, 0x8100});
     },
     [](const Bytes& ip) {
       return test::ethernet(0x86dd, ip, {0x88a8, 0x8100, 0x8100});
     }},
    {"LinuxSll", 113, 113, "LINUX_SLL", [](const Bytes& ip) { return test::linux_sll(0x0800, ip); },
     [](const Bytes& ip) { return test::linux_sll(0x86dd, ip); }},
    {"LinuxSll2", 276, 276, "LINUX_SLL2",
     [](const Bytes& ip) { return test::linux_sll2(0x0800, ip); },
     [](const Bytes& ip) { return test::linux_sll2(0x86dd, ip); }},
    {"NullLittleEndian", 0, 0, "NULL",
     [](const Bytes& ip) { return test::null_header(2, false, ip); },
     [](const Bytes& ip) { return test::null_header(30, false, ip); }},
    {"NullBigEndian", 0, 0, "NULL", [](const Bytes& ip) { return test::null_header(2, true, ip); },
     [](const Bytes& ip) { return test::null_header(24, true, ip); }},
    {"Loop", 108, 108, "LOOP", [](const Bytes& ip) { return test::null_header(2, true, ip); },
     [](const Bytes& ip) { return test::null_header(28, true, ip); }},
};

class PcapReaderLinkType : public ::testing::TestWithParam<LinkCase> {};

TEST_P(PcapReaderLinkType, ReadsIpv4AndIpv6KeysAndWireLengths) {
  const LinkCase& c = GetParam();
  test::TempDir dir;
  const std::string path = dir.file("link.pcap");
  const Bytes f4 = c.wrap4(test::ipv4(kTcp));
  const Bytes f6 = c.wrap6(test::ipv6(kUdp6));
  test::write_pcap(path, c.dlt, {{1'000, f4}, {2'500, f6}});
  PcapReader reader(path);
  EXPECT_EQ(reader.link_type(), c.link_type);
  EXPECT_EQ(reader.link_type_name(), c.pcap_name);
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].flow, test::key_of(kTcp));
  EXPECT_EQ(packets[0].wire_bytes, f4.size());
  EXPECT_EQ(packets[0].arrival, core::Time{0});
  EXPECT_EQ(packets[0].kind, core::PacketKind::kRegular);
  EXPECT_EQ(packets[1].flow, test::key_of(kUdp6));
  EXPECT_EQ(packets[1].wire_bytes, f6.size());
  EXPECT_EQ(packets[1].arrival, core::nanoseconds(1'500));
}

INSTANTIATE_TEST_SUITE_P(AllLinkTypes, PcapReaderLinkType, ::testing::ValuesIn(kLinkCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PcapReader, ReadsSingleFamilyIpLinkTypes) {
  test::TempDir dir;
  test::write_pcap(dir.file("v4.pcap"), 228, {{0, test::ipv4(kTcp)}});
  test::write_pcap(dir.file("v6.pcap"), 229, {{0, test::ipv6(kUdp6)}});
  PcapReader v4(dir.file("v4.pcap"));
  PcapReader v6(dir.file("v6.pcap"));
  EXPECT_EQ(v4.link_type(), 228);
  EXPECT_EQ(v6.link_type(), 229);
  EXPECT_EQ(test::read_all(v4).at(0).flow, test::key_of(kTcp));
  EXPECT_EQ(test::read_all(v6).at(0).flow, test::key_of(kUdp6));
}

TEST(PcapReader, RawIpUnderLinkTypes12And14InTheFileHeader) {
  test::TempDir dir;
  const Bytes ip = test::ipv4(kTcp);
  for (const std::uint32_t linktype : {12u, 14u, 101u}) {
    const std::string path = dir.file("raw" + std::to_string(linktype) + ".pcap");
    test::write_file(path, test::PcapBytes(65535, linktype)
                               .record(1, 0, static_cast<std::uint32_t>(ip.size()),
                                       static_cast<std::uint32_t>(ip.size()), ip)
                               .bytes());
    PcapReader reader(path);
    EXPECT_EQ(reader.link_type(), 101) << linktype;
    EXPECT_EQ(test::read_all(reader).at(0).flow, test::key_of(kTcp)) << linktype;
  }
}

TEST(PcapReader, BigEndianFilesAreRead) {
  test::TempDir dir;
  const Bytes ip = test::ipv4(kTcp);
  const auto size = static_cast<std::uint32_t>(ip.size());
  test::write_file(dir.file("be.pcap"), test::PcapBytes(65535, 101, true)
                                            .record(5, 10, size, size, ip)
                                            .record(5, 30, size, size, ip)
                                            .bytes());
  PcapReader reader(dir.file("be.pcap"));
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].flow, test::key_of(kTcp));
  EXPECT_EQ(packets[1].arrival, core::microseconds(20));
  EXPECT_EQ(reader.first_timestamp(), core::TraceTime{5'000'010'000});
}

TEST(PcapReader, SnaplenTruncationKeepsTheKeyAndTheWireLength) {
  test::TempDir dir;
  const Ipv4Spec options{.protocol = 17,
                         .src_port = 53,
                         .dst_port = 3333,
                         .payload = 1400,
                         .header_words = 7};  // 28-byte header: ports at 28..31
  for (const std::uint32_t snaplen : {48u, 64u}) {
    const std::string path = dir.file("cut" + std::to_string(snaplen) + ".pcap");
    const Bytes f4 = test::ipv4(kTcp);
    const Bytes f6 = test::ipv6(Ipv6Spec{.protocol = 6, .payload = 1200});  // ports at 40..43
    const Bytes fo = test::ipv4(options);
    test::write_pcap(path, 12, {{0, f4}, {10, f6}, {20, fo}}, snaplen);
    PcapReader reader(path);
    EXPECT_EQ(reader.snaplen(), snaplen);
    const auto packets = test::read_all(reader);
    ASSERT_EQ(packets.size(), 3u);
    EXPECT_EQ(packets[0].flow, test::key_of(kTcp));
    EXPECT_EQ(packets[0].wire_bytes, f4.size()) << "wire length, not caplen";
    EXPECT_EQ(packets[1].flow, test::key_of(Ipv6Spec{.protocol = 6}));
    EXPECT_EQ(packets[1].wire_bytes, f6.size());
    EXPECT_EQ(packets[2].flow, test::key_of(options));
    EXPECT_EQ(packets[2].wire_bytes, fo.size());
    const auto& c = reader.counters();
    EXPECT_EQ(c.short_records, 3u);
    EXPECT_EQ(c.min_caplen, snaplen);
    EXPECT_EQ(c.max_caplen, snaplen);
    EXPECT_EQ(c.truncated_l4, 0u);
  }
}

TEST(PcapReader, CapturesTooShortForThePortsAreEmittedWithPortsZeroAndCounted) {
  test::TempDir dir;
  const Bytes f6 = test::ipv6(Ipv6Spec{.extensions = {0}, .protocol = 6, .payload = 100});
  test::write_pcap(dir.file("cut.pcap"), 12, {{0, test::ipv4(kTcp)}, {1, f6}}, 40);
  PcapReader reader(dir.file("cut.pcap"));
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].flow, test::key_of(kTcp)) << "IPv4 ports sit at bytes 20..23";
  EXPECT_EQ(packets[1].flow.src_port, 0);
  EXPECT_EQ(packets[1].wire_bytes, f6.size());
  EXPECT_EQ(reader.counters().truncated_l4, 1u);

  PcapReader skipping(dir.file("cut.pcap"), {.truncated_l4 = TruncatedL4Policy::kSkip});
  EXPECT_EQ(test::read_all(skipping).size(), 1u);
  EXPECT_EQ(skipping.counters().skipped_by(SkipReason::kTruncatedL4), 1u);
}

TEST(PcapReader, SummaryCountersListEveryCounterByNameInAFixedOrder) {
  test::TempDir dir;
  const Bytes tcp = test::ethernet(0x0800, test::ipv4(kTcp));
  const Bytes udp6 = test::ethernet(0x86dd, test::ipv6(kUdp6));
  const Bytes first =
      test::ethernet(0x0800, test::ipv4({.protocol = 17, .fragment_field = 0x2000}));
  const Bytes later = test::ethernet(0x0800, test::ipv4({.protocol = 17, .fragment_field = 100}));
  const Bytes big = test::ethernet(0x0800, test::ipv4({.protocol = 17}));
  const std::vector<Record> records = {
      {0, tcp},
      {1, test::ethernet(0x0806, Bytes(28, 0))},  // ARP: non_ip
      {2, udp6},
      {3, first},
      {4, later},
      {5, big, 10'000},   // cut by the capture (short) and over 9216 B on the wire (oversized)
      {6, Bytes(10, 0)},  // cut inside Ethernet: truncated_l2
  };
  test::write_pcap(dir.file("counted.pcap"), 1, records);
  const std::unique_ptr<core::PacketSource> source = open_trace(dir.file("counted.pcap"));
  core::Packet p;
  while (source->next(p)) {
  }
  const std::uint64_t wire = tcp.size() + udp6.size() + first.size() + later.size() + 10'000;
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"records", 7},
      {"packets", 5},
      {"wire_bytes", wire},
      {"skipped_non_ip", 1},
      {"skipped_truncated_l2", 1},
      {"skipped_truncated_l3", 0},
      {"skipped_bad_ip_version", 0},
      {"skipped_bad_ip_header_length", 0},
      {"skipped_bad_ip_total_length", 0},
      {"skipped_too_many_headers", 0},
      {"skipped_truncated_l4", 0},
      {"skipped_total", 2},
      {"ipv4", 4},
      {"ipv6", 1},
      {"first_fragments", 1},
      {"later_fragments", 1},
      {"truncated_l4", 0},
      {"short_records", 1},
      {"oversized", 1},
      {"clamped", 0},
      {"reordered", 0},
      {"gaps_shortened", 0},
  };
  EXPECT_EQ(source->summary_counters(), expected);
}

TEST(PcapReader, SummaryCountersReportClampsAndShortenedGaps) {
  test::TempDir dir;
  const Bytes ip = test::ipv4(kTcp);
  test::write_pcap(dir.file("late.pcap"), 12, {{100, ip}, {50, ip}, {60, ip}, {5'000, ip}});
  PcapReader reader(dir.file("late.pcap"),
                    {.reorder = Reorder::kClamp, .max_gap = core::TraceTime{1'000}});
  test::read_all(reader);
  std::map<std::string, std::uint64_t> named;
  for (const auto& [name, value] : reader.summary_counters())
    named[name] = value;
  EXPECT_EQ(named.at("clamped"), 2u);
  EXPECT_EQ(named.at("gaps_shortened"), 1u);
  EXPECT_EQ(named.at("packets"), 4u);
  EXPECT_EQ(named.at("wire_bytes"), 4 * ip.size());
}

TEST(PcapReader, SkippedFramesAreCountedByReasonAndFragmentsAreKept) {
  test::TempDir dir;
  const Bytes good = test::ethernet(0x0800, test::ipv4(kTcp));
  std::vector<Record> records = {
      {0, good},
      {1, test::ethernet(0x0806, Bytes(28, 0))},                        // ARP
      {2, Bytes(10, 0)},                                                // cut Ethernet
      {3, test::ethernet(0x0800, Bytes(12, 0x45))},                     // cut IPv4
      {4, test::ethernet(0x0800, test::ipv4({.header_words = 3}))},     // IHL 3
      {5, test::ethernet(0x86dd, test::ipv4())},                        // v4 in v6 type
      {6, test::ethernet(0x0800, test::ipv4({.total_length = 2000}))},  // too long
      {7, test::ethernet(0x0800, test::ipv4({.protocol = 17, .fragment_field = 0x2000}))},
      {8, test::ethernet(0x0800, test::ipv4({.protocol = 17, .fragment_field = 100}))},
      {9, test::ethernet(0x0800, test::ipv4({.protocol = 1}))},  // ICMP
  };
  test::write_pcap(dir.file("mixed.pcap"), 1, records);
  PcapReader reader(dir.file("mixed.pcap"));
  const auto packets = test::read_all(reader);
  const auto& c = reader.counters();
  EXPECT_EQ(packets.size(), 4u);
  EXPECT_EQ(c.records, records.size());
  EXPECT_EQ(c.records, c.packets + c.skipped_total());
  EXPECT_EQ(c.skipped_by(SkipReason::kNonIp), 1u);
  EXPECT_EQ(c.skipped_by(SkipReason::kTruncatedL2), 1u);
  EXPECT_EQ(c.skipped_by(SkipReason::kTruncatedL3), 1u);
  EXPECT_EQ(c.skipped_by(SkipReason::kBadIpHeaderLength), 1u);
  EXPECT_EQ(c.skipped_by(SkipReason::kBadIpVersion), 1u);
  EXPECT_EQ(c.skipped_by(SkipReason::kBadIpTotalLength), 1u);
  EXPECT_EQ(c.first_fragments, 1u);
  EXPECT_EQ(c.later_fragments, 1u);
  EXPECT_EQ(packets[3].flow.protocol, 1);
  EXPECT_EQ(packets[3].seq, 3u);
  EXPECT_EQ(c.wire_bytes, packets[0].wire_bytes + packets[1].wire_bytes + packets[2].wire_bytes +
                              packets[3].wire_bytes);
}

TEST(PcapReader, MicrosecondAndNanosecondFilesLookAlike) {
  test::TempDir dir;
  const std::vector<Record> records = {{1'700'000'000'123'456'000, test::ipv4(kTcp)},
                                       {1'700'000'000'123'457'000, test::ipv4(kTcp)},
                                       {1'700'000'002'000'000'000, test::ipv4(kTcp)}};
  test::write_pcap(dir.file("us.pcap"), 12, records, 65535, false);
  test::write_pcap(dir.file("ns.pcap"), 12, records, 65535, true);
  PcapReader us(dir.file("us.pcap"));
  PcapReader ns(dir.file("ns.pcap"));
  EXPECT_FALSE(us.nanosecond_file());
  EXPECT_TRUE(ns.nanosecond_file());
  const auto a = test::read_all(us);
  const auto b = test::read_all(ns);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(a[i].arrival, b[i].arrival) << i;
  EXPECT_EQ(a[1].arrival, core::microseconds(1));
  EXPECT_EQ(a[2].arrival, core::nanoseconds(1'876'544'000));
  EXPECT_EQ(us.first_timestamp(), core::TraceTime{1'700'000'000'123'456'000});
  EXPECT_EQ(us.last_timestamp(), core::TraceTime{1'700'000'002'000'000'000});
}

TEST(PcapReader, DetectsGzipByMagicBytesNotByName) {
  test::TempDir dir;
  std::vector<Record> records;
  for (int i = 0; i < 1000; ++i)
    records.push_back({i * 1000, test::ipv4(kTcp)});
  test::write_pcap(dir.file("plain.pcap"), 12, records);
  const Bytes plain = test::read_file(dir.file("plain.pcap"));
  test::write_file(dir.file("compressed.pcap"), test::gzip(plain));
  test::write_file(dir.file("not-compressed.pcap.gz"), plain);
  PcapReader gz(dir.file("compressed.pcap"));
  PcapReader flat(dir.file("not-compressed.pcap.gz"));
  EXPECT_TRUE(gz.gzip());
  EXPECT_FALSE(flat.gzip());
  const auto a = test::read_all(gz);
  const auto b = test::read_all(flat);
  ASSERT_EQ(a.size(), 1000u);
  ASSERT_EQ(b.size(), 1000u);
  EXPECT_EQ(a[999].arrival, core::microseconds(999));
  EXPECT_EQ(a[999].flow, b[999].flow);
  EXPECT_EQ(gz.progress(), 1.0);
  EXPECT_EQ(flat.progress(), 1.0);
}

TEST(PcapReader, ConcatenatedGzipMembersFormOneStream) {
  test::TempDir dir;
  test::write_pcap(dir.file("p.pcap"), 12, {{0, test::ipv4(kTcp)}, {5, test::ipv4(kTcp)}});
  const Bytes plain = test::read_file(dir.file("p.pcap"));
  const std::size_t half = 24 + 16 + 20;  // file header and most of the first record
  Bytes joined = test::gzip(Bytes(plain.begin(), plain.begin() + half));
  const Bytes rest = test::gzip(Bytes(plain.begin() + half, plain.end()));
  test::append(joined, rest);
  test::write_file(dir.file("joined.gz"), joined);
  PcapReader reader(dir.file("joined.gz"));
  EXPECT_EQ(test::read_all(reader).size(), 2u);
}

TEST(PcapReader, ReadsPcapngWithMicroAndNanosecondResolution) {
  test::TempDir dir;
  const Bytes f = test::ethernet(0x0800, test::ipv4(kTcp));
  const std::uint64_t us = 1'600'000'000'000'001ull;
  test::write_file(
      dir.file("us.pcapng"),
      test::pcapng(1, 65535,
                   {{us, f}, {us + 250, test::ethernet(0x0806, Bytes(28, 0))}, {us + 500, f}}));
  test::write_file(dir.file("ns.pcapng"),
                   test::pcapng(1, 0, {{us * 1000 + 7, f}, {us * 1000 + 9, f}}, true));
  PcapReader a(dir.file("us.pcapng"));
  EXPECT_EQ(a.format(), CaptureFormat::kPcapNg);
  EXPECT_EQ(a.link_type_name(), "EN10MB");
  const auto pa = test::read_all(a);
  ASSERT_EQ(pa.size(), 2u);
  EXPECT_EQ(pa[0].flow, test::key_of(kTcp));
  EXPECT_EQ(pa[1].arrival, core::microseconds(500));
  EXPECT_EQ(a.first_timestamp(), core::TraceTime{static_cast<std::int64_t>(us * 1000)});
  EXPECT_EQ(a.counters().skipped_by(SkipReason::kNonIp), 1u);
  PcapReader b(dir.file("ns.pcapng"));
  const auto pb = test::read_all(b);
  ASSERT_EQ(pb.size(), 2u);
  EXPECT_EQ(pb[1].arrival, core::nanoseconds(2));
  EXPECT_EQ(b.first_timestamp(), core::TraceTime{static_cast<std::int64_t>(us * 1000 + 7)});
}

TEST(PcapReader, GzippedPcapngIsRead) {
  test::TempDir dir;
  const Bytes ng = test::pcapng(101, 65535, {{10, test::ipv4(kTcp)}, {20, test::ipv6(kUdp6)}});
  test::write_file(dir.file("ng.gz"), test::gzip(ng));
  PcapReader reader(dir.file("ng.gz"));
  EXPECT_TRUE(reader.gzip());
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[1].flow, test::key_of(kUdp6));
}

TEST(PcapReader, ReadsPlainAndGzipStandardInput) {
  test::TempDir dir;
  test::write_pcap(dir.file("in.pcap"), 12, {{0, test::ipv4(kTcp)}, {7, test::ipv6(kUdp6)}});
  const Bytes plain = test::read_file(dir.file("in.pcap"));
  for (const Bytes& input : {plain, test::gzip(plain)}) {
    test::with_stdin(input, [&] {
      PcapReader reader("-");
      EXPECT_EQ(reader.describe(), "pcap:-");
      EXPECT_EQ(reader.progress(), std::nullopt);
      const auto packets = test::read_all(reader);
      ASSERT_EQ(packets.size(), 2u);
      EXPECT_EQ(packets[1].flow, test::key_of(kUdp6));
      EXPECT_EQ(packets[1].arrival, core::nanoseconds(7));
    });
  }
}

TEST(PcapReader, StandardInputErrorsNameStandardInput) {
  test::with_stdin(Bytes{}, [] {
    const std::string m = test::trace_error_of([] { PcapReader reader("-"); });
    EXPECT_NE(m.find("standard input"), std::string::npos) << m;
    EXPECT_NE(m.find("empty"), std::string::npos) << m;
  });
}

TEST(PcapReader, ReadsAnOpenDescriptor) {
  test::TempDir dir;
  test::write_pcap(dir.file("fd.pcap"), 12, {{0, test::ipv4(kTcp)}});
  const Bytes gz = test::gzip(test::read_file(dir.file("fd.pcap")));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    EXPECT_EQ(::write(fds[1], gz.data(), gz.size()), static_cast<ssize_t>(gz.size()));
    ::close(fds[1]);
  });
  {
    PcapReader reader(fds[0], "pipe");
    EXPECT_EQ(reader.describe(), "pcap:pipe");
    EXPECT_EQ(test::read_all(reader).size(), 1u);
  }
  writer.join();
  ::close(fds[0]);
}

TEST(PcapReader, DescribesItselfByPath) {
  test::TempDir dir;
  test::write_pcap(dir.file("d.pcap"), 12, {{0, test::ipv4(kTcp)}});
  PcapReader reader(dir.file("d.pcap"));
  EXPECT_EQ(reader.describe(), "pcap:" + dir.file("d.pcap"));
  EXPECT_EQ(open_trace(dir.file("d.pcap"))->describe(), reader.describe());
  const auto progress = reader.progress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_GE(*progress, 0.0);
  EXPECT_LE(*progress, 1.0);
}

}  // namespace
}  // namespace rlisim::traces
