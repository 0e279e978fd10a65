#include "traces/writer/pcap_writer.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/error.hpp"
#include "traces/synthetic/flow_generator.hpp"
#include "traces/writer/packet_headers.hpp"
#include "traces/writer/write_synthetic_trace.hpp"

namespace rlisim::traces {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class PcapWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rlisim_writer_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::vector<core::Packet> generated(core::Time duration, std::uint64_t seed = 1) {
  SyntheticTrafficConfig c;
  c.seed = seed;
  c.duration = duration;
  c.tcp_fraction = 0.6;
  FlowGenerator g(c);
  std::vector<core::Packet> out;
  core::Packet p;
  while (g.next(p))
    out.push_back(p);
  return out;
}

std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t get16(const u_char* p) {
  return (std::uint32_t{p[0]} << 8) | p[1];
}

TEST_F(PcapWriterTest, ReadsBackWithLibpcapRecordForRecord) {
  const auto packets = generated(core::milliseconds(30));
  ASSERT_GT(packets.size(), 1000u);
  const std::string file = path("trace.pcap");
  WriterOptions options;
  {
    PcapWriter w(file, options);
    for (const auto& p : packets)
      w.write(p);
    w.close();
    EXPECT_EQ(w.packets(), packets.size());
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in =
      pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  ASSERT_NE(in, nullptr) << err;
  EXPECT_EQ(pcap_datalink(in), DLT_RAW);
  EXPECT_EQ(pcap_snapshot(in), 64);
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  std::size_t i = 0;
  while (pcap_next_ex(in, &h, &data) == 1) {
    ASSERT_LT(i, packets.size());
    const core::Packet& p = packets[i];
    ASSERT_EQ(h->len, p.wire_bytes) << i;
    ASSERT_EQ(h->caplen, std::min<std::uint32_t>(64, p.wire_bytes)) << i;
    const std::int64_t ns = 1'230'768'000'000'000'000 + p.arrival.count() / 1000;
    ASSERT_EQ(h->ts.tv_sec, ns / 1'000'000'000) << i;
    ASSERT_EQ(h->ts.tv_usec, ns % 1'000'000'000) << i;
    // IPv4 header: version/IHL, total length, DF, TTL, protocol, addresses, valid checksum.
    ASSERT_EQ(data[0], 0x45);
    ASSERT_EQ(get16(data + 2), p.wire_bytes);
    ASSERT_EQ(get16(data + 6), 0x4000u);
    ASSERT_EQ(data[8], 64);
    ASSERT_EQ(data[9], p.flow.protocol);
    ASSERT_EQ(internet_checksum(data, 20), 0) << i;
    ASSERT_TRUE(std::equal(data + 12, data + 16, p.flow.src.begin()));
    ASSERT_TRUE(std::equal(data + 16, data + 20, p.flow.dst.begin()));
    ASSERT_EQ(get16(data + 20), p.flow.src_port);
    ASSERT_EQ(get16(data + 22), p.flow.dst_port);
    if (p.flow.protocol == 6) {
      ASSERT_EQ(data[32], 0x50);  // data offset 5
    } else {
      ASSERT_EQ(get16(data + 24), p.wire_bytes - 20);  // UDP length
    }
    ++i;
  }
  EXPECT_EQ(i, packets.size());
  pcap_close(in);
}

TEST_F(PcapWriterTest, FileHeaderIsNanosecondPcapWithLinktypeRaw) {
  const std::string file = path("h.pcap");
  {
    PcapWriter w(file);
    w.close();
  }
  const auto bytes = file_bytes(file);
  ASSERT_EQ(bytes.size(), 24u);
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  };
  EXPECT_EQ(u32(0), 0xa1b23c4du);  // nanosecond magic, host order
  EXPECT_EQ(u32(16), 64u);         // snaplen
  EXPECT_EQ(u32(20), 101u);        // LINKTYPE_RAW
}

TEST_F(PcapWriterTest, OutputIsDeterministicByteForByte) {
  const auto packets = generated(core::milliseconds(5));
  for (const char* name : {"a.pcap", "b.pcap"}) {
    PcapWriter w(path(name));
    for (const auto& p : packets)
      w.write(p);
  }
  EXPECT_EQ(file_bytes(path("a.pcap")), file_bytes(path("b.pcap")));
}

TEST_F(PcapWriterTest, GzipOutputDecompressesToTheSameFile) {
  const auto packets = generated(core::milliseconds(5));
  for (const char* name : {"plain.pcap", "packed.pcap.gz"}) {
    PcapWriter w(path(name));
    for (const auto& p : packets)
      w.write(p);
    w.close();
  }
  gzFile gz = gzopen(path("packed.pcap.gz").c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  std::vector<char> unpacked;
  char buf[65536];
  int n = 0;
  while ((n = gzread(gz, buf, sizeof buf)) > 0)
    unpacked.insert(unpacked.end(), buf, buf + n);
  gzclose(gz);
  const auto plain = file_bytes(path("plain.pcap"));
  EXPECT_EQ(unpacked, plain);
  EXPECT_LT(fs::file_size(path("packed.pcap.gz")), plain.size());
}

TEST_F(PcapWriterTest, SnaplenTruncatesLikeCaida) {
  const std::string file = path("s48.pcap");
  WriterOptions options;
  options.snaplen = 48;
  options.base_time = core::TraceTime{5'000'000'123};
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x01020304, 0x05060708, 1000, 80, 6);
  p.wire_bytes = 1500;
  p.arrival = core::Time{7'999};  // 7.999 ns: floored to 7 ns
  {
    PcapWriter w(file, options);
    w.write(p);
    p.wire_bytes = 40;
    w.write(p);
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in =
      pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  ASSERT_NE(in, nullptr) << err;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  ASSERT_EQ(pcap_next_ex(in, &h, &data), 1);
  EXPECT_EQ(h->len, 1500u);
  EXPECT_EQ(h->caplen, 48u);
  EXPECT_EQ(h->ts.tv_sec, 5);
  EXPECT_EQ(h->ts.tv_usec, 130);
  EXPECT_EQ(data[33], 0x18);  // PSH|ACK: the segment carries payload
  EXPECT_EQ(data[47], 0);     // payload bytes are zero
  ASSERT_EQ(pcap_next_ex(in, &h, &data), 1);
  EXPECT_EQ(h->caplen, 40u);
  EXPECT_EQ(data[33], 0x10);  // bare ACK
  pcap_close(in);
}

TEST_F(PcapWriterTest, WritesIpv6Headers) {
  const std::string file = path("v6.pcap");
  core::Packet p;
  p.flow.ip_version = 6;
  p.flow.protocol = 17;
  p.flow.src[0] = 0x20;
  p.flow.src[15] = 1;
  p.flow.dst[0] = 0x20;
  p.flow.dst[15] = 2;
  p.flow.src_port = 5000;
  p.flow.dst_port = 53;
  p.wire_bytes = 100;
  {
    PcapWriter w(file);
    w.write(p);
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in = pcap_open_offline(file.c_str(), err);
  ASSERT_NE(in, nullptr) << err;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  ASSERT_EQ(pcap_next_ex(in, &h, &data), 1);
  EXPECT_EQ(data[0] >> 4, 6);
  EXPECT_EQ(get16(data + 4), 60u);  // payload length
  EXPECT_EQ(data[6], 17);
  EXPECT_EQ(data[23], 1);
  EXPECT_EQ(data[39], 2);
  EXPECT_EQ(get16(data + 42), 53u);
  EXPECT_EQ(get16(data + 44), 60u);  // UDP length
  pcap_close(in);
}

TEST_F(PcapWriterTest, RejectsUnrepresentablePacketsNamingTheRecord) {
  PcapWriter w(path("bad.pcap"));
  core::Packet p;
  p.flow = core::FlowKey::ipv4(1, 2, 3, 4, 6);
  p.wire_bytes = 40;
  w.write(p);
  p.wire_bytes = 39;
  try {
    w.write(p);
    FAIL() << "expected TraceError";
  } catch (const core::TraceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.pcap: record 1"));
    EXPECT_THAT(e.what(), HasSubstr("39 wire bytes, fewer than its 40 B"));
  }
  p.flow.protocol = 17;
  p.wire_bytes = 28;
  w.write(p);  // UDP needs only 28 B
  p.flow.ip_version = 0;
  EXPECT_THROW(w.write(p), core::TraceError);
  p.flow.ip_version = 4;
  p.arrival = core::Time{-1000};
  EXPECT_THROW(w.write(p), core::TraceError);
  w.close();
  p.arrival = core::Time{0};
  EXPECT_THROW(w.write(p), core::TraceError);
}

TEST_F(PcapWriterTest, DashWritesToStandardOutputAndLeavesItOpen) {
  const auto packets = generated(core::milliseconds(2));
  {
    PcapWriter w(path("reference.pcap"));
    for (const auto& p : packets)
      w.write(p);
  }
  // Point descriptor 1 at a file for the duration of the write.
  std::fflush(stdout);
  const int saved = ::dup(1);
  ASSERT_GE(saved, 0);
  std::FILE* target = std::fopen(path("stdout.pcap").c_str(), "wb");
  ASSERT_NE(target, nullptr);
  ::dup2(::fileno(target), 1);
  std::fclose(target);
  {
    PcapWriter w("-");
    for (const auto& p : packets)
      w.write(p);
    w.close();
  }
  std::fflush(stdout);
  ::dup2(saved, 1);
  ::close(saved);
  EXPECT_EQ(file_bytes(path("stdout.pcap")), file_bytes(path("reference.pcap")));
  EXPECT_NE(::fcntl(1, F_GETFD), -1);  // standard output is still open
}

TEST_F(PcapWriterTest, BadOptionsAndPathsAreReported) {
  WriterOptions options;
  options.snaplen = 10;
  EXPECT_THROW(PcapWriter(path("x.pcap"), options), core::ConfigError);
  try {
    PcapWriter w(path("missing/dir/x.pcap"));
    FAIL() << "expected TraceError";
  } catch (const core::TraceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing/dir/x.pcap"));
    EXPECT_THAT(e.what(), HasSubstr("cannot open"));
  }
}

TEST_F(PcapWriterTest, WriteSyntheticTraceReportsWhatTheFileHolds) {
  SyntheticTrafficConfig c = profile("chic");
  c.duration = core::milliseconds(20);
  const TraceWriteSummary s = write_synthetic_trace(c, path("chic.pcap"));
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in = pcap_open_offline(path("chic.pcap").c_str(), err);
  ASSERT_NE(in, nullptr) << err;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  while (pcap_next_ex(in, &h, &data) == 1) {
    ++packets;
    bytes += h->len;
  }
  pcap_close(in);
  EXPECT_EQ(s.packets, packets);
  EXPECT_EQ(s.wire_bytes, bytes);
  EXPECT_DOUBLE_EQ(s.bits_per_second, static_cast<double>(bytes) * 8 / 0.02);
  EXPECT_DOUBLE_EQ(s.mean_packet_bytes, static_cast<double>(bytes) / packets);
  EXPECT_GT(s.flows, 0u);
  EXPECT_GT(s.max_active_flows, 0u);
  EXPECT_EQ(s.duration, core::milliseconds(20));
}

TEST_F(PcapWriterTest, WriteSyntheticTraceAtARateTooLowForAnyPacketWritesAnEmptyCapture) {
  SyntheticTrafficConfig c;
  c.rate = core::BitsPerSecond{1};
  c.duration = core::Time{1'000};
  const TraceWriteSummary s = write_synthetic_trace(c, path("empty.pcap"));
  EXPECT_EQ(s.packets, 0u);
  EXPECT_EQ(s.wire_bytes, 0u);
  EXPECT_EQ(s.bits_per_second, 0.0);
  EXPECT_EQ(s.mean_packet_bytes, 0.0);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in = pcap_open_offline(path("empty.pcap").c_str(), err);
  ASSERT_NE(in, nullptr) << err;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  EXPECT_EQ(pcap_next_ex(in, &h, &data), PCAP_ERROR_BREAK) << "a file header and no record";
  pcap_close(in);
}

TEST_F(PcapWriterTest, TsharkReadsEveryRecord) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "tshark is not installed";
  }
  SyntheticTrafficConfig c;
  c.duration = core::milliseconds(10);
  const TraceWriteSummary s = write_synthetic_trace(c, path("t.pcap"));
  const std::string cmd =
      "tshark -r '" + path("t.pcap") + "' -T fields -e frame.len 2>/dev/null | wc -l";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  unsigned long long lines = 0;
  ASSERT_EQ(std::fscanf(pipe, "%llu", &lines), 1);
  ::pclose(pipe);
  EXPECT_EQ(lines, s.packets);
}

struct TcpFields {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
};

std::vector<TcpFields> tcp_fields_of(const std::string& file) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* in = pcap_open_offline(file.c_str(), err);
  EXPECT_NE(in, nullptr) << err;
  std::vector<TcpFields> out;
  if (in == nullptr)
    return out;
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  while (pcap_next_ex(in, &h, &d) == 1) {
    const u_char* l4 = d + 20;
    out.push_back({(std::uint32_t{get16(l4 + 4)} << 16) | get16(l4 + 6),
                   (std::uint32_t{get16(l4 + 8)} << 16) | get16(l4 + 10), l4[13]});
  }
  pcap_close(in);
  return out;
}

// Writes `packets` to `file` and reads their TCP fields back.
std::vector<TcpFields> written_tcp_fields(const std::string& file,
                                          const std::vector<core::Packet>& packets) {
  {
    PcapWriter w(file);
    for (const auto& p : packets)
      w.write(p);
    w.close();
  }
  return tcp_fields_of(file);
}

core::Packet tcp_packet(std::uint32_t wire_bytes, std::uint8_t mark, std::int64_t t_ns) {
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x01020304, 0x05060708, 443, 40000, 6);
  p.wire_bytes = wire_bytes;
  p.tcp = mark;
  p.arrival = core::nanoseconds(t_ns);
  return p;
}

TEST_F(PcapWriterTest, GeneratedConnectionsAreNumberedAsRealTcp) {
  namespace mark = core::tcp_mark;
  const std::vector<core::Packet> packets{
      tcp_packet(40, mark::kSyn | mark::kPureAck, 0),  // SYN-ACK
      tcp_packet(1000, mark::kData, 1),                // 960 B of payload
      tcp_packet(500, mark::kData, 2),                 // 460 B
      tcp_packet(40, mark::kFin, 3),
      tcp_packet(40, mark::kSyn | mark::kPureAck, 4),  // the same 5-tuple, reused afterwards
  };
  const auto f = written_tcp_fields(path("c.pcap"), packets);
  ASSERT_EQ(f.size(), 5u);
  const std::uint64_t seed = tcp_number_seed(packets[0].flow);
  const auto isn = static_cast<std::uint32_t>(seed);
  const auto ack = static_cast<std::uint32_t>(seed >> 32);
  EXPECT_EQ(f[0].flags, 0x12);  // SYN|ACK
  EXPECT_EQ(f[0].seq, isn);
  EXPECT_EQ(f[1].flags, 0x18);  // PSH|ACK
  EXPECT_EQ(f[1].seq, isn + 1);
  EXPECT_EQ(f[2].seq, isn + 1 + 960);
  EXPECT_EQ(f[3].flags, 0x11);  // FIN|ACK
  EXPECT_EQ(f[3].seq, isn + 1 + 960 + 460);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(f[i].ack, ack) << i;
  // The FIN ended the connection: a new one on the same key starts over.
  EXPECT_EQ(f[4].seq, isn);
}

TEST_F(PcapWriterTest, AckStreamsAdvanceTheirAcknowledgementBySegments) {
  namespace mark = core::tcp_mark;
  const std::vector<core::Packet> packets{
      tcp_packet(40, mark::kSyn, 0), tcp_packet(40, mark::pure_ack(0), 1),
      tcp_packet(40, mark::pure_ack(2), 2), tcp_packet(40, mark::pure_ack(1), 3),
      tcp_packet(40, mark::kFin, 4)};
  const auto f = written_tcp_fields(path("a.pcap"), packets);
  ASSERT_EQ(f.size(), 5u);
  const std::uint64_t seed = tcp_number_seed(packets[0].flow);
  const auto isn = static_cast<std::uint32_t>(seed);
  const auto peer = static_cast<std::uint32_t>(seed >> 32);
  EXPECT_EQ(f[0].flags, 0x02);  // SYN
  EXPECT_EQ(f[0].ack, 0u);
  EXPECT_EQ(f[1].flags, 0x10);
  EXPECT_EQ(f[1].ack, peer + 1);  // the peer's SYN
  EXPECT_EQ(f[2].ack, peer + 1 + 2 * 1460);
  EXPECT_EQ(f[3].ack, peer + 1 + 3 * 1460);
  for (int i = 1; i < 5; ++i)
    EXPECT_EQ(f[i].seq, isn + 1) << i;
  EXPECT_EQ(f[4].flags, 0x11);
}

TEST_F(PcapWriterTest, AConnectionsLastPacketEndsItsStateWithoutAFin) {
  namespace mark = core::tcp_mark;
  // A one-packet connection (SYN-ACK only) marked last, then the 5-tuple reused: numbering
  // starts over, so the writer kept nothing of the first.
  const std::vector<core::Packet> packets{
      tcp_packet(40, mark::kSyn | mark::kPureAck | mark::kLast, 0),
      tcp_packet(40, mark::kSyn | mark::kPureAck, 1), tcp_packet(1000, mark::kData, 2)};
  const auto f = written_tcp_fields(path("l.pcap"), packets);
  ASSERT_EQ(f.size(), 3u);
  const auto isn = static_cast<std::uint32_t>(tcp_number_seed(packets[0].flow));
  EXPECT_EQ(f[0].seq, isn);
  EXPECT_EQ(f[1].seq, isn);
  EXPECT_EQ(f[2].seq, isn + 1);
}

TEST_F(PcapWriterTest, UnmarkedPacketsKeepOneNumberPerFlow) {
  core::Packet p = tcp_packet(1000, 0, 0);
  {
    PcapWriter w(path("u.pcap"));
    w.write(p);
    p.arrival = core::nanoseconds(5);
    w.write(p);
    w.close();
  }
  const auto f = tcp_fields_of(path("u.pcap"));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].seq, f[1].seq);
  EXPECT_EQ(f[0].seq, static_cast<std::uint32_t>(tcp_number_seed(p.flow)));
}

TEST_F(PcapWriterTest, TsharkFindsNoRetransmissionsOrDuplicateAcksInGeneratedTcp) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) {
    if (std::getenv("RLISIM_REQUIRE_TSHARK") != nullptr)
      FAIL() << "tshark is required (RLISIM_REQUIRE_TSHARK) but not installed";
    GTEST_SKIP() << "tshark is not installed";
  }
  SyntheticTrafficConfig c = profile("chic");
  c.duration = core::milliseconds(100);
  const TraceWriteSummary s = write_synthetic_trace(c, path("t.pcap"));
  ASSERT_GT(s.packets, 10'000u);
  // Every TCP analysis flag tshark raises on a connection that misbehaves. (Application
  // dissectors may still complain about the zero payloads, as on any headers-only capture;
  // "ACKed unseen segment" is expected too: an ACK stream's data travel the other way.)
  const std::string cmd = "tshark -r '" + path("t.pcap") +
                          "' -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission "
                          "|| tcp.analysis.spurious_retransmission || tcp.analysis.duplicate_ack "
                          "|| tcp.analysis.out_of_order || tcp.analysis.lost_segment || "
                          "tcp.analysis.keep_alive || tcp.analysis.reused_ports' "
                          "2>/dev/null | wc -l";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  unsigned long long flagged = 1;
  ASSERT_EQ(std::fscanf(pipe, "%llu", &flagged), 1);
  ::pclose(pipe);
  EXPECT_EQ(flagged, 0u);
}

}  // namespace
}  // namespace rlisim::traces
