// Router with RLI reference generators: injection order, link time, buffer space, overhead
// accounting and the byte-share cap, checked against hand-computed egress times.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/rli/reference_policy.hpp"
#include "sim/net/router.hpp"

namespace rlisim::net {
namespace {

using core::PacketKind;
using core::Time;
using ::testing::HasSubstr;

namespace rli = models::rli;

// 8 Mb/s: one byte per microsecond, so a packet of b bytes takes exactly b microseconds.
constexpr std::uint64_t kEightMbps = 8'000'000;
constexpr std::int64_t kUs = 1'000'000;  // ps

struct Seen {
  char what;  // 'i'ngress, 'e'gress, 'd'rop
  PacketKind kind;
  std::uint64_t seq;
  std::int64_t time_ps;  // arrival for 'i', egress time for 'e', -1 for 'd'
  friend bool operator==(const Seen&, const Seen&) = default;
};

// Records what the taps see, and the first reference packet in full.
class Observer final : public models::Estimator {
 public:
  std::string_view name() const override { return "observer"; }
  void on_ingress(const core::Packet& p, models::FlowId) override {
    events.push_back({'i', p.kind, p.seq, p.arrival.count()});
    if (p.kind == PacketKind::kReference) {
      if (references_seen == 0)
        first_reference = p;
      ++references_seen;
    }
  }
  void on_egress(const core::Packet& p, models::FlowId, models::PortId, Time t) override {
    events.push_back({'e', p.kind, p.seq, t.count()});
  }
  void on_drop(const core::Packet& p, models::FlowId, models::PortId) override {
    events.push_back({'d', p.kind, p.seq, -1});
  }
  std::vector<Seen> events;
  std::uint64_t references_seen = 0;
  core::Packet first_reference;
};

core::Packet regular(std::int64_t arrival_ps, std::uint32_t bytes, std::uint64_t seq,
                     std::uint16_t src_port = 1000) {
  core::Packet p;
  p.arrival = Time{arrival_ps};
  p.flow = core::FlowKey::ipv4(0x0a000001, 0x14000001, src_port, 80, 6);
  p.wire_bytes = bytes;
  p.seq = seq;
  return p;
}

RouterConfig slow_port() {
  RouterConfig config;
  config.egress[0].rate = core::BitsPerSecond{kEightMbps};
  return config;
}

rli::ReferencePolicyConfig static_policy(std::uint32_t n) {
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kStatic;
  policy.n = n;
  policy.reference_bytes = 64;
  return policy;
}

TEST(RouterRli, StaticReferenceFollowsThePacketAndDelaysTheNextByItsLinkTime) {
  Router router(slow_port());
  router.add_reference_sender(0, static_policy(2));
  Observer seen;
  router.add_observer(seen);
  const PacketFate a = router.process(regular(0, 100, 0));
  const PacketFate b = router.process(regular(1 * kUs, 100, 1));
  const PacketFate c = router.process(regular(2 * kUs, 100, 2));
  // Packet 0: 0..100 us. Packet 1 waits: 100..200 us. The reference (arrival 1 us, after
  // packet 1): 200..264 us. Packet 2: 264..364 us instead of 200..300 us without it.
  EXPECT_EQ(a.egress_time.count(), 100 * kUs);
  EXPECT_EQ(b.egress_time.count(), 200 * kUs);
  EXPECT_EQ(c.egress_time.count(), 364 * kUs);
  const std::vector<Seen> expected = {
      {'i', PacketKind::kRegular, 0, 0},         {'e', PacketKind::kRegular, 0, 100 * kUs},
      {'i', PacketKind::kRegular, 1, 1 * kUs},   {'e', PacketKind::kRegular, 1, 200 * kUs},
      {'i', PacketKind::kReference, 0, 1 * kUs}, {'e', PacketKind::kReference, 0, 264 * kUs},
      {'i', PacketKind::kRegular, 2, 2 * kUs},   {'e', PacketKind::kRegular, 2, 364 * kUs},
  };
  EXPECT_EQ(seen.events, expected);
  ASSERT_EQ(seen.references_seen, 1u);
  const core::Packet& ref = seen.first_reference;
  EXPECT_EQ(ref.kind, PacketKind::kReference);
  EXPECT_EQ(ref.seq, 0u);
  EXPECT_EQ(ref.source, Router::kReferenceSource);
  EXPECT_EQ(ref.flow, Router::reference_flow_key(0));
  EXPECT_EQ(ref.wire_bytes, 64u);
  EXPECT_EQ(ref.arrival.count(), 1 * kUs);
  EXPECT_EQ(router.packets(), 4u);

  // The same packets without a generator: packet 2 leaves exactly 64 us earlier.
  Router plain(slow_port());
  plain.process(regular(0, 100, 0));
  plain.process(regular(1 * kUs, 100, 1));
  EXPECT_EQ(plain.process(regular(2 * kUs, 100, 2)).egress_time.count(),
            c.egress_time.count() - 64 * kUs);
}

TEST(RouterRli, ProcessingDelayAndPropagationApplyToReferencesToo) {
  RouterConfig config = slow_port();
  config.processing_delay = Time{3 * kUs};
  config.egress[0].propagation = Time{7 * kUs};
  Router router(config);
  router.add_reference_sender(0, static_policy(1));
  Observer seen;
  router.add_observer(seen);
  router.process(regular(0, 10, 0));
  // Packet: queue at 3 us, leaves at 13 us, tap at 20 us. Reference (sent at 0): queue at
  // 3 us, waits until 13 us, 64 us of link time, tap at 13 + 64 + 7 = 84 us.
  const std::vector<Seen> expected = {
      {'i', PacketKind::kRegular, 0, 0},
      {'e', PacketKind::kRegular, 0, 20 * kUs},
      {'i', PacketKind::kReference, 0, 0},
      {'e', PacketKind::kReference, 0, 84 * kUs},
  };
  EXPECT_EQ(seen.events, expected);
}

TEST(RouterRli, PeriodicReferencesArriveBeforeARegularPacketWithTheSameTime) {
  Router router(slow_port());
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kPeriodic;
  policy.period = Time{10 * kUs};
  policy.reference_bytes = 64;
  router.add_reference_sender(0, policy);
  Observer seen;
  router.add_observer(seen);
  router.process(regular(5 * kUs, 1, 0));
  router.process(regular(10 * kUs, 1, 1));
  router.process(regular(25 * kUs, 1, 2));
  // Regular 0: 5..6 us. Reference 0 (due 10 us): 10..74 us. Regular 1 (10 us): 74..75 us.
  // Reference 1 (due 20 us): 75..139 us. Regular 2 (25 us): 139..140 us. Reference 2 would be
  // due at 30 us, but no packet arrives after it, so it is never sent.
  const std::vector<Seen> expected = {
      {'i', PacketKind::kRegular, 0, 5 * kUs},    {'e', PacketKind::kRegular, 0, 6 * kUs},
      {'i', PacketKind::kReference, 0, 10 * kUs}, {'e', PacketKind::kReference, 0, 74 * kUs},
      {'i', PacketKind::kRegular, 1, 10 * kUs},   {'e', PacketKind::kRegular, 1, 75 * kUs},
      {'i', PacketKind::kReference, 1, 20 * kUs}, {'e', PacketKind::kReference, 1, 139 * kUs},
      {'i', PacketKind::kRegular, 2, 25 * kUs},   {'e', PacketKind::kRegular, 2, 140 * kUs},
  };
  EXPECT_EQ(seen.events, expected);
  EXPECT_EQ(router.reference_sender(0)->counters().references, 2u);
}

TEST(RouterRli, PeriodicReferencesCatchUpOverALongGap) {
  Router router(slow_port());
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kPeriodic;
  policy.period = Time{100 * kUs};
  policy.reference_bytes = 1;
  router.add_reference_sender(0, policy);
  Observer seen;
  router.add_observer(seen);
  router.process(regular(0, 1, 0));
  router.process(regular(1'050 * kUs, 1, 1));
  // References due at 100, 200, ..., 1000 us all go in before the packet at 1050 us.
  ASSERT_EQ(seen.references_seen, 10u);
  std::vector<std::int64_t> reference_arrivals;
  for (const Seen& s : seen.events) {
    if (s.what == 'i' && s.kind == PacketKind::kReference)
      reference_arrivals.push_back(s.time_ps);
  }
  for (std::size_t k = 0; k < reference_arrivals.size(); ++k)
    EXPECT_EQ(reference_arrivals[k], static_cast<std::int64_t>(k + 1) * 100 * kUs);
  EXPECT_EQ(seen.events.back(), (Seen{'e', PacketKind::kRegular, 1, 1'051 * kUs}));
}

TEST(RouterRli, ReferencesTakeBufferSpaceAndCanBeDropped) {
  RouterConfig config = slow_port();
  config.egress[0].buffer.packets = 1;
  Router router(config);
  router.add_reference_sender(0, static_policy(1));
  Observer seen;
  router.add_observer(seen);
  router.process(regular(0, 100, 0));         // in service until 100 us
  router.process(regular(1 * kUs, 100, 1));   // port full: dropped
  router.process(regular(200 * kUs, 10, 2));  // idle port: 200..210 us
  // Each regular packet is followed by a reference at its arrival time; the port (capacity
  // one packet) is busy each time, so all three are dropped, and the sender still counts them.
  const std::vector<Seen> expected = {
      {'i', PacketKind::kRegular, 0, 0},           {'e', PacketKind::kRegular, 0, 100 * kUs},
      {'i', PacketKind::kReference, 0, 0},         {'d', PacketKind::kReference, 0, -1},
      {'i', PacketKind::kRegular, 1, 1 * kUs},     {'d', PacketKind::kRegular, 1, -1},
      {'i', PacketKind::kReference, 1, 1 * kUs},   {'d', PacketKind::kReference, 1, -1},
      {'i', PacketKind::kRegular, 2, 200 * kUs},   {'e', PacketKind::kRegular, 2, 210 * kUs},
      {'i', PacketKind::kReference, 2, 200 * kUs}, {'d', PacketKind::kReference, 2, -1},
  };
  EXPECT_EQ(seen.events, expected);
  const rli::SenderCounters& c = router.reference_sender(0)->counters();
  EXPECT_EQ(c.references, 3u);
  EXPECT_EQ(c.reference_bytes, 3u * 64u);
  EXPECT_EQ(c.regular_packets, 3u);
  EXPECT_EQ(c.egress_packets, 6u);
  EXPECT_EQ(router.ports()[0].counters().dropped_packets, 4u);
  EXPECT_EQ(router.ports()[0].counters().offered_packets, 6u);
}

// Sizes cycle through 40 / 576 / 1500 / 576 B with gaps of 0..4 us over 37 flows: a
// deterministic stream that keeps a 10 Gb/s port partly busy.
std::vector<core::Packet> synthetic_stream(std::uint64_t count) {
  static constexpr std::uint32_t kSizes[] = {40, 576, 1500, 576};
  static constexpr std::int64_t kGapsPs[] = {0, 1'000'000, 250'000, 4'000'000, 500'000};
  std::vector<core::Packet> out;
  out.reserve(count);
  std::int64_t clock_ps = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    clock_ps += kGapsPs[i % 5];
    out.push_back(regular(clock_ps, kSizes[i % 4], i, static_cast<std::uint16_t>(1000 + i % 37)));
  }
  return out;
}

TEST(RouterRli, OverheadCountersMatchTheReferencesTheTapsSaw) {
  for (const std::uint32_t n : {1u, 7u, 100u}) {
    SCOPED_TRACE(n);
    Router router(RouterConfig{});
    router.add_reference_sender(0, static_policy(n));
    Observer seen;
    router.add_observer(seen);
    constexpr std::uint64_t kPackets = 10'000;
    std::uint64_t regular_bytes = 0;
    for (const core::Packet& p : synthetic_stream(kPackets)) {
      regular_bytes += p.wire_bytes;
      router.process(p);
    }
    const rli::SenderCounters& c = router.reference_sender(0)->counters();
    EXPECT_EQ(c.references, seen.references_seen);
    EXPECT_EQ(c.references, kPackets / n);
    EXPECT_EQ(c.reference_bytes, 64 * seen.references_seen);
    EXPECT_EQ(c.regular_packets, kPackets);
    EXPECT_EQ(c.egress_packets, kPackets + c.references);
    EXPECT_EQ(c.egress_bytes, regular_bytes + c.reference_bytes);
    EXPECT_EQ(c.skipped_by_cap, 0u);
    EXPECT_EQ(router.packets(), kPackets + c.references);
    EXPECT_EQ(router.ports()[0].counters().offered_packets, kPackets + c.references);
  }
}

TEST(RouterRli, ByteShareCapHoldsAfterEveryPacket) {
  Router router(RouterConfig{});
  rli::ReferencePolicyConfig policy = static_policy(1);  // uncapped: 64 B after every packet
  policy.max_byte_share = 0.02;
  router.add_reference_sender(0, policy);
  const rli::ReferenceSender& sender = *router.reference_sender(0);
  constexpr std::uint64_t kPackets = 50'000;
  for (const core::Packet& p : synthetic_stream(kPackets)) {
    router.process(p);
    const rli::SenderCounters& c = sender.counters();
    // Integer form of reference_bytes <= 0.02 * egress_bytes.
    ASSERT_LE(50 * c.reference_bytes, c.egress_bytes) << "after packet " << p.seq;
  }
  const rli::SenderCounters& c = sender.counters();
  EXPECT_GT(c.skipped_by_cap, 0u);
  EXPECT_EQ(c.references + c.skipped_by_cap, kPackets);
  // The cap binds: the share ends within one reference of it (the stream's mean size is
  // 673 B, so uncapped the share would be 64 / 737 = 8.7 %).
  const double share = static_cast<double>(c.reference_bytes) / static_cast<double>(c.egress_bytes);
  EXPECT_GT(share, 0.02 - 64.0 / static_cast<double>(c.egress_bytes) - 1e-12);
}

TEST(RouterRli, PeriodicByteShareCapSkipsDueReferences) {
  Router router(RouterConfig{});
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kPeriodic;
  policy.period = Time{100'000};  // 0.1 us: far more often than the cap allows
  policy.max_byte_share = 0.05;
  router.add_reference_sender(0, policy);
  const rli::ReferenceSender& sender = *router.reference_sender(0);
  for (const core::Packet& p : synthetic_stream(20'000)) {
    router.process(p);
    ASSERT_LE(20 * sender.counters().reference_bytes, sender.counters().egress_bytes)
        << "after packet " << p.seq;
  }
  EXPECT_GT(sender.counters().skipped_by_cap, 0u);
  EXPECT_GT(sender.counters().references, 0u);
}

TEST(RouterRli, AddReferenceSenderRejectsAnUnknownPortAndASecondGenerator) {
  RouterConfig config;
  config.egress.resize(2);
  config.egress[1].name = "egress1";
  Router router(config);
  try {
    router.add_reference_sender(2, static_policy(10));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("port 2"));
    EXPECT_THAT(e.what(), HasSubstr("2 port(s)"));
  }
  EXPECT_EQ(router.reference_sender(0), nullptr);
  router.add_reference_sender(1, static_policy(10));
  try {
    router.add_reference_sender(1, static_policy(5));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("port 1 already has a reference generator"));
  }
  ASSERT_NE(router.reference_sender(1), nullptr);
  EXPECT_EQ(router.reference_sender(1)->current_n(), 10u);
  EXPECT_EQ(router.reference_sender(0), nullptr);
  EXPECT_THROW(router.add_reference_sender(0, static_policy(0)), std::invalid_argument);
}

TEST(RouterRli, ReferencesGoOnlyToTheirOwnPort) {
  RouterConfig config = slow_port();
  config.egress.resize(2);
  config.egress[1].name = "egress1";
  config.egress[1].rate = core::BitsPerSecond{kEightMbps};
  config.forwarding.kind = ForwardingKind::kTable;
  config.forwarding.routes = {{"30.0.0.0/8", 1}};
  Router router(config);
  router.add_reference_sender(1, static_policy(1));
  Observer seen;
  router.add_observer(seen);
  // Port 0 traffic (20.0.0.1) triggers nothing; port 1 traffic gets a reference after it.
  router.process(regular(0, 10, 0));
  core::Packet to_port1 = regular(0, 10, 1);
  to_port1.flow = core::FlowKey::ipv4(0x0a000001, 0x1e000001, 1000, 80, 6);  // to 30.0.0.1
  const PacketFate f = router.process(to_port1);
  ASSERT_EQ(f.port, 1);
  ASSERT_EQ(seen.references_seen, 1u);
  EXPECT_EQ(seen.first_reference.flow, Router::reference_flow_key(1));
  EXPECT_EQ(router.ports()[0].counters().offered_packets, 1u);
  EXPECT_EQ(router.ports()[1].counters().offered_packets, 2u);
}

}  // namespace
}  // namespace rlisim::net
