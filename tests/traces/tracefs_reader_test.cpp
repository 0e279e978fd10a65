// TracefsReader: real committed traces (counts checked by independent substring counting),
// every malformed-line reason, timestamp precisions, COMM spellings, TGID column, trace-cmd.
#include "traces/tracefs/tracefs_reader.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace rlisim::traces {
namespace {

namespace fs = std::filesystem;
using K = KernelEventKind;

fs::path samples() {
  return fs::path(RLISIM_SOURCE_DIR) / "traces" / "samples";
}

std::vector<fs::path> committed_traces() {
  std::vector<fs::path> files{samples() / "veth-ping.trace"};
  const fs::path kernel = samples() / "kernel";
  if (fs::is_directory(kernel))
    for (const auto& d : fs::directory_iterator(kernel))
      if (fs::is_regular_file(d.path() / "trace.txt"))
        files.push_back(d.path() / "trace.txt");
  return files;
}

/// Counts lines containing `needle`: an oracle independent of the parser (like grep -c).
std::uint64_t grep_c(const fs::path& p, const std::string& needle) {
  std::ifstream in(p);
  std::string line;
  std::uint64_t n = 0;
  while (std::getline(in, line))
    n += line.find(needle) != std::string::npos ? 1 : 0;
  return n;
}

KernelEvent parse_ok(std::string_view line) {
  KernelEvent e;
  const LineResult r = parse_tracefs_line(line, e);
  EXPECT_EQ(r.kind, LineKind::kEvent) << line << " -> " << to_string(r.reason);
  return e;
}

MalformedReason reason_of(std::string_view line) {
  KernelEvent e;
  const LineResult r = parse_tracefs_line(line, e);
  return r.kind == LineKind::kMalformed ? r.reason : MalformedReason::kNone;
}

TEST(TracefsReader, CommittedTracesParseWithCountsMatchingGrep) {
  const auto files = committed_traces();
  ASSERT_GE(files.size(), 1u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    TracefsReader reader(f.string());
    KernelEvent e;
    std::uint64_t n = 0;
    std::int64_t last = 0;
    while (reader.next(e)) {
      EXPECT_GE(e.time_ns, last);
      last = e.time_ns;
      ++n;
    }
    const auto& c = reader.counters();
    EXPECT_EQ(c.malformed_total(), 0u);
    EXPECT_EQ(c.events, n);
    EXPECT_EQ(c.lines, c.events + c.header_lines + c.lost_lines + c.malformed_total());
    EXPECT_EQ(c.header_lines, grep_c(f, "#"));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kNetDevQueue)], grep_c(f, ": net_dev_queue: "));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kNetDevXmit)], grep_c(f, ": net_dev_xmit: "));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kNetifReceiveSkb)], grep_c(f, ": netif_receive_skb: "));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kNapiGroFragsEntry)],
              grep_c(f, ": napi_gro_frags_entry: "));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kNapiGroReceiveEntry)],
              grep_c(f, ": napi_gro_receive_entry: "));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kSysEnterSendto)], grep_c(f, ": sys_sendto("));
    EXPECT_EQ(c.by_kind[static_cast<int>(K::kSysExitRecvmsg)], grep_c(f, ": sys_recvmsg -> "));
    EXPECT_EQ(c.lost_lines, grep_c(f, "[LOST "));
  }
}

TEST(TracefsReader, OldVethSampleHasItsDocumentedShape) {
  TracefsReader reader((samples() / "veth-ping.trace").string());
  KernelEvent e;
  ASSERT_TRUE(reader.next(e));
  // First event line of the file (line 13 after 12 header lines).
  EXPECT_EQ(e.line, 13u);
  EXPECT_EQ(e.kind, K::kSysEnterSendto);
  EXPECT_EQ(e.comm, "ping");
  EXPECT_EQ(e.pid, 17501);
  EXPECT_EQ(e.cpu, 1u);
  EXPECT_EQ(e.flags, ".....");
  EXPECT_EQ(e.time_ns, 1340'502857'000);
  EXPECT_EQ(e.len, 0x40);
  EXPECT_EQ(e.fd, 3);
  ASSERT_TRUE(reader.next(e));
  EXPECT_EQ(e.kind, K::kNetDevQueue);
  EXPECT_EQ(e.device, "veth-h");
  EXPECT_EQ(e.skbaddr, 0x1af055adu);
  EXPECT_EQ(e.len, 42);
  EXPECT_EQ(reader.counters().header_lines, 12u);
}

TEST(TracefsReader, NetDevXmitFieldsAndRc) {
  const auto e = parse_ok(
      "            ping-15423   [000] b....   970.107252: net_dev_xmit: dev=veth-h "
      "skbaddr=000000006d73bcff len=42 rc=-16");
  EXPECT_EQ(e.kind, K::kNetDevXmit);
  EXPECT_EQ(e.device, "veth-h");
  EXPECT_EQ(e.skbaddr, 0x6d73bcffu);
  EXPECT_EQ(e.len, 42);
  EXPECT_EQ(e.rc, -16);
  EXPECT_EQ(e.time_ns, 970'107252'000);
}

TEST(TracefsReader, SyscallReturnValuesAreTwosComplementHex) {
  auto e = parse_ok("            ping-1   [000] .....   970.107476: sys_recvmsg -> 0x54");
  EXPECT_EQ(e.kind, K::kSysExitRecvmsg);
  EXPECT_TRUE(e.has_ret);
  EXPECT_EQ(e.ret, 84);
  e = parse_ok("  ping-1   [000] .....   970.1: sys_recvmsg -> 0xfffffffffffffff5");
  EXPECT_EQ(e.ret, -11);  // EAGAIN
  e = parse_ok("  ping-1   [000] .....   970.1: sys_recvmmsg -> 0x1");
  EXPECT_EQ(e.kind, K::kSysExitRecvmmsg);
  // An exit of sendto and an entry of recvmsg are other events, not the ones we know.
  EXPECT_EQ(parse_ok("  ping-1 [000] ..... 1.0: sys_sendto -> 0x40").kind, K::kOther);
  EXPECT_EQ(parse_ok("  ping-1 [000] ..... 1.0: sys_recvmsg(fd: 3, msg: 0x1, flags: 0)").kind,
            K::kOther);
}

TEST(TracefsReader, MicrosecondAndNanosecondTimestampsAreExact) {
  EXPECT_EQ(parse_ok("a-1 [000] ..... 1340.502857: foo: x=1").time_ns, 1340502857000);
  EXPECT_EQ(parse_ok("a-1 [000] ..... 1340.502857123: foo: x=1").time_ns, 1340502857123);
  EXPECT_EQ(parse_ok("a-1 [000] ..... 98765432.000000001: foo: x=1").time_ns, 98765432000000001);
  EXPECT_EQ(parse_ok("a-1 [000] ..... 12: foo: x=1").time_ns, 12'000'000'000);
  EXPECT_EQ(reason_of("a-1 [000] ..... 1.1234567890: foo: x=1"), MalformedReason::kBadTimestamp);
  // The last instant int64 nanoseconds hold, and the first whole second beyond it.
  EXPECT_EQ(parse_ok("a-1 [000] ..... 9223372035.999999999: foo: x=1").time_ns,
            9'223'372'035'999'999'999);
  EXPECT_EQ(reason_of("a-1 [000] ..... 9223372036.000000000: foo: x=1"),
            MalformedReason::kBadTimestamp);
  EXPECT_EQ(reason_of("a-1 [000] ..... 9999999999.0: foo: x=1"), MalformedReason::kBadTimestamp);
}

TEST(TracefsReader, CommWithSpacesAndDashesAnchorsOnTheCpuColumn) {
  auto e = parse_ok(
      "   Web Content-ipc-4242   [003] d.s2.  10.000001: net_dev_queue: dev=eth0 "
      "skbaddr=ff len=60");
  EXPECT_EQ(e.comm, "Web Content-ipc");
  EXPECT_EQ(e.pid, 4242);
  EXPECT_EQ(e.cpu, 3u);
  e = parse_ok(
      "          <idle>-0       [001] ..s1.  5.5: netif_receive_skb: dev=lo skbaddr=1 "
      "len=84");
  EXPECT_EQ(e.comm, "<idle>");
  EXPECT_EQ(e.pid, 0);
  e = parse_ok("  kworker/u4:2-[1]-77 [000] .... 1.000001: foo: a=b");
  EXPECT_EQ(e.comm, "kworker/u4:2-[1]");
  EXPECT_EQ(e.flags, "....");  // 4-character flags of older kernels
}

TEST(TracefsReader, TgidColumnIsParsedWhenPresent) {
  auto e = parse_ok(
      "            ping-17501   (  17500) [001] .....  1340.502857: "
      "sys_recvmsg -> 0x54");
  EXPECT_EQ(e.pid, 17501);
  EXPECT_EQ(e.tgid, 17500);
  e = parse_ok("   kthreadd-2   (-------) [000] .... 1.0: foo: x=1");
  EXPECT_EQ(e.tgid, -1);
  EXPECT_EQ(e.pid, 2);
  EXPECT_EQ(parse_ok("a-1 [000] ..... 1.0: foo: x=1").tgid, -1);
}

TEST(TracefsReader, TraceCmdReportLinesWithoutFlagsAndWithTracepointNames) {
  auto e = parse_ok(
      "            ping-2345  [001]  6453.440397123: net_dev_xmit:         dev=eth0 "
      "skbaddr=0xffff8a1b2c3d4e00 len=98 rc=0");
  EXPECT_EQ(e.kind, K::kNetDevXmit);
  EXPECT_TRUE(e.flags.empty());
  EXPECT_EQ(e.skbaddr, 0xffff8a1b2c3d4e00u);
  EXPECT_EQ(e.time_ns, 6453440397123);
  e = parse_ok(
      "  ping-2345 [001] 6453.440400: sys_enter_sendto:     fd: 0x00000003, buff: "
      "0x55f3, len: 0x00000040, flags: 0x00000000, addr: 0x55f2, addr_len: 0x00000010");
  EXPECT_EQ(e.kind, K::kSysEnterSendto);
  EXPECT_EQ(e.fd, 3);
  EXPECT_EQ(e.len, 64);
  e = parse_ok("  ping-2345 [001] 6453.440500: sys_exit_recvmsg:     0x54");
  EXPECT_EQ(e.kind, K::kSysExitRecvmsg);
  EXPECT_EQ(e.ret, 84);
  KernelEvent h;
  EXPECT_EQ(parse_tracefs_line("cpus=2", h).kind, LineKind::kHeader);
  EXPECT_EQ(parse_tracefs_line("version = 7", h).kind, LineKind::kHeader);
}

TEST(TracefsReader, GenericFieldsOfNapiGroEvents) {
  const auto e = parse_ok(
      "  ping-1 [001] .Ns1. 1.0: napi_gro_receive_entry: dev=vx1 napi_id=0x0 queue_mapping=0 "
      "skbaddr=00000000cfc63448 vlan_tagged=0 protocol=0x0800 len=84 data_len=0 truesize=832 "
      "mac_header=-14 gso_type=0x0");
  EXPECT_EQ(e.kind, K::kNapiGroReceiveEntry);
  EXPECT_EQ(e.len, 84);  // not data_len
  EXPECT_EQ(e.skbaddr, 0xcfc63448u);
  EXPECT_EQ(e.field("truesize"), "832");
  EXPECT_EQ(e.field("mac_header"), "-14");
  EXPECT_EQ(e.field("protocol"), "0x0800");
  EXPECT_FALSE(e.field("size").has_value());  // no partial-key match inside truesize
  EXPECT_FALSE(e.field("").has_value());      // an empty key names no field, and returns
}

TEST(TracefsReader, EveryMalformedReasonIsDetected) {
  using R = MalformedReason;
  EXPECT_EQ(reason_of("garbage without a cpu column"), R::kNoCpu);
  EXPECT_EQ(reason_of("ping [000] ..... 1.0: foo: x=1"), R::kBadTask);
  EXPECT_EQ(reason_of("ping-1 (abc) [000] ..... 1.0: foo: x=1"), R::kBadTask);
  EXPECT_EQ(reason_of("ping-1 [000] .*.!.. 1.0: foo: x=1"), R::kBadFlags);
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0x: foo: x=1"), R::kBadTimestamp);
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0:"), R::kNoEvent);
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0: net_dev_xmit: dev=a skbaddr=zz len=1 rc=0"),
            R::kBadField);
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0: net_dev_xmit: dev=a skbaddr=1 len=1"),
            R::kBadField);  // rc missing
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0: netif_receive_skb: skbaddr=1 len=1"),
            R::kBadField);  // dev missing
  EXPECT_EQ(reason_of("ping-1 [000] ..... 1.0: sys_recvmsg -> nope"), R::kBadField);
}

TEST(TracefsReader, MalformedLinesAreCountedWithLineNumbersAndNeverFatal) {
  std::stringstream in;
  in << "# tracer: nop\n"
     << "a-1 [000] ..... 1.000001: net_dev_queue: dev=x skbaddr=1 len=98\n"
     << "not a trace line\n"
     << "CPU:1 [LOST 17 EVENTS]\n"
     << "a-1 [000] ..... 1.000002: net_dev_xmit: dev=x skbaddr=1 len=98\n"  // rc missing
     << "\n"
     << "a-1 [000] ..... 1.000003: net_dev_xmit: dev=x skbaddr=1 len=98 rc=0\n"
     << "a-1 [000] ..... 1.000000: tracing_mark_write: hello\n";
  TracefsReader reader(in, "inline");
  KernelEvent e;
  std::vector<std::uint64_t> lines;
  while (reader.next(e))
    lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<std::uint64_t>{2, 7, 8}));
  const auto& c = reader.counters();
  EXPECT_EQ(c.lines, 8u);
  EXPECT_EQ(c.header_lines, 2u);
  EXPECT_EQ(c.lost_lines, 1u);
  EXPECT_EQ(c.lost_events, 17u);
  EXPECT_EQ(c.malformed[static_cast<int>(MalformedReason::kNoCpu)], 1u);
  EXPECT_EQ(c.malformed_lines[static_cast<int>(MalformedReason::kNoCpu)],
            (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(c.malformed_lines[static_cast<int>(MalformedReason::kBadField)],
            (std::vector<std::uint64_t>{5}));
  EXPECT_EQ(c.by_kind[static_cast<int>(K::kOther)], 1u);
  EXPECT_EQ(c.out_of_order, 1u);
}

TEST(TracefsReader, KeepsOnlyTheFirstFewLineNumbersPerReason) {
  std::stringstream in;
  for (int i = 0; i < 100; ++i)
    in << "bad line\n";
  TracefsReader reader(in, "inline");
  KernelEvent e;
  EXPECT_FALSE(reader.next(e));
  const auto i = static_cast<int>(MalformedReason::kNoCpu);
  EXPECT_EQ(reader.counters().malformed[i], 100u);
  EXPECT_EQ(reader.counters().malformed_lines[i].size(), TracefsCounters::kKeptLineNumbers);
  EXPECT_EQ(reader.counters().malformed_lines[i].front(), 1u);
}

TEST(TracefsReader, MissingFileThrowsTraceErrorNamingIt) {
  try {
    TracefsReader reader("/nonexistent/trace.txt");
    FAIL();
  } catch (const std::exception& ex) {
    EXPECT_NE(std::string(ex.what()).find("/nonexistent/trace.txt"), std::string::npos);
  }
}

TEST(TracefsReader, KindNamesRoundTrip) {
  for (std::size_t k = 0; k + 1 < kKernelEventKindCount; ++k) {
    const auto kind = static_cast<KernelEventKind>(k);
    EXPECT_EQ(parse_kernel_event_kind(to_string(kind)), kind);
  }
  EXPECT_EQ(parse_kernel_event_kind("sys_recvmsg"), K::kSysExitRecvmsg);
  EXPECT_FALSE(parse_kernel_event_kind("sched_switch").has_value());
}

}  // namespace
}  // namespace rlisim::traces
