// RLI receiver: interpolation against hand-computed cases and exact identities.

#include "models/rli/rli_receiver.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "tests/models/taps.hpp"

namespace rlisim::models::rli {
namespace {

using core::FlowKey;
using core::Packet;
using core::PacketKind;
using core::Time;

FlowKey flow(std::uint32_t i) {
  return FlowKey::ipv4(0x0a000000u + i, 0x0b000000u, 1000, 80, 6);
}

// Drives a receiver on port 0 with explicit send and receive times (picoseconds).
class Driver {
 public:
  explicit Driver(ReceiverConfig config = {}) : rx(config), taps(rx) {}

  void reference(std::int64_t sent, std::int64_t received, std::uint64_t seq) {
    Packet p;
    p.kind = PacketKind::kReference;
    p.arrival = Time{sent};
    p.seq = seq;
    p.wire_bytes = 64;
    egress(p, received);
  }
  void packet(std::uint32_t f, std::int64_t sent, std::int64_t received,
              std::uint32_t wire_bytes = 500) {
    Packet p;
    p.flow = flow(f);
    p.arrival = Time{sent};
    p.wire_bytes = wire_bytes;
    egress(p, received);
  }
  const FlowEstimate& estimate(std::uint32_t f) const {
    const FlowEstimate* e = rx.find(flow(f));
    EXPECT_NE(e, nullptr);
    return *e;
  }

  RliReceiver rx;
  test::Taps taps;

 private:
  // The receiver's tap alone: the sender's ingress tap is not part of these cases.
  void egress(const Packet& p, std::int64_t received) {
    rx.on_egress(p, taps.index().id(p.flow), 0, Time{received});
  }
};

TEST(RliReceiver, InjectedCostIsTheReferencesSeenAtTheIngress) {
  RliReceiver rx;
  Packet regular;
  regular.flow = flow(1);
  regular.wire_bytes = 500;
  Packet reference;
  reference.kind = PacketKind::kReference;
  reference.wire_bytes = 64;
  test::Taps taps(rx);
  taps.pass(regular, 0, Time{10});
  taps.pass(reference, 0, Time{10});
  // A reference dropped at the port was still injected: only the ingress counts.
  taps.pass(reference, 0, Time{}, true);
  rx.finalize();
  EXPECT_EQ(rx.cost().injected_packets, 2u);
  EXPECT_EQ(rx.cost().injected_bytes, 128u);
}

TEST(RliReceiver, ConstantDelayIsEstimatedExactly) {
  Driver d;
  const std::int64_t delay = 7'000'000;
  std::uint64_t seq = 0;
  for (std::int64_t t = 0; t < 1'000'000'000; t += 10'000'000) {
    if (t % 50'000'000 == 0)
      d.reference(t, t + delay, seq++);
    d.packet(static_cast<std::uint32_t>(t / 10'000'000) % 3, t + 1, t + 1 + delay);
  }
  d.rx.finalize();
  for (std::uint32_t f = 0; f < 3; ++f) {
    EXPECT_EQ(d.estimate(f).mean(), static_cast<double>(delay));
    EXPECT_EQ(d.estimate(f).stddev(), 0.0);
  }
  EXPECT_EQ(d.rx.receiver_counters().estimated, 100u);
}

TEST(RliReceiver, DelayLinearInTimeIsInterpolatedExactly) {
  // d(a) = 1 us + a / 4: every packet lies on the line through the references around it.
  const auto delay_at = [](std::int64_t a) { return 1'000'000 + a / 4; };
  Driver d;
  double sum = 0;
  double sum_sq = 0;
  int n = 0;
  std::uint64_t seq = 0;
  for (std::int64_t a = 4'000'000; a <= 404'000'000; a += 4'000'000) {
    const std::int64_t delay = delay_at(a);
    if ((a / 4'000'000) % 10 == 1) {
      d.reference(a - delay, a, seq++);
    } else {
      d.packet(0, a - delay, a);
      sum += static_cast<double>(delay);
      sum_sq += static_cast<double>(delay) * static_cast<double>(delay);
      ++n;
    }
  }
  d.rx.finalize();
  ASSERT_EQ(d.rx.receiver_counters().after_last, 0u);
  const double mean = sum / n;
  const double sd = std::sqrt(sum_sq / n - mean * mean);
  EXPECT_NEAR(d.estimate(0).mean(), mean, 1e-9 * mean);
  EXPECT_NEAR(d.estimate(0).stddev(), sd, 1e-6 * sd);
  EXPECT_EQ(d.estimate(0).packets, static_cast<std::uint64_t>(n));
}

TEST(RliReceiver, SerializationCorrectionAddsThePacketsOwnTransmissionTime) {
  // 1 Gb/s: 8 ns per byte. References (64 B) see 10 us and 20 us. A 1064 B packet halfway is
  // interpolated at 15 us, plus (1064 - 64) B * 8 ns = 8 us; a 64 B packet gets no correction;
  // a 14 B packet before the first reference (nearest) gets 10 us - 400 ns.
  ReceiverConfig c;
  c.serialization_correction = true;
  c.link_rates_bps = {1'000'000'000};
  Driver d(c);
  d.packet(3, 0, 500'000, 14);
  d.reference(0, 10'000'000, 0);
  d.packet(1, 0, 15'000'000, 1064);
  d.packet(2, 0, 15'000'000, 64);
  d.reference(0, 20'000'000, 1);
  d.rx.finalize();
  EXPECT_DOUBLE_EQ(d.estimate(1).mean(), 15'000'000.0 + 8'000'000.0);
  EXPECT_DOUBLE_EQ(d.estimate(2).mean(), 15'000'000.0);
  EXPECT_DOUBLE_EQ(d.estimate(3).mean(), 10'000'000.0 - 400'000.0);
  // Without a link rate the correction cannot be computed.
  ReceiverConfig no_rate;
  no_rate.serialization_correction = true;
  RliReceiver rx(no_rate);
  Packet p;
  EXPECT_THROW(rx.on_egress(p, 0, 0, Time{1}), std::invalid_argument);
}

TEST(RliReceiver, ATriggeredReferenceLosesItsTriggersTransmissionTime) {
  // 1 Gb/s. Each reference leaves right behind a 1000 B trigger (8 us on the wire), so its
  // delays of 20 us and 30 us sample the queue 8 us high: corrected to 12 us and 22 us. A
  // 64 B packet halfway between gets 17 us.
  ReceiverConfig c;
  c.serialization_correction = true;
  c.references_follow_trigger = true;
  c.link_rates_bps = {1'000'000'000};
  Driver d(c);
  d.packet(9, 0, 19'000'000, 1000);
  d.reference(0, 20'000'000, 0);
  d.packet(1, 0, 25'000'000, 64);
  d.packet(9, 0, 29'000'000, 1000);
  d.reference(0, 30'000'000, 1);
  d.rx.finalize();
  EXPECT_DOUBLE_EQ(d.estimate(1).mean(), 17'000'000.0);
}

TEST(RliReceiver, HandComputedTwoReferenceExample) {
  // Reference 0: sent 0, received 10 -> D = 10. Reference 1: sent 100, received 130 -> D = 30.
  // Packets received at 40, 70 and 100 lie 1/4, 1/2 and 3/4 of the way: 15, 20 and 25.
  Driver d;
  d.reference(0, 10, 0);
  d.packet(1, 25, 40);
  d.packet(2, 45, 70);
  d.packet(1, 80, 100);
  d.reference(100, 130, 1);
  EXPECT_DOUBLE_EQ(d.estimate(1).mean(), 20.0);  // (15 + 25) / 2
  EXPECT_DOUBLE_EQ(d.estimate(1).stddev(), 5.0);
  EXPECT_DOUBLE_EQ(d.estimate(2).mean(), 20.0);
  EXPECT_DOUBLE_EQ(d.estimate(1).sum(), 40.0);
  EXPECT_DOUBLE_EQ(d.estimate(1).sum_sq(), 15.0 * 15 + 25.0 * 25);
  EXPECT_EQ(d.rx.receiver_counters().interpolated, 3u);
  EXPECT_EQ(d.rx.receiver_counters().references, 2u);
}

TEST(RliReceiver, AblationVariantsFollowTheirDefinitions) {
  const auto run = [](Interpolation m) {
    ReceiverConfig c;
    c.interpolation = m;
    Driver d(c);
    d.reference(0, 10, 0);     // D = 10 at 10
    d.packet(1, 25, 40);       // closer to the left reference
    d.packet(2, 70, 110);      // closer to the right reference
    d.reference(100, 130, 1);  // D = 30 at 130
    return std::pair{d.estimate(1).mean(), d.estimate(2).mean()};
  };
  EXPECT_EQ(run(Interpolation::kLinear), (std::pair{15.0, 10.0 + 20.0 * 100 / 120}));
  EXPECT_EQ(run(Interpolation::kLeft), (std::pair{10.0, 10.0}));
  EXPECT_EQ(run(Interpolation::kNearest), (std::pair{10.0, 30.0}));
  EXPECT_EQ(run(Interpolation::kMean), (std::pair{20.0, 20.0}));
}

TEST(RliReceiver, PacketsOutsideTheReferencesTakeTheNearestOneAndAreCounted) {
  Driver d;
  d.packet(1, 0, 5);  // before the first reference
  d.reference(0, 10, 0);
  d.packet(2, 10, 20);
  d.reference(100, 130, 1);
  d.packet(3, 140, 200);  // after the last
  d.rx.finalize();
  EXPECT_EQ(d.estimate(1).mean(), 10.0);
  EXPECT_EQ(d.estimate(3).mean(), 30.0);
  EXPECT_EQ(d.rx.receiver_counters().before_first, 1u);
  EXPECT_EQ(d.rx.receiver_counters().after_last, 1u);
  EXPECT_EQ(d.rx.receiver_counters().excluded, 0u);
  EXPECT_EQ(d.rx.receiver_counters().estimated, 3u);
}

TEST(RliReceiver, ExcludePolicyGivesBoundaryPacketsNoEstimate) {
  ReceiverConfig c;
  c.boundary = BoundaryPolicy::kExclude;
  Driver d(c);
  d.packet(1, 0, 5);
  d.reference(0, 10, 0);
  d.packet(2, 10, 20);
  d.reference(100, 130, 1);
  d.packet(1, 140, 200);
  d.rx.finalize();
  EXPECT_EQ(d.estimate(1).packets, 0u);
  EXPECT_TRUE(std::isnan(d.estimate(1).mean()));
  EXPECT_EQ(d.estimate(2).packets, 1u);
  EXPECT_EQ(d.rx.receiver_counters().excluded, 2u);
  EXPECT_EQ(d.rx.receiver_counters().before_first, 1u);
  EXPECT_EQ(d.rx.receiver_counters().after_last, 1u);
}

TEST(RliReceiver, NoReferenceAtAllLeavesEveryPacketExcluded) {
  Driver d;
  d.packet(1, 0, 5);
  d.packet(1, 3, 9);
  d.rx.finalize();
  EXPECT_EQ(d.rx.receiver_counters().excluded, 2u);
  EXPECT_EQ(d.rx.receiver_counters().estimated, 0u);
}

TEST(RliReceiver, ALostReferenceWidensTheIntervalAndIsCounted) {
  // Reference 1 (D = 90) was dropped; the packet between 0 and 2 interpolates 0 -> 2.
  Driver d;
  d.reference(0, 10, 0);     // D = 10 at 10
  d.packet(1, 60, 70);       // a quarter of the way from 10 to 250
  d.reference(200, 250, 2);  // D = 50 at 250
  EXPECT_DOUBLE_EQ(d.estimate(1).mean(), 10.0 + 40.0 * 60 / 240);
  EXPECT_EQ(d.rx.receiver_counters().references_lost, 1u);
  EXPECT_EQ(d.rx.receiver_counters().across_gap, 1u);
}

TEST(RliReceiver, AFullBufferFallsBackToTheLeftReference) {
  ReceiverConfig c;
  c.buffer_limit = 2;
  Driver d(c);
  d.reference(0, 10, 0);
  d.packet(1, 10, 20);
  d.packet(1, 20, 30);
  d.packet(2, 30, 40);  // buffer full: left reference only
  d.reference(100, 110, 1);
  EXPECT_EQ(d.rx.receiver_counters().buffer_overflow, 1u);
  EXPECT_EQ(d.estimate(2).mean(), 10.0);
  EXPECT_EQ(d.rx.receiver_counters().peak_buffer, 2u);
}

TEST(RliReceiver, ClockOffsetBiasesEveryReferenceDelayByTheOffset) {
  ReceiverConfig c;
  c.clock.offset = Time{3};
  Driver d(c);
  d.reference(0, 10, 0);
  d.packet(1, 25, 40);
  d.reference(100, 130, 1);
  EXPECT_DOUBLE_EQ(d.estimate(1).mean(), 15.0 + 3.0);
}

TEST(RliReceiver, TimestampResolutionTruncatesBothClocks) {
  ReceiverConfig c;
  c.clock.sender_resolution = Time{10};
  c.clock.receiver_resolution = Time{10};
  RliReceiver rx(c);
  EXPECT_EQ(rx.sender_clock(Time{19}).count(), 10);
  EXPECT_EQ(rx.receiver_clock(Time{20}).count(), 20);
  EXPECT_EQ(rx.receiver_clock(Time{-1}).count(), -10);
  ReceiverConfig drift;
  drift.clock.drift_ppm = 100;
  RliReceiver rx2(drift);
  EXPECT_EQ(rx2.receiver_clock(core::seconds(1)).count(), 1'000'100'000'000);
}

TEST(RliReceiver, OnlyMeasuredPortsAreEstimated) {
  ReceiverConfig c;
  c.ports = {1};
  RliReceiver rx(c);
  Packet p;
  p.flow = flow(1);
  rx.on_egress(p, 0, 0, Time{10});
  EXPECT_EQ(rx.receiver_counters().packets, 0u);
  rx.on_egress(p, 0, 1, Time{10});
  EXPECT_EQ(rx.receiver_counters().packets, 1u);
}

TEST(RliReceiver, ShiftedCountersAgreeWithTwoPassStatistics) {
  // Large mean, tiny spread: Q/N - mean^2 on raw sums would cancel to noise.
  FlowEstimate e;
  std::vector<double> xs;
  for (int i = 0; i < 1000; ++i)
    xs.push_back(1e12 + (i % 7) * 0.5);
  for (double x : xs)
    e.add(x);
  double mean = 0;
  for (double x : xs)
    mean += x;
  mean /= static_cast<double>(xs.size());
  double var = 0;
  for (double x : xs)
    var += (x - mean) * (x - mean);
  var /= static_cast<double>(xs.size());
  EXPECT_NEAR(e.mean(), mean, 1e-3);
  EXPECT_NEAR(e.stddev(), std::sqrt(var), 1e-9);
  EXPECT_NEAR(e.sum(), mean * 1000, 1.0);
}

TEST(RliReceiver, RejectsAZeroBuffer) {
  ReceiverConfig c;
  c.buffer_limit = 0;
  try {
    RliReceiver rx(c);
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("buffer_limit"), std::string::npos);
  }
}

}  // namespace
}  // namespace rlisim::models::rli
