// Per-packet path composition hand-computed on a few packets: host mode (zero stack) and a
// deterministic mode (no variance, cold extra on idle paths, 50 overhead bytes).

#include "sim/net/container_path.hpp"

#include <gtest/gtest.h>

namespace rlisim::net {
namespace {

namespace mc = models::container;

constexpr auto us = core::microseconds;

// F = 5 us exactly (sigma 0), C_cold = 2 us exactly, no queue, no tail, 50 wire bytes.
mc::ModeParams deterministic() {
  mc::ModeParams p;
  p.mode = mc::NetworkMode::kVxlanOverlay;
  for (auto* d : {&p.egress, &p.ingress}) {
    d->fixed_floor = us(0);
    d->fixed_median = us(5);
    d->fixed_sigma = 0;
    d->cold_extra = us(2);
  }
  p.cold_gap = us(1000);
  p.wire_overhead_bytes = 50;
  return p;
}

ModeTable modes() {
  ModeTable m;
  mc::ModeParams host;
  host.mode = mc::NetworkMode::kHost;
  host.cold_gap = us(1000);
  m["host"] = host;
  m["det"] = deterministic();
  return m;
}

// c1 (det) on h1 - 100 us - tor (measured) - 40 us - spine (3 us processing) - 200 us at 1 Gb/s
// - h2 with c2 (host mode) and c3 (det).
Topology star() {
  Topology t;
  t.add_host("h1");
  t.add_host("h2");
  t.add_router("tor");
  t.add_router("spine", us(3));
  t.add_container("c1", "h1", "det");
  t.add_container("c2", "h2", "host");
  t.add_container("c3", "h2", "det");
  t.add_link("h1", "tor", us(100));
  t.add_link("tor", "spine", us(40));
  t.add_link("spine", "h2", us(200), core::BitsPerSecond{1'000'000'000});
  return t;
}

TEST(ContainerPath, ComposesStacksLinksAndRoutersPerPacket) {
  const auto t = star();
  ContainerPathModel model(t, modes(), t.index("tor"), 1);
  const auto to_host_mode = model.add_route(t.index("c1"), t.index("c2"));
  const auto& r = model.route(to_host_mode);
  EXPECT_EQ(r.overhead_bytes, 50U);
  ASSERT_TRUE(r.measured_at.has_value());
  EXPECT_EQ(*r.measured_at, 2U);  // c1, h1, tor
  EXPECT_EQ(r.propagation_before, us(100));
  EXPECT_EQ(r.routers_after, us(3));

  // Packet 1 at t = 0: cold egress (5 + 2), 1000 B payload -> 1050 B on the wire: 8.4 us at
  // 1 Gb/s; router 7 us; host-mode ingress 0.
  auto d = model.one_way(to_host_mode, us(0), 1000, 0, us(7));
  EXPECT_EQ(d.source_stack.fixed, us(5));
  EXPECT_EQ(d.source_stack.cold, us(2));
  EXPECT_EQ(d.propagation, us(340));
  EXPECT_EQ(d.serialisation, core::nanoseconds(8400));
  EXPECT_EQ(d.measured_router, us(7));
  EXPECT_EQ(d.other_routers, us(3));
  EXPECT_EQ(d.destination_stack.total(), core::Time{0});
  EXPECT_EQ(d.total(), us(7 + 340 + 7 + 3) + core::nanoseconds(8400));

  // Packet 2, 10 us later: warm egress (5), 100 B -> 150 B: 1.2 us.
  d = model.one_way(to_host_mode, us(10), 100, 0, us(20));
  EXPECT_EQ(d.source_stack.total(), us(5));
  EXPECT_EQ(d.total(), us(5 + 340 + 20 + 3) + core::nanoseconds(1200));

  // Packet 3 after an idle 2 ms (> cold_gap): cold again.
  d = model.one_way(to_host_mode, us(2010), 100, 0, us(1));
  EXPECT_EQ(d.source_stack.total(), us(7));
  EXPECT_EQ(d.total(), us(7 + 340 + 1 + 3) + core::nanoseconds(1200));
}

TEST(ContainerPath, DestinationIngressIsEvaluatedAtTheArrivalAtTheHost) {
  const auto t = star();
  ContainerPathModel model(t, modes(), t.index("tor"), 1);
  const auto route = model.add_route(t.index("c1"), t.index("c3"));
  // Both ends deterministic: cold egress 7 + links 340 + 8.4 ser + 7 router + 3 spine +
  // cold ingress 7.
  auto d = model.one_way(route, us(0), 1000, 0, us(7));
  EXPECT_EQ(d.destination_stack.fixed, us(5));
  EXPECT_EQ(d.destination_stack.cold, us(2));
  EXPECT_EQ(d.stack(), us(14));
  EXPECT_EQ(d.total(), us(14 + 340 + 7 + 3) + core::nanoseconds(8400));
  // The next packet reaches h2 about 500 us later (< cold_gap 1 ms): warm ingress.
  d = model.one_way(route, us(500), 1000, 0, us(7));
  EXPECT_EQ(d.destination_stack.total(), us(5));
}

TEST(ContainerPath, HostEndpointsHaveNoStackAndPathsWithoutTheRouterCountAllRouters) {
  const auto t = star();
  ContainerPathModel model(t, modes(), std::nullopt, 1);
  const auto route = model.add_route(t.index("h1"), t.index("h2"));
  EXPECT_EQ(model.route(route).overhead_bytes, 0U);
  const auto d = model.one_way(route, us(0), 1000, 0, us(99));  // no measured router: ignored
  EXPECT_EQ(d.stack(), core::Time{0});
  EXPECT_EQ(d.measured_router, core::Time{0});
  EXPECT_EQ(d.other_routers, us(3));  // tor's processing is 0, spine's 3
  EXPECT_EQ(d.total(), us(340 + 3) + core::nanoseconds(8000));
}

TEST(ContainerPath, RejectsUnknownModesAndANonRouterAsTheMeasuredRouter) {
  Topology t;
  t.add_host("h");
  t.add_container("c", "h", "nonexistent");
  EXPECT_THROW(ContainerPathModel(t, modes(), std::nullopt, 1), std::invalid_argument);
  const auto s = star();
  EXPECT_THROW(ContainerPathModel(s, modes(), s.index("h1"), 1), std::invalid_argument);
}

}  // namespace
}  // namespace rlisim::net
