// Timestamp order: error by default, clamp, bounded-window sort, gap shortening, time range.

#include <initializer_list>

#include <gtest/gtest.h>

#include "tests/traces/pcap/pcap_test_util.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {
namespace {

constexpr std::int64_t kBase = 1'500'000'000'000'000'000;  // an absolute epoch time, ns

// A raw-IP capture whose packet i has timestamp kBase + offsets[i] ns and source port i.
std::string write_times(const test::TempDir& dir, std::initializer_list<std::int64_t> offsets) {
  std::vector<test::Record> records;
  std::uint16_t port = 0;
  for (const std::int64_t off : offsets) {
    records.push_back({kBase + off, test::ipv4({.protocol = 17, .src_port = port++})});
  }
  const std::string path = dir.file("times.pcap");
  test::write_pcap(path, 12, records);
  return path;
}

std::vector<std::int64_t> arrivals_ns(const std::vector<core::Packet>& packets) {
  std::vector<std::int64_t> out;
  for (const auto& p : packets)
    out.push_back(p.arrival.count() / 1000);
  return out;
}

std::vector<std::uint16_t> ports(const std::vector<core::Packet>& packets) {
  std::vector<std::uint16_t> out;
  for (const auto& p : packets)
    out.push_back(p.flow.src_port);
  return out;
}

TEST(PcapOrder, BackwardTimestampIsAnErrorNamingRecordAndBothTimes) {
  test::TempDir dir;
  const std::string path = write_times(dir, {0, 10, 5, 20});
  PcapReader reader(path);
  core::Packet p;
  ASSERT_TRUE(reader.next(p));
  ASSERT_TRUE(reader.next(p));
  const std::string m = test::trace_error_of([&] { reader.next(p); });
  for (const char* part : {"record 3 (1-based record number in the file)", "1500000000.000000005 s",
                           "(record 2) 1500000000.000000010 s", "by 5 ns", path.c_str()}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " in: " << m;
  }
}

TEST(PcapOrder, OrderIsCheckedOverEmittedPacketsOnly) {
  test::TempDir dir;
  // A non-IP frame with an older timestamp between two IP packets does not count.
  test::write_pcap(dir.file("arp.pcap"), 1,
                   {{100, test::ethernet(0x0800, test::ipv4())},
                    {50, test::ethernet(0x0806, test::Bytes(28, 0))},
                    {150, test::ethernet(0x0800, test::ipv4())}});
  PcapReader reader(dir.file("arp.pcap"));
  EXPECT_EQ(arrivals_ns(test::read_all(reader)), (std::vector<std::int64_t>{0, 50}));
}

TEST(PcapOrder, ClampRaisesLateTimestampsAndCountsThem) {
  test::TempDir dir;
  PcapReader reader(write_times(dir, {0, 10, 5, 7, 20}), {.reorder = Reorder::kClamp});
  const auto packets = test::read_all(reader);
  EXPECT_EQ(arrivals_ns(packets), (std::vector<std::int64_t>{0, 10, 10, 10, 20}));
  EXPECT_EQ(ports(packets), (std::vector<std::uint16_t>{0, 1, 2, 3, 4})) << "file order kept";
  EXPECT_EQ(reader.counters().clamped, 2u);
}

TEST(PcapOrder, SortRestoresOrderWithinTheWindow) {
  test::TempDir dir;
  PcapReader reader(write_times(dir, {0, 10, 5, 7, 30, 25, 25, 40}),
                    {.reorder = Reorder::kSort, .sort_window = core::TraceTime{10}});
  const auto packets = test::read_all(reader);
  EXPECT_EQ(arrivals_ns(packets), (std::vector<std::int64_t>{0, 5, 7, 10, 25, 25, 30, 40}));
  EXPECT_EQ(ports(packets), (std::vector<std::uint16_t>{0, 2, 3, 1, 5, 6, 4, 7}))
      << "equal timestamps keep file order";
  EXPECT_EQ(reader.counters().reordered, 4u);
  EXPECT_EQ(reader.counters().packets, 8u);
  EXPECT_EQ(reader.counters().records, 8u);
  for (std::size_t i = 0; i < packets.size(); ++i)
    EXPECT_EQ(packets[i].seq, i);
}

TEST(PcapOrder, SortWindowTooSmallIsAnError) {
  test::TempDir dir;
  const std::string path = write_times(dir, {0, 10, 20, 30, 5});
  const std::string m = test::trace_error_of([&] {
    PcapReader reader(path, {.reorder = Reorder::kSort, .sort_window = core::TraceTime{8}});
    test::read_all(reader);
  });
  for (const char* part : {"record 5 ", "sort window of 8 ns is too small", "at least 25 ns",
                           "1500000000.000000005 s"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " in: " << m;
  }
  PcapReader wide(path, {.reorder = Reorder::kSort, .sort_window = core::TraceTime{25}});
  EXPECT_EQ(arrivals_ns(test::read_all(wide)), (std::vector<std::int64_t>{0, 5, 10, 20, 30}));
}

TEST(PcapOrder, LongGapsAreShortenedWhenAsked) {
  test::TempDir dir;
  const std::int64_t day = 86'400'000'000'000;
  const std::string path = write_times(dir, {0, 10, 200 * day, 200 * day + 30});
  PcapReader reader(path, {.max_gap = core::TraceTime{1'000}});
  EXPECT_EQ(arrivals_ns(test::read_all(reader)), (std::vector<std::int64_t>{0, 10, 1010, 1040}));
  EXPECT_EQ(reader.counters().gaps_shortened, 1u);
  EXPECT_EQ(reader.counters().gap_time_removed, core::TraceTime{200 * day - 10 - 1'000});
}

TEST(PcapOrder, TracesBeyondTheSimulationRangeAreAnError) {
  test::TempDir dir;
  const std::int64_t day = 86'400'000'000'000;
  const std::string path = write_times(dir, {0, 10, 200 * day});
  const std::string m = test::trace_error_of([&] {
    PcapReader reader(path);
    test::read_all(reader);
  });
  for (const char* part : {"record 3 ", "(record 1) 1500000000.000000000 s",
                           "(record 2) 1500000000.000000010 s", "106 days", "max_gap"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " in: " << m;
  }
  // Statistics use absolute time and accept it.
  PcapReader reader(path);
  core::Packet p;
  core::TraceTime ts{};
  int n = 0;
  while (reader.next_timestamped(p, ts))
    ++n;
  EXPECT_EQ(n, 3);
  EXPECT_EQ(ts, core::TraceTime{kBase + 200 * day});
}

}  // namespace
}  // namespace rlisim::traces
