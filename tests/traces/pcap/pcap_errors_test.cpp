// Defective captures: every error is a core::TraceError naming the file, the record and what
// was expected; records before a defect are still delivered.

#include <initializer_list>

#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "tests/traces/pcap/pcap_test_util.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {
namespace {

using test::Bytes;
using test::PcapBytes;

const Bytes kIp = test::ipv4({.protocol = 17, .payload = 12});  // 40 bytes
constexpr std::uint32_t kIpSize = 40;

// Opens `path` and reads it to the end, returning the TraceError message.
std::string error_reading(const std::string& path, const PcapReaderOptions& options = {}) {
  return test::trace_error_of([&] {
    PcapReader reader(path, options);
    test::read_all(reader);
  });
}

void expect_mentions(const std::string& message, std::initializer_list<std::string> parts) {
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << message;
  }
}

class PcapErrors : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const Bytes& bytes) {
    const std::string path = dir_.file(name);
    test::write_file(path, bytes);
    return path;
  }
  test::TempDir dir_;
};

TEST_F(PcapErrors, EmptyFile) {
  const std::string path = write("empty.pcap", {});
  expect_mentions(error_reading(path), {path, "empty", "expected a pcap or pcapng file header"});
}

TEST_F(PcapErrors, TruncatedFileHeader) {
  Bytes header = PcapBytes().bytes();
  header.resize(10);
  const std::string path = write("short.pcap", header);
  expect_mentions(error_reading(path), {path, "truncated file header", "after 10 bytes", "24"});
}

TEST_F(PcapErrors, WrongMagic) {
  const std::string path = write("text.pcap", Bytes(40, 'h'));
  expect_mentions(error_reading(path),
                  {path, "not a pcap or pcapng file", "68 68 68 68", "a1b2c3d4", "0a0d0d0a"});
}

TEST_F(PcapErrors, UnsupportedVersion) {
  const std::string path = write("v1.pcap", PcapBytes(65535, 101, false, 0xa1b2c3d4, 1, 0).bytes());
  expect_mentions(error_reading(path), {path, "version 1.0", "expected 2.x"});
}

TEST_F(PcapErrors, TruncatedRecordHeaderAfterAGoodRecord) {
  Bytes bytes = PcapBytes().record(1, 0, kIpSize, kIpSize, kIp).bytes();
  bytes.insert(bytes.end(), 7, 0);
  const std::string path = write("cut-header.pcap", bytes);
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p)) << "the good record comes first";
  const std::string m = test::trace_error_of([&] { reader.next(p); });
  expect_mentions(
      m, {path, "record 2 ", "truncated record header", "7 of its 16 bytes", "byte offset 80"});
}

TEST_F(PcapErrors, TruncatedRecordData) {
  const Bytes cut(kIp.begin(), kIp.begin() + 25);
  const std::string path = write(
      "cut-data.pcap",
      PcapBytes().record(1, 0, kIpSize, kIpSize, kIp).record(1, 5, kIpSize, kIpSize, cut).bytes());
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p));
  const std::string first = test::trace_error_of([&] { reader.next(p); });
  expect_mentions(first, {path, "record 2 ", "truncated record", "announces 40 captured bytes",
                          "ends after 25"});
  EXPECT_EQ(test::trace_error_of([&] { reader.next(p); }), first) << "errors are sticky";
}

TEST_F(PcapErrors, CaplenOverSnaplen) {
  Bytes big = test::ipv4({.protocol = 17, .payload = 72});  // 100 bytes
  const std::string path = write("snap.pcap", PcapBytes(64)
                                                  .record(1, 0, 40, 40, kIp)
                                                  .record(1, 1, 100, 100, big)
                                                  .record(1, 2, 40, 40, kIp)
                                                  .bytes());
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p));
  expect_mentions(test::trace_error_of([&] { reader.next(p); }),
                  {path, "record 2 ", "captured length (caplen) 100", "snaplen 64",
                   "expected caplen <= snaplen"});
}

TEST_F(PcapErrors, CaplenOverLen) {
  const std::string path = write("over.pcap", PcapBytes().record(1, 0, kIpSize, 30, kIp).bytes());
  expect_mentions(error_reading(path),
                  {path, "record 1 ", "caplen) 40 exceeds the wire length (len) 30"});
}

TEST_F(PcapErrors, ZeroWireLength) {
  const std::string path = write("zero.pcap", PcapBytes().record(1, 0, 0, 0, {}).bytes());
  expect_mentions(error_reading(path), {path, "record 1 ", "wire length (len) is 0"});
}

TEST_F(PcapErrors, AbsurdWireLength) {
  const std::string path =
      write("absurd.pcap", PcapBytes().record(1, 0, kIpSize, 300000, kIp).bytes());
  expect_mentions(error_reading(path), {path, "record 1 ", "300000", "at most 262144"});
}

TEST_F(PcapErrors, AbsurdCaplen) {
  const std::string path =
      write("huge.pcap", PcapBytes().record(1, 0, 0x7fffffff, 0x7fffffff, kIp).bytes());
  expect_mentions(error_reading(path), {path, "record 1 ", "2147483647"});
}

TEST_F(PcapErrors, MicrosecondFractionOfOneSecondOrMoreIsAMalformedRecord) {
  // Big-endian, so the fraction is read through the byte-order swap.
  const std::string path = write("usec.pcap", PcapBytes(65535, 101, true)
                                                  .record(1, 999'999, kIpSize, kIpSize, kIp)
                                                  .record(2, 0, kIpSize, kIpSize, kIp)
                                                  .record(2, 1'000'000, kIpSize, kIpSize, kIp)
                                                  .bytes());
  PcapReader reader(path);
  core::Packet first;
  core::Packet second;
  ASSERT_TRUE(reader.next(first));
  ASSERT_TRUE(reader.next(second));
  EXPECT_EQ(second.arrival - first.arrival, core::Time{1'000'000}) << "999999 us is valid";
  // Record 3 starts after the 24-byte file header and two 16 + 40 byte records.
  expect_mentions(test::trace_error_of([&] { reader.next(first); }),
                  {path, "record 3 ", "byte offset 136", "timestamp fraction (ts_usec) 1000000",
                   "expected 0 to 999999", "microsecond"});
}

TEST_F(PcapErrors, NanosecondFractionOfOneSecondOrMoreIsAMalformedRecord) {
  const std::string path = write("nsec.pcap", PcapBytes(65535, 101, false, 0xa1b23c4d)
                                                  .record(1, 999'999'999, kIpSize, kIpSize, kIp)
                                                  .record(2, 1'000'000'000, kIpSize, kIpSize, kIp)
                                                  .bytes());
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p));
  expect_mentions(test::trace_error_of([&] { reader.next(p); }),
                  {path, "record 2 ", "byte offset 80", "(ts_nsec) 1000000000",
                   "expected 0 to 999999999", "nanosecond"});
}

TEST_F(PcapErrors, OversizedButPlausibleFramesAreKeptAndCounted) {
  const Bytes head(kIp.begin(), kIp.begin() + 40);
  Bytes tso = test::ipv4({.protocol = 6, .total_length = 37506 - 1000});
  tso.resize(64, 0);
  const std::string path = write(
      "tso.pcap", PcapBytes(64).record(1, 0, 64, 37506, tso).record(1, 1, 40, 40, head).bytes());
  PcapReader reader(path);
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].wire_bytes, 37506u);
  EXPECT_EQ(reader.counters().oversized, 1u);
}

TEST_F(PcapErrors, UnsupportedLinkType) {
  const std::string path = write("wifi.pcap", PcapBytes(65535, 105).bytes());
  expect_mentions(error_reading(path),
                  {path, "link type 105", "IEEE802_11", "not supported", "EN10MB (1)"});
}

TEST_F(PcapErrors, MissingFileAndDirectory) {
  expect_mentions(error_reading(dir_.file("absent.pcap")),
                  {dir_.file("absent.pcap"), "cannot open", "No such file"});
  expect_mentions(error_reading(dir_.file("")), {"is a directory"});
}

TEST_F(PcapErrors, PcapngDefectsNameTheRecord) {
  const Bytes f = kIp;
  const std::string snap =
      write("snap.pcapng", test::pcapng(101, 64, {{1, f}, {2, Bytes(100, 0x45)}}));
  expect_mentions(error_reading(snap), {snap, "record 2 ", "100", "snaplen of 64"});
  const std::string zero = write("zero.pcapng", test::pcapng(101, 0, {{1, f}, {2, f, 0, 0}}));
  expect_mentions(error_reading(zero), {zero, "record 2 ", "wire length (len) is 0"});
  const std::string over = write("over.pcapng", test::pcapng(101, 0, {{1, f, {}, 20}}));
  expect_mentions(error_reading(over), {over, "record 1 ", "exceeds the wire length (len) 20"});
}

TEST_F(PcapErrors, CorruptGzipNamesTheFile) {
  std::vector<test::Record> records;
  for (int i = 0; i < 3000; ++i)
    records.push_back({i, test::ipv4({.src_port = std::uint16_t(i)})});
  test::write_pcap(dir_.file("p.pcap"), 12, records);
  const Bytes gz = test::gzip(test::read_file(dir_.file("p.pcap")));
  Bytes corrupt = gz;
  corrupt[2] = 7;  // compression method: only 8 (deflate) exists
  const std::string bad = write("corrupt.pcap.gz", corrupt);
  expect_mentions(error_reading(bad), {bad, "corrupt gzip data", "unknown compression method"});

  const std::string cut = write("cut.pcap.gz", Bytes(gz.begin(), gz.begin() + gz.size() / 2));
  expect_mentions(error_reading(cut), {cut, "truncated", "gzip"});

  const std::string crc = write("crc.pcap.gz", [&] {
    Bytes b = gz;
    b[b.size() - 6] ^= 1;  // CRC-32 in the trailer
    return b;
  }());
  expect_mentions(error_reading(crc), {crc, "corrupt gzip data", "incorrect data check"});
}

TEST_F(PcapErrors, DefectsInsideGzipAreReportedLikePlainOnes) {
  const Bytes cut(kIp.begin(), kIp.begin() + 25);
  const Bytes plain =
      PcapBytes().record(1, 0, kIpSize, kIpSize, kIp).record(1, 5, kIpSize, kIpSize, cut).bytes();
  const std::string path = write("cut.gz", test::gzip(plain));
  expect_mentions(error_reading(path), {path, "record 2 ", "truncated record"});
  const std::string text = write("text.gz", test::gzip(Bytes(100, 'x')));
  expect_mentions(error_reading(text), {text, "not a pcap or pcapng file"});
  const std::string twice = write("twice.gz", test::gzip(test::gzip(plain)));
  expect_mentions(error_reading(twice), {twice, "compressed twice"});
}

TEST_F(PcapErrors, InvalidOptionsAreConfigErrors) {
  const std::string path = write("ok.pcap", PcapBytes().record(1, 0, 40, 40, kIp).bytes());
  EXPECT_THROW(PcapReader(path, {.reorder = Reorder::kSort, .sort_window = core::TraceTime{-1}}),
               core::ConfigError);
  EXPECT_THROW(PcapReader(path, {.max_gap = core::TraceTime{-5}}), core::ConfigError);
}

// Classic pcap seconds are unsigned 32-bit: a capture that runs across 2^31 s (January 2038)
// goes on, one second later, instead of jumping back 136 years.
TEST_F(PcapErrors, ClassicPcapSecondsPast2038AreUnsigned) {
  const std::uint32_t edge = 0x7fffffffu;
  const std::string path = write("y2038.pcap", PcapBytes()
                                                   .record(edge, 0, kIpSize, kIpSize, kIp)
                                                   .record(edge + 1, 0, kIpSize, kIpSize, kIp)
                                                   .record(edge + 86'401, 0, kIpSize, kIpSize, kIp)
                                                   .bytes());
  PcapReader reader(path);
  const auto packets = test::read_all(reader);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[1].arrival - packets[0].arrival, core::seconds(1));
  EXPECT_EQ(packets[2].arrival - packets[0].arrival, core::seconds(86'401));
}

// pcapng timestamps are 64-bit: beyond int64 nanoseconds (year 2262) the record is named, not
// overflowed into a negative time.
TEST_F(PcapErrors, PcapngTimestampsBeyondInt64NanosecondsNameTheRecord) {
  const std::string path =
      write("far.pcapng", test::pcapng(101, 0, {{1, kIp}, {std::uint64_t{1} << 63, kIp}}));
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p));
  expect_mentions(test::trace_error_of([&] { reader.next(p); }),
                  {path, "record 2", "timestamp of 9223372036854 s", "int64 nanoseconds"});
}

}  // namespace
}  // namespace rlisim::traces
