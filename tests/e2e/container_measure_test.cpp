// `rlisim container measure` end to end on committed real kernel traces, through the binary.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_util.hpp"

namespace rlisim::e2e {
namespace {

const std::string kVeth = "traces/samples/kernel/veth-idle/trace.txt";

TEST(ContainerMeasure, VethTraceGivesHandCheckedFirstProbeAndFullCounts) {
  const auto dir = scratch("container-measure-veth");
  const auto csv = dir / "packets.csv";
  const auto r = rlisim("container measure " + kVeth +
                        " --path inner-dev --inner-dev cs --outer-dev os --json --packets-out " +
                        csv.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["egress"]["count"], 50);
  EXPECT_EQ(j["ingress"]["count"], 50);
  EXPECT_EQ(j["matching"]["egress"]["matched"], 50);
  EXPECT_EQ(j["rtt"]["matching"], "icmp-seq");  // ping.txt found next to the trace
  EXPECT_EQ(j["rtt"]["adjusted_probes"], 50);
  EXPECT_EQ(j["files"][0]["malformed"]["bad_field"]["count"], 0);
  const auto rows = read_csv(csv);
  ASSERT_EQ(rows.size(), 101u);  // header + 50 egress + 50 ingress
  // Probe 1 by hand from trace.txt lines 4, 7, 8 and 11:
  // egress  net_dev_xmit cs 20240.685362 -> net_dev_xmit os 20240.685374 = 12 µs
  // ingress netif_receive_skb os 20240.685385 -> netif_receive_skb cs 20240.685388 = 3 µs
  EXPECT_EQ(rows[1][0], "egress");
  EXPECT_EQ(rows[1][1], "20240685362000");
  EXPECT_EQ(rows[1][3], "12000");
  EXPECT_EQ(rows[2][0], "ingress");
  EXPECT_EQ(rows[2][3], "3000");
  // The overhead distribution is the sum of both directions per probe; its minimum is at most
  // the first probe's 15 µs, and the adjusted RTT is raw minus overhead on average.
  const double raw = j["rtt"]["raw"]["mean_us"], over = j["rtt"]["overhead"]["mean_us"],
               adj = j["rtt"]["adjusted"]["mean_us"];
  EXPECT_NEAR(adj, raw - over, 1e-9);
  EXPECT_LE(j["rtt"]["overhead"]["min_us"].get<double>(), 15.0);
}

TEST(ContainerMeasure, TextSummaryShowsDistributionCountersAndAdjustment) {
  const auto r = rlisim("container measure " + kVeth + " --inner-dev cs --outer-dev os");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"egress", "ingress", "p99", "unmatched starts", "reused", "raw RTT",
                        "overhead", "adjusted", "icmp-seq", "50 adjusted"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
}

TEST(ContainerMeasure, WithoutPingLogRttsComeFromTheSyscallsInTheTrace) {
  const auto dir = scratch("container-measure-noping");
  std::filesystem::copy_file(std::string(RLISIM_SOURCE_DIR) + "/" + kVeth, dir / "t.trace");
  const auto r = rlisim("container measure " + (dir / "t.trace").string() +
                        " --inner-dev cs --outer-dev os --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["rtt"]["matching"], "syscall-window");
  EXPECT_GE(j["rtt"]["adjusted_probes"].get<int>(), 45);
}

TEST(ContainerMeasure, SyscallsPathOverVxlanNeedsTheEncapsulationBytes) {
  // The outer device of the VXLAN trace receives 134-byte packets; recvmsg returns 84.
  const std::string base =
      "container measure traces/samples/kernel/vxlan-idle/trace.txt --path syscalls --outer-dev os";
  const auto plain = rlisim(base);
  EXPECT_NE(plain.output.find("hint: no receive syscall returned the length"), std::string::npos)
      << plain.output;
  const auto r = rlisim(base + " --encap-bytes 50 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["path"]["encapsulation_bytes"], 50);
  EXPECT_EQ(j["ingress"]["count"], 50);
  EXPECT_EQ(j["rtt"]["adjusted_probes"], 50);
  const auto bad = rlisim(base + " --encap-bytes 5000");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("encapsulation bytes must be in [0, 1024]"), std::string::npos)
      << bad.output;
}

TEST(ContainerMeasure, BridgeWithNatKeepsTheSkbChainThroughMasquerade) {
  const auto r = rlisim(
      "container measure traces/samples/kernel/bridge-nat-idle/trace.txt --inner-dev cs "
      "--outer-dev os --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["egress"]["count"], 50);
  EXPECT_EQ(j["ingress"]["count"], 50);
  EXPECT_EQ(j["rtt"]["adjusted_probes"], 50);
  // Bridge, route and masquerade are all on the way out: egress takes longer than ingress.
  EXPECT_GT(j["egress"]["p50_us"].get<double>(), j["ingress"]["p50_us"].get<double>());
}

TEST(ContainerMeasure, CustomPathFileOnTheOlderVethSample) {
  const auto dir = scratch("container-measure-pathfile");
  std::ofstream(dir / "path.toml")
      << "name = \"veth-pair\"\n"
         "container_device = \"veth-h\"\n"
         "outer_device = \"veth-c\"\n"
         "[egress]\n"
         "start = { device = \"container\", event = \"net_dev_queue\" }\n"
         "end = { device = \"outer\", event = \"netif_receive_skb\" }\n"
         "[ingress]\n"
         "start = { device = \"outer\", event = \"net_dev_queue\" }\n"
         "end = { device = \"container\", event = \"netif_receive_skb\" }\n";
  const auto r = rlisim("container measure traces/samples/veth-ping.trace --json --path-file " +
                        (dir / "path.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["path"]["name"], "veth-pair");
  // First packet by hand: veth-h queue 1340.502917 -> veth-c receive 1340.502931 = 14 µs (the
  // ARP request), the minimum over 21 egress packets is the 1 µs of line 21-22.
  EXPECT_EQ(j["egress"]["min_us"], 1.0);
  EXPECT_GE(j["egress"]["count"].get<int>(), 20);
}

TEST(ContainerMeasure, GarbageFileFailsNamingFileAndLine) {
  const auto dir = scratch("container-measure-bad");
  std::ofstream(dir / "bad.txt") << "hello\nthis is not a trace\n";
  const auto r =
      rlisim("container measure " + (dir / "bad.txt").string() + " --inner-dev a --outer-dev b");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("bad.txt"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("line 1"), std::string::npos) << r.output;
}

TEST(ContainerMeasure, EmptyTraceAndNoMatchesGiveClearMessages) {
  const auto dir = scratch("container-measure-empty");
  std::ofstream(dir / "empty.txt") << "# tracer: nop\n#\n";
  auto r =
      rlisim("container measure " + (dir / "empty.txt").string() + " --inner-dev a --outer-dev b");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("empty trace"), std::string::npos) << r.output;
  r = rlisim("container measure " + kVeth + " --inner-dev eth0 --outer-dev eth1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no packet matched"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cs"), std::string::npos) << r.output;  // lists the trace's devices
}

TEST(ContainerMeasure, MissingDeviceNameIsAConfigurationError) {
  const auto r = rlisim("container measure " + kVeth + " --path inner-dev --outer-dev os");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--inner-dev"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace rlisim::e2e
