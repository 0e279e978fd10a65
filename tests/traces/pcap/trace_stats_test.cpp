// Trace statistics on hand-computed captures, and both printers.

#include "traces/pcap/trace_stats.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/traces/pcap/pcap_test_util.hpp"

namespace rlisim::traces {
namespace {

// 100 raw-IPv4 packets of wire length 100 + i bytes (i = 0..99), 1 ms apart, captured to 60
// bytes, over 10 flows (source port i % 10); plus one ARP-like record that is skipped.
class TraceStatsHandMade : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<test::Record> records;
    for (int i = 0; i < 100; ++i) {
      const test::Bytes ip = test::ipv4({.protocol = 17,
                                         .src_port = static_cast<std::uint16_t>(i % 10),
                                         .payload = static_cast<std::uint32_t>(100 + i - 28)});
      records.push_back({1'000'000'000 + i * 1'000'000, ip});
    }
    records.push_back({2'000'000'000, test::Bytes{0x10, 0, 0}});  // version 1: malformed
    test::write_pcap(dir_.file("hand.pcap"), 12, records, 60);
    PcapReader reader(dir_.file("hand.pcap"));
    stats_ = compute_trace_stats(reader);
  }
  test::TempDir dir_;
  TraceStats stats_;
};

TEST_F(TraceStatsHandMade, CountsVolumeTimeAndRates) {
  const TraceStats& s = stats_;
  EXPECT_EQ(s.records, 101u);
  EXPECT_EQ(s.packets, 100u);
  EXPECT_EQ(s.wire_bytes, 100u * 100 + 99 * 100 / 2);  // sum of 100..199 = 14950
  EXPECT_EQ(s.flows, 10u);
  EXPECT_EQ(s.udp_packets, 100u);
  EXPECT_EQ(s.link_type, 101);
  EXPECT_EQ(s.link_type_name, "RAW");
  EXPECT_EQ(s.snaplen, 60u);
  EXPECT_EQ(s.first_timestamp, core::TraceTime{1'000'000'000});
  EXPECT_EQ(s.duration, core::TraceTime{99'000'000});
  EXPECT_DOUBLE_EQ(s.packet_rate, 100 / 0.099);
  EXPECT_DOUBLE_EQ(s.bit_rate, 8 * 14950 / 0.099);
}

TEST_F(TraceStatsHandMade, SizeDistributionIsExact) {
  const TraceStats& s = stats_;
  EXPECT_EQ(s.size_min, 100u);
  EXPECT_EQ(s.size_max, 199u);
  EXPECT_DOUBLE_EQ(s.size_mean, 149.5);
  // Nearest rank over sizes 100..199: the p-th percentile is size 100 + ceil(p) - 1.
  ASSERT_EQ(s.size_percentiles.size(), 7u);
  for (const SizePercentile& p : s.size_percentiles) {
    EXPECT_EQ(p.bytes, 99u + static_cast<std::uint32_t>(std::ceil(p.percent))) << p.percent;
  }
  ASSERT_EQ(s.size_histogram.size(), 9u);
  EXPECT_EQ(s.size_histogram[0].packets, 0u);   // <= 64
  EXPECT_EQ(s.size_histogram[1].packets, 28u);  // 100..127
  EXPECT_EQ(s.size_histogram[2].packets, 72u);  // 128..199
  std::uint64_t total = 0;
  for (const SizeBucket& b : s.size_histogram)
    total += b.packets;
  EXPECT_EQ(total, s.packets);
}

TEST_F(TraceStatsHandMade, ReportsTruncationAndSkips) {
  const TraceStats& s = stats_;
  EXPECT_EQ(s.short_records, 100u);
  EXPECT_EQ(s.min_caplen, 3u);
  EXPECT_EQ(s.max_caplen, 60u);
  EXPECT_DOUBLE_EQ(s.mean_caplen, (100.0 * 60 + 3) / 101);
  EXPECT_EQ(s.skipped_total, 1u);
  EXPECT_EQ(s.skipped[static_cast<std::size_t>(SkipReason::kBadIpVersion)], 1u);
}

TEST_F(TraceStatsHandMade, TextSummaryNamesEveryFact) {
  const std::string text = format_trace_stats_text(stats_);
  for (const char* part :
       {"pcap:", "RAW (101)", "records       101", "100 (IPv4 100", "14,950", "flows         10",
        "0.099000000 s", "1010.1 packets/s", "min 100 B, mean 149.50 B, max 199 B", "p50 149 B",
        "65-127 B", "28", "100 of 101 records shorter than len", "bad_ip_version 1",
        "snaplen 60"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " in:\n" << text;
  }
}

TEST_F(TraceStatsHandMade, JsonCarriesTheSameNumbers) {
  const nlohmann::json j = trace_stats_json(stats_);
  EXPECT_EQ(j["records"], 101);
  EXPECT_EQ(j["packets"], 100);
  EXPECT_EQ(j["bytes"], 14950);
  EXPECT_EQ(j["flows"], 10);
  EXPECT_EQ(j["link_type"]["name"], "RAW");
  EXPECT_EQ(j["link_type"]["number"], 101);
  EXPECT_EQ(j["time"]["duration_ns"], 99'000'000);
  EXPECT_EQ(j["time"]["first_ns"], 1'000'000'000);
  EXPECT_EQ(j["packet_size"]["percentiles"]["p50"], 149);
  EXPECT_EQ(j["packet_size"]["histogram"][1]["packets"], 28);
  EXPECT_TRUE(j["packet_size"]["histogram"][8]["max_bytes"].is_null());
  EXPECT_EQ(j["skipped"]["total"], 1);
  EXPECT_EQ(j["skipped"]["bad_ip_version"], 1);
  EXPECT_EQ(j["truncation"]["short_records"], 100);
  EXPECT_EQ(j["order"]["reorder"], "error");
}

// Traffic block by hand: one packet per 1 ms bin (99 complete bins, the packet at 99 ms is in
// the dropped partial bin), bytes 100 + k in bin k; 10 flows of 10 packets 10 ms apart.
TEST_F(TraceStatsHandMade, TrafficStatisticsMatchHandValues) {
  const TrafficStatisticsReport& t = stats_.traffic;
  EXPECT_EQ(t.packets, 100u);
  EXPECT_EQ(t.flows, 10u);
  const BurstinessAtScale& ms1 = t.burstiness.at(0);
  EXPECT_EQ(ms1.bins, 99u);
  EXPECT_NEAR(*ms1.packets_idc, 0.0, 1e-12);
  // Bytes 100..198: mean 149, population variance (99^2 - 1) / 12.
  EXPECT_NEAR(ms1.bytes_mean, 149.0, 1e-9);
  EXPECT_NEAR(*ms1.bytes_idc, (99.0 * 99 - 1) / 12 / 149, 1e-9);
  EXPECT_EQ(t.burstiness.at(1).bins, 9u);  // 10 packets per 10 ms bin
  EXPECT_NEAR(*t.burstiness.at(1).packets_idc, 0.0, 1e-12);
  EXPECT_EQ(t.burstiness.at(2).bins, 0u);  // 99 ms < 100 ms
  EXPECT_FALSE(t.burstiness.at(2).packets_idc);
  const FlowClassStatistics& ge10 = t.flow_classes.at(0);
  EXPECT_EQ(ge10.flows, 10u);
  EXPECT_NEAR(*ge10.median_gap_cov, 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(*ge10.train_share, 0.0);  // 10 ms gaps
  EXPECT_NEAR(ge10.duration_s->p10, 0.09, 1e-12);
  EXPECT_NEAR(ge10.duration_s->p99, 0.09, 1e-12);
  // Flow j carries 1450 + 10 j bytes over 90 ms; the median lies between j = 4 and 5.
  EXPECT_NEAR(ge10.rate_bps->p50, 8 * 1495.0 / 0.09, 1e-6);
  EXPECT_EQ(t.flow_classes.at(1).flows, 0u);
  EXPECT_EQ(t.top_flows, 1u);
  EXPECT_DOUBLE_EQ(*t.top1pct_byte_share, 1540.0 / 14950);
  const nlohmann::json j = trace_stats_json(stats_);
  EXPECT_EQ(j["burstiness"]["1ms"]["bins"], 99);
  EXPECT_TRUE(j["burstiness"]["100ms"]["packets_idc"].is_null());
  EXPECT_EQ(j["flow_classes"]["ge10"]["flows"], 10);
  EXPECT_EQ(j["records"], 101);  // the existing fields are untouched
  EXPECT_NE(format_trace_stats_text(stats_).find("Burstiness"), std::string::npos);
}

TEST(TraceStats, EmptyCaptureGivesZeroesNotNonsense) {
  test::TempDir dir;
  test::write_pcap(dir.file("none.pcap"), 1, {});
  PcapReader reader(dir.file("none.pcap"));
  const TraceStats s = compute_trace_stats(reader);
  EXPECT_EQ(s.packets, 0u);
  EXPECT_EQ(s.first_timestamp, std::nullopt);
  EXPECT_EQ(s.packet_rate, 0.0);
  EXPECT_TRUE(s.size_percentiles.empty());
  EXPECT_NE(format_trace_stats_text(s).find("records       0"), std::string::npos);
  EXPECT_TRUE(trace_stats_json(s)["time"]["first_ns"].is_null());
}

TEST(TraceStats, ProgressCallbackFiresAtTheInterval) {
  test::TempDir dir;
  std::vector<test::Record> records(10, test::Record{0, test::ipv4()});
  test::write_pcap(dir.file("ten.pcap"), 12, records);
  PcapReader reader(dir.file("ten.pcap"));
  int calls = 0;
  compute_trace_stats(
      reader, [&](const PcapReader&) { ++calls; }, 3);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace rlisim::traces
