// Router: the delay definition, observer call order, per-port independence, validation.

#include "sim/net/router.hpp"

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/truth/ground_truth.hpp"

namespace rlisim::net {
namespace {

using core::Time;
using ::testing::HasSubstr;

struct Event {
  char what;  // 'i'ngress, 'e'gress, 'd'rop
  std::uint64_t seq;
  models::PortId port;
  std::int64_t time_ps;
  friend bool operator==(const Event&, const Event&) = default;
};

class Recorder final : public models::Estimator {
 public:
  std::string_view name() const override { return "recorder"; }
  void on_ingress(const core::Packet& p, models::FlowId) override {
    events.push_back({'i', p.seq, 0, p.arrival.count()});
  }
  void on_egress(const core::Packet& p, models::FlowId, models::PortId port, Time t) override {
    events.push_back({'e', p.seq, port, t.count()});
  }
  void on_drop(const core::Packet& p, models::FlowId, models::PortId port) override {
    events.push_back({'d', p.seq, port, -1});
  }
  std::vector<Event> events;
};

core::Packet packet(std::int64_t arrival_ps, std::uint32_t bytes, std::uint8_t dst_net,
                    std::uint64_t seq) {
  core::Packet p;
  p.arrival = Time{arrival_ps};
  p.flow = core::FlowKey::ipv4(0x0a000001, (static_cast<std::uint32_t>(dst_net) << 24) | 1, 1000,
                               80, 17);
  p.wire_bytes = bytes;
  p.seq = seq;
  return p;
}

TEST(Router, DelayIsProcessingPlusWaitPlusSerialisationPlusPropagation) {
  RouterConfig config;
  config.processing_delay = Time{5'000};
  config.egress[0].propagation = Time{1'000'000};
  Router router(config);
  // Queue arrivals at 5,000 and 105,000 ps; 1500 B = 1,200,000 ps at 10 Gb/s.
  const PacketFate a = router.process(packet(0, 1500, 10, 0));
  const PacketFate b = router.process(packet(100'000, 1500, 10, 1));
  EXPECT_FALSE(a.dropped);
  EXPECT_EQ(a.egress_time.count(), 5'000 + 1'200'000 + 1'000'000);
  EXPECT_EQ(a.delay().count(), 2'205'000);
  // b waits until 1,205,000: 1,100,000 ps of queueing.
  EXPECT_EQ(b.egress_time.count(), 1'205'000 + 1'200'000 + 1'000'000);
  EXPECT_EQ(b.delay().count(), 5'000 + 1'100'000 + 1'200'000 + 1'000'000);
  EXPECT_EQ(b.arrival.count(), 100'000);
  EXPECT_EQ(router.packets(), 2u);
}

TEST(Router, ObserversSeeIngressThenEgressOrDropPerPacket) {
  RouterConfig config;
  config.egress[0].buffer.packets = 1;
  Router router(config);
  Recorder first;
  Recorder second;
  router.add_observer(first);
  router.add_observer(second);
  router.process(packet(0, 100, 10, 0));
  const PacketFate dropped = router.process(packet(10, 100, 10, 1));
  router.process(packet(80'000, 40, 10, 2));
  EXPECT_TRUE(dropped.dropped);
  EXPECT_EQ(dropped.reason, DropReason::kBufferPackets);
  const std::vector<Event> expected = {{'i', 0, 0, 0},  {'e', 0, 0, 80'000}, {'i', 1, 0, 10},
                                       {'d', 1, 0, -1}, {'i', 2, 0, 80'000}, {'e', 2, 0, 112'000}};
  EXPECT_EQ(first.events, expected);
  EXPECT_EQ(second.events, expected);
}

TEST(Router, PortsQueueIndependently) {
  RouterConfig config;
  config.egress.resize(2);
  config.egress[1].name = "egress1";
  config.forwarding.kind = ForwardingKind::kTable;
  config.forwarding.routes = {{"20.0.0.0/8", 1}};
  Router router(config);
  const PacketFate a = router.process(packet(0, 1500, 10, 0));
  const PacketFate b = router.process(packet(0, 1500, 20, 1));
  const PacketFate c = router.process(packet(0, 1500, 20, 2));
  EXPECT_EQ(a.port, 0);
  EXPECT_EQ(b.port, 1);
  EXPECT_EQ(a.egress_time.count(), 1'200'000);
  EXPECT_EQ(b.egress_time.count(), 1'200'000);
  EXPECT_EQ(c.egress_time.count(), 2'400'000);
  EXPECT_EQ(router.ports()[0].counters().accepted_packets, 1u);
  EXPECT_EQ(router.ports()[1].counters().accepted_packets, 2u);
}

TEST(Router, GroundTruthSeesTheDelaysTheRouterReports) {
  RouterConfig config;
  config.processing_delay = Time{700};
  config.egress[0].buffer.packets = 3;
  config.egress[0].propagation = Time{250'000};
  Router router(config);
  models::GroundTruth truth;
  router.add_observer(truth);
  std::int64_t sum_ps = 0;
  std::uint64_t delivered = 0;
  for (std::uint64_t i = 0; i < 40; ++i) {
    const PacketFate f = router.process(
        packet(static_cast<std::int64_t>(i) * 150'000, i % 3 == 0 ? 1500 : 200, 10, i));
    if (!f.dropped) {
      sum_ps += f.delay().count();
      ++delivered;
    }
  }
  const models::FlowRecord* r = truth.find(packet(0, 0, 10, 0).flow);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->offered_packets, 40u);
  EXPECT_EQ(r->delivered_packets(), delivered);
  EXPECT_EQ(r->dropped_packets, 40u - delivered);
  EXPECT_GT(r->dropped_packets, 0u);
  EXPECT_EQ(r->delay.sum_ps(), sum_ps);
}

TEST(Router, RejectsPacketsOutOfOrder) {
  Router router(RouterConfig{});
  router.process(packet(1000, 100, 10, 0));
  try {
    router.process(packet(999, 100, 10, 7));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("packet 7"));
    EXPECT_THAT(e.what(), HasSubstr("(arrival, source, seq) order"));
  }
}

TEST(Router, ReportsTimeBeyondTheInt64RangeInsteadOfWrapping) {
  RouterConfig late;
  late.egress[0].propagation = Time{std::numeric_limits<std::int64_t>::max() - 1000};
  Router router(late);
  try {
    router.process(packet(0, 100, 10, 3));
    FAIL() << "expected std::overflow_error";
  } catch (const std::overflow_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("packet 3"));
    EXPECT_THAT(e.what(), HasSubstr("propagation is too large"));
  }
  RouterConfig slow;
  slow.processing_delay = Time{std::numeric_limits<std::int64_t>::max() - 10};
  Router router2(slow);
  EXPECT_THROW(router2.process(packet(100, 100, 10, 0)), std::overflow_error);
}

void expect_invalid(const RouterConfig& config, const std::string& needle) {
  try {
    Router router(config);
    FAIL() << "expected std::invalid_argument mentioning " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(needle));
  }
}

TEST(Router, ValidationExplainsTheProblem) {
  RouterConfig negative;
  negative.processing_delay = Time{-1};
  expect_invalid(negative, "processing_delay must be >= 0");
  RouterConfig none;
  none.egress.clear();
  expect_invalid(none, "no egress ports");
  RouterConfig bad_port;
  bad_port.egress.resize(2);
  bad_port.egress[1].name = "slow";
  bad_port.egress[1].rate = core::BitsPerSecond{0};
  expect_invalid(bad_port, "'slow': rate must be > 0");
  RouterConfig bad_route;
  bad_route.forwarding.kind = ForwardingKind::kTable;
  bad_route.forwarding.routes = {{"10.0.0.0/8", 1}};
  expect_invalid(bad_route, "'10.0.0.0/8' -> port 1");
}

}  // namespace
}  // namespace rlisim::net
