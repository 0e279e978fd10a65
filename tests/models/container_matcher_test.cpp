// Event paths and the streaming latency matcher: hand-computed latencies from real trace lines,
// the syscalls path, skb reuse, expiry, outliers, counter identities, bounded memory.
#include <vector>

#include <gtest/gtest.h>

#include "models/container/event_path.hpp"
#include "models/container/latency_matcher.hpp"
#include "sim/core/error.hpp"

namespace rlisim::models::container {
namespace {

using DR = DeviceRole;
using PE = PathEvent;

struct Collect : LatencySink {
  std::vector<PacketLatency> packets;
  void on_packet(const PacketLatency& p) override { packets.push_back(p); }
  std::vector<std::int64_t> latencies(Direction d) const {
    std::vector<std::int64_t> v;
    for (const auto& p : packets)
      if (p.direction == d)
        v.push_back(p.latency_ns());
    return v;
  }
};

/// `us` is the trace timestamp's microseconds after 1340 s (traces/samples/veth-ping.trace).
PathObservation ev(std::int64_t us, PE e, DR d, std::uint64_t skb, std::int64_t len,
                   std::int32_t pid = 17501, std::int64_t ret = 0) {
  PathObservation o;
  o.time_ns = 1340'000'000'000 + us * 1000;
  o.event = e;
  o.device = d;
  o.skbaddr = skb;
  o.len = len;
  o.pid = pid;
  o.ret = ret;
  return o;
}

/// Lines 13-38 of traces/samples/veth-ping.trace (ping in the root namespace to a namespace
/// over veth-h/veth-c), with veth-h as the container device and veth-c as the outer one.
/// Syscall events have no device (kNone).
std::vector<PathObservation> sample_lines() {
  const DR h = DR::kContainer, c = DR::kOuter, n = DR::kNone;
  return {
      ev(502857, PE::kSysEnterSendto, n, 0, 0x40),
      ev(502917, PE::kNetDevQueue, h, 0x1af055ad, 42),
      ev(502924, PE::kNetDevXmit, h, 0x1af055ad, 42),
      ev(502931, PE::kNetifReceiveSkb, c, 0x1af055ad, 28),
      ev(502945, PE::kNetDevQueue, c, 0xf3bba839, 42),
      ev(502946, PE::kNetDevXmit, c, 0xf3bba839, 42),
      ev(502946, PE::kNetifReceiveSkb, h, 0xf3bba839, 28),
      ev(502948, PE::kNetDevQueue, h, 0xeb71ad7b, 98),
      ev(502949, PE::kNetDevXmit, h, 0xeb71ad7b, 98),
      ev(502949, PE::kNetifReceiveSkb, c, 0xeb71ad7b, 84),
      ev(503171, PE::kNetDevQueue, c, 0xf3bba839, 98),
      ev(503173, PE::kNetDevXmit, c, 0xf3bba839, 98),
      ev(503174, PE::kNetifReceiveSkb, h, 0xf3bba839, 84),
      ev(503193, PE::kSysExitRecv, n, 0, -1, 17501, 0x54),
      ev(556822, PE::kSysExitRecv, n, 0, -1, 17501, -11),
      ev(556844, PE::kSysEnterSendto, n, 0, 0x40),
      ev(556886, PE::kNetDevQueue, h, 0xeb71ad7b, 98),
      ev(556893, PE::kNetDevXmit, h, 0xeb71ad7b, 98),
      ev(556897, PE::kNetifReceiveSkb, c, 0xeb71ad7b, 84),
      ev(556916, PE::kNetDevQueue, c, 0xf3bba839, 98),
      ev(556917, PE::kNetDevXmit, c, 0xf3bba839, 98),
      ev(556921, PE::kNetifReceiveSkb, h, 0xf3bba839, 84),
      ev(556935, PE::kSysExitRecv, n, 0, -1, 17501, 0x54),
      ev(612841, PE::kSysExitRecv, n, 0, -1, 17501, -11),
      ev(612865, PE::kSysEnterSendto, n, 0, 0x40),
      ev(612911, PE::kNetDevQueue, h, 0xeb71ad7b, 98),
  };
}

EventPath veth_pair_path() {
  EventPath p;
  p.name = "veth-pair";
  p.container_device = "veth-h";
  p.outer_device = "veth-c";
  p.egress = {{DR::kContainer, PE::kNetDevQueue}, {DR::kOuter, PE::kNetifReceiveSkb}};
  p.ingress = {{DR::kOuter, PE::kNetDevQueue}, {DR::kContainer, PE::kNetifReceiveSkb}};
  return p;
}

TEST(LatencyMatcher, RealVethTraceLatenciesMatchHandComputedValues) {
  Collect sink;
  LatencyMatcher m(veth_pair_path(), {}, sink);
  for (const auto& o : sample_lines())
    m.observe(o);
  m.finish();
  // By hand from the lines: egress queue(veth-h) -> receive(veth-c) per skb:
  // 1af055ad 502917 -> 502931 (ARP request), eb71ad7b 502948 -> 502949, 556886 -> 556897.
  EXPECT_EQ(sink.latencies(Direction::kEgress), (std::vector<std::int64_t>{14000, 1000, 11000}));
  // Ingress queue(veth-c) -> receive(veth-h): f3bba839 502945 -> 502946 (ARP reply),
  // 503171 -> 503174, 556916 -> 556921.
  EXPECT_EQ(sink.latencies(Direction::kIngress), (std::vector<std::int64_t>{1000, 3000, 5000}));
  const auto& eg = m.counters()[Direction::kEgress];
  EXPECT_EQ(eg.starts, 4u);  // the last queue event (612911) never reaches its end
  EXPECT_EQ(eg.matched, 3u);
  EXPECT_EQ(eg.unmatched_starts, 1u);
  EXPECT_EQ(eg.unmatched_ends, 0u);
  EXPECT_EQ(eg.reused, 0u);  // eb71ad7b came back only after its chain had closed
  EXPECT_EQ(sink.packets[0].start_len, 42);
  EXPECT_EQ(sink.packets[0].end_len, 28);
  EXPECT_EQ(sink.packets[0].key, 0x1af055adu);
  EXPECT_EQ(m.open_chains(), 0u);
}

TEST(LatencyMatcher, SyscallsPathMatchesEgressByPidAndIngressByLength) {
  Collect sink;
  LatencyMatcher m(builtin_event_path("syscalls", "veth-h", "veth-c"), {}, sink);
  for (const auto& o : sample_lines())
    m.observe(o);
  m.finish();
  // Egress: sendto (pid 17501) -> first net_dev_xmit on veth-c by that pid:
  // 502857 -> 502946 and 556844 -> 556917. The third sendto (612865) is never closed.
  EXPECT_EQ(sink.latencies(Direction::kEgress), (std::vector<std::int64_t>{89000, 73000}));
  // Ingress: netif_receive_skb on veth-c with len 84 -> recvmsg returning 0x54:
  // 502949 -> 503193 and 556897 -> 556935 (the len-28 ARP receive stays unmatched).
  EXPECT_EQ(sink.latencies(Direction::kIngress), (std::vector<std::int64_t>{244000, 38000}));
  EXPECT_EQ(m.counters().syscall_errors, 2u);  // the two EAGAIN returns
  EXPECT_EQ(m.counters()[Direction::kEgress].unmatched_starts, 1u);
  EXPECT_EQ(m.counters()[Direction::kIngress].unmatched_starts, 1u);  // len 28
  // The veth-c transmit at 503173 (the echo reply) finds no open chain: the ARP reply at
  // 502946 already closed the first sendto (the PID rule's known weakness, container.md §1.2).
  EXPECT_EQ(m.counters()[Direction::kEgress].unmatched_ends, 1u);
}

TEST(LatencyMatcher, SyscallsIngressOverAnOverlayMatchesTheInnerLength) {
  // The VXLAN outer device receives 84 + 50 bytes; recvmsg returns the inner 84.
  const auto run = [](std::int64_t encapsulation) {
    Collect sink;
    EventPath path = builtin_event_path("syscalls", "", "os");
    path.encapsulation_bytes = encapsulation;
    LatencyMatcher m(path, {}, sink);
    m.observe(ev(0, PE::kNetifReceiveSkb, DR::kOuter, 0xa, 134));
    m.observe(ev(3, PE::kNetifReceiveSkb, DR::kContainer, 0xa, 84));
    m.observe(ev(40, PE::kSysExitRecv, DR::kNone, 0, 0, 17501, 84));
    m.finish();
    return std::pair{sink.latencies(Direction::kIngress), m.counters()[Direction::kIngress]};
  };
  const auto [plain, plain_counters] = run(0);
  EXPECT_TRUE(plain.empty());
  EXPECT_EQ(plain_counters.unmatched_ends, 1u);
  EXPECT_EQ(plain_counters.unmatched_starts, 1u);
  const auto [overlay, overlay_counters] = run(50);
  EXPECT_EQ(overlay, (std::vector<std::int64_t>{40000}));
  EXPECT_EQ(overlay_counters.matched, 1u);
  EXPECT_EQ(overlay_counters.unmatched_ends, 0u);
}

TEST(LatencyMatcher, SyscallsEgressKeepsConcurrentProcessesApart) {
  Collect sink;
  LatencyMatcher m(builtin_event_path("syscalls", "", "eth0"), {}, sink);
  m.observe(ev(0, PE::kSysEnterSendto, DR::kNone, 0, 64, 1));
  m.observe(ev(5, PE::kSysEnterSendto, DR::kNone, 0, 64, 2));
  m.observe(ev(20, PE::kNetDevXmit, DR::kOuter, 0xb, 98, 2));
  m.observe(ev(30, PE::kNetDevXmit, DR::kOuter, 0xa, 98, 1));
  EXPECT_EQ(sink.latencies(Direction::kEgress), (std::vector<std::int64_t>{15000, 30000}));
  EXPECT_EQ(sink.packets[0].pid, 2);
}

TEST(LatencyMatcher, ReusedSkbAddressReplacesTheOpenChain) {
  Collect sink;
  LatencyMatcher m(builtin_event_path("inner-dev", "c", "o"), {}, sink);
  m.observe(ev(0, PE::kNetDevXmit, DR::kContainer, 0xa, 98));   // freed before the end point
  m.observe(ev(10, PE::kNetDevXmit, DR::kContainer, 0xa, 98));  // same address, new packet
  m.observe(ev(17, PE::kNetDevXmit, DR::kOuter, 0xa, 98));
  m.finish();
  EXPECT_EQ(sink.latencies(Direction::kEgress), (std::vector<std::int64_t>{7000}));
  const auto& c = m.counters()[Direction::kEgress];
  EXPECT_EQ(c.reused, 1u);
  EXPECT_EQ(c.starts, 2u);
  EXPECT_EQ(c.starts,
            c.matched + c.outliers + c.negative + c.expired + c.reused + c.unmatched_starts);
}

TEST(LatencyMatcher, StaleChainsExpireAndNeverMatch) {
  Collect sink;
  MatcherOptions opt;
  opt.expiry_ns = 100'000;  // 100 µs
  LatencyMatcher m(builtin_event_path("inner-dev", "c", "o"), opt, sink);
  m.observe(ev(0, PE::kNetDevXmit, DR::kContainer, 0xa, 98));
  m.observe(ev(50, PE::kNetDevXmit, DR::kContainer, 0xb, 98));
  m.observe(ev(120, PE::kNetDevXmit, DR::kOuter, 0xb, 98));      // b: 70 µs, fine
  m.observe(ev(101, PE::kNetDevXmit, DR::kOuter, 0xa, 98));      // a: 101 µs > expiry
  m.observe(ev(300, PE::kNetDevXmit, DR::kContainer, 0xc, 98));  // sweeps
  m.observe(ev(450, PE::kNetDevXmit, DR::kOuter, 0xc, 98));      // c: 150 µs, swept
  m.finish();
  EXPECT_EQ(sink.latencies(Direction::kEgress), (std::vector<std::int64_t>{70000}));
  const auto& c = m.counters()[Direction::kEgress];
  EXPECT_EQ(c.expired, 2u);
  EXPECT_EQ(c.unmatched_ends, 2u);
  EXPECT_EQ(m.counters().out_of_order, 1u);
  EXPECT_EQ(c.starts,
            c.matched + c.outliers + c.negative + c.expired + c.reused + c.unmatched_starts);
}

TEST(LatencyMatcher, OutlierThresholdIsOffByDefaultAndDropsWhenSet) {
  for (const bool on : {false, true}) {
    Collect sink;
    MatcherOptions opt;
    if (on)
      opt.outlier_threshold_ns = 1'000'000;  // MACE 2018: >= 1000 µs
    LatencyMatcher m(builtin_event_path("inner-dev", "c", "o"), opt, sink);
    m.observe(ev(0, PE::kNetDevXmit, DR::kContainer, 0xa, 98));
    m.observe(ev(1000, PE::kNetDevXmit, DR::kOuter, 0xa, 98));
    m.observe(ev(2000, PE::kNetDevXmit, DR::kContainer, 0xa, 98));
    m.observe(ev(2999, PE::kNetDevXmit, DR::kOuter, 0xa, 98));
    EXPECT_EQ(sink.packets.size(), on ? 1u : 2u);
    EXPECT_EQ(m.counters()[Direction::kEgress].outliers, on ? 1u : 0u);
  }
}

TEST(LatencyMatcher, MemoryStaysBoundedByTheExpiryWindow) {
  Collect sink;
  MatcherOptions opt;
  opt.expiry_ns = 10'000'000;  // 10 ms
  LatencyMatcher m(builtin_event_path("inner-dev", "c", "o"), opt, sink);
  std::size_t most = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) {  // starts 1 ms apart that never end
    m.observe(ev(static_cast<std::int64_t>(i) * 1000, PE::kNetDevXmit, DR::kContainer, i, 98));
    most = std::max(most, m.open_chains());
  }
  EXPECT_LE(most, 21u);
  m.finish();
  EXPECT_EQ(
      m.counters()[Direction::kEgress].expired + m.counters()[Direction::kEgress].unmatched_starts,
      20000u);
}

TEST(EventPath, BuiltinsAreThePosterTable) {
  const auto inner = builtin_event_path("inner-dev", "veth", "eno1");
  EXPECT_EQ(inner.egress.start, (PathPoint{DR::kContainer, PE::kNetDevXmit}));
  EXPECT_EQ(inner.egress.end, (PathPoint{DR::kOuter, PE::kNetDevXmit}));
  EXPECT_EQ(inner.ingress.start, (PathPoint{DR::kOuter, PE::kNetifReceiveSkb}));
  EXPECT_EQ(inner.ingress.end, (PathPoint{DR::kContainer, PE::kNetifReceiveSkb}));
  const auto max = builtin_event_path("max-dev", "veth", "eno1");
  EXPECT_EQ(max.egress.start, (PathPoint{DR::kContainer, PE::kNetDevQueue}));
  EXPECT_EQ(max.egress.end, (PathPoint{DR::kOuter, PE::kNetDevXmit}));
  EXPECT_EQ(max.ingress.start, (PathPoint{DR::kOuter, PE::kNapiGroFragsEntry}));
  EXPECT_EQ(max.ingress.end, (PathPoint{DR::kContainer, PE::kNetifReceiveSkb}));
  const auto sys = builtin_event_path("syscalls", "", "eno1");
  EXPECT_EQ(sys.egress.start, (PathPoint{DR::kNone, PE::kSysEnterSendto}));
  EXPECT_EQ(sys.egress.end, (PathPoint{DR::kOuter, PE::kNetDevXmit}));
  EXPECT_EQ(sys.ingress.start, (PathPoint{DR::kOuter, PE::kNetifReceiveSkb}));
  EXPECT_EQ(sys.ingress.end, (PathPoint{DR::kNone, PE::kSysExitRecv}));
  EXPECT_TRUE(sys.egress_by_pid());
  EXPECT_TRUE(sys.ingress_by_length());
  EXPECT_EQ(parse_path_event("sys_exit_recvmmsg"), PE::kSysExitRecv);
  EXPECT_EQ(parse_path_event("sys_exit_recvmsg"), PE::kSysExitRecv);
}

TEST(EventPath, InvalidPathsThrowNamingTheProblem) {
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const core::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(message([] { builtin_event_path("fast-dev", "a", "b"); }).find("inner-dev, max-dev"),
            std::string::npos);
  EXPECT_NE(message([] { builtin_event_path("inner-dev", "", "b"); }).find("--inner-dev"),
            std::string::npos);
  EXPECT_NE(message([] { builtin_event_path("syscalls", "", ""); }).find("--outer-dev"),
            std::string::npos);
  EventPath same = builtin_event_path("inner-dev", "a", "b");
  same.egress.end = same.egress.start;
  EXPECT_NE(message([&] { validate_event_path(same); }).find("same point"), std::string::npos);
  EventPath encapsulated = builtin_event_path("syscalls", "", "os");
  encapsulated.encapsulation_bytes = -1;
  EXPECT_NE(message([&] { validate_event_path(encapsulated); }).find("encapsulation bytes"),
            std::string::npos);
  encapsulated.encapsulation_bytes = EventPath::kMaxEncapsulationBytes + 1;
  EXPECT_NE(message([&] { validate_event_path(encapsulated); }).find("got 1025"),
            std::string::npos);
  EventPath dev_syscall = builtin_event_path("inner-dev", "a", "b");
  dev_syscall.egress.start = {DR::kContainer, PE::kSysEnterSendto};
  EXPECT_NE(message([&] { validate_event_path(dev_syscall); }).find("no device"),
            std::string::npos);
  Collect sink;
  MatcherOptions bad;
  bad.expiry_ns = 0;
  EXPECT_NE(message([&] {
              LatencyMatcher(builtin_event_path("inner-dev", "a", "b"), bad, sink);
            }).find("expiry"),
            std::string::npos);
}

}  // namespace
}  // namespace rlisim::models::container
