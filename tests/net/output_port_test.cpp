// Hand-computed OutputPort cases, exact to the picosecond, and constructor validation.

#include "sim/net/output_port.hpp"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/units.hpp"
#include "tests/net/reference_port.hpp"

namespace rlisim::net {
namespace {

using core::Time;
using ::testing::HasSubstr;
using testing::make_limit;
constexpr auto kNone = std::nullopt;
constexpr auto kWork = ByteOccupancy::kUnfinishedWork;

// At 10 Gb/s a byte takes exactly 800 ps: 40 B = 32,000 ps, 100 B = 80,000 ps,
// 1000 B = 800,000 ps, 1500 B = 1,200,000 ps.
constexpr std::uint64_t k10G = 10'000'000'000ULL;
// OC-192 line rate: a byte takes 803.77 ps, so every packet's time is rounded up.
constexpr std::uint64_t kOc192 = 9'953'280'000ULL;

struct Offer {
  std::int64_t arrival_ps;
  std::uint32_t bytes;
};

struct Expect {
  bool accepted;
  std::int64_t start_ps;
  std::int64_t departure_ps;
  DropReason reason = DropReason::kNone;
};

OutputPortConfig config_with(BufferLimit buffer, std::uint64_t rate = k10G) {
  OutputPortConfig c;
  c.rate = core::BitsPerSecond{rate};
  c.buffer = buffer;
  return c;
}

// Offers every packet and checks each verdict field by field.
void run_case(OutputPort& port, const std::vector<Offer>& offers,
              const std::vector<Expect>& expected) {
  ASSERT_EQ(offers.size(), expected.size());
  for (std::size_t i = 0; i < offers.size(); ++i) {
    const PortVerdict v = port.offer(Time{offers[i].arrival_ps}, offers[i].bytes);
    SCOPED_TRACE(::testing::Message() << "packet " << i);
    EXPECT_EQ(v.accepted, expected[i].accepted);
    EXPECT_EQ(v.reason, expected[i].reason);
    if (expected[i].accepted) {
      EXPECT_EQ(v.service_start.count(), expected[i].start_ps);
      EXPECT_EQ(v.departure.count(), expected[i].departure_ps);
    }
  }
}

constexpr Expect drop(DropReason r) {
  return Expect{false, 0, 0, r};
}

TEST(OutputPort, BackToBackArrivalsQueueInFifoOrder) {
  OutputPort port(config_with({}));
  run_case(port, {{0, 1500}, {0, 1500}, {0, 1500}},
           {{true, 0, 1'200'000}, {true, 1'200'000, 2'400'000}, {true, 2'400'000, 3'600'000}});
  EXPECT_EQ(port.busy_until().count(), 3'600'000);
  EXPECT_EQ(port.counters().busy_time.count(), 3'600'000);
  EXPECT_EQ(port.counters().max_sojourn.count(), 3'600'000);
}

TEST(OutputPort, IdleGapsRestartServiceAtTheArrival) {
  OutputPort port(config_with({}));
  run_case(port, {{0, 100}, {200'000, 100}, {250'000, 1000}, {2'000'000, 40}},
           {{true, 0, 80'000},
            {true, 200'000, 280'000},
            {true, 280'000, 1'080'000},
            {true, 2'000'000, 2'032'000}});
  EXPECT_EQ(port.counters().first_arrival.count(), 0);
  EXPECT_EQ(port.counters().last_departure.count(), 2'032'000);
  EXPECT_EQ(port.counters().max_sojourn.count(), 830'000);
}

TEST(OutputPort, EqualTimeArrivalsAreServedInOfferOrder) {
  OutputPort port(config_with({}));
  run_case(port, {{1000, 40}, {1000, 1500}, {1000, 40}},
           {{true, 1000, 33'000}, {true, 33'000, 1'233'000}, {true, 1'233'000, 1'265'000}});
}

// Six arrivals against a limit of two packets in the system (one transmitting, one waiting):
// shared by the K = 2 case and the equivalent waiting room of 1.
const std::vector<Offer> kTwoInSystemOffers = {{0, 1500},        {0, 1500},       {100'000, 100},
                                               {1'200'000, 100}, {1'300'000, 40}, {2'400'000, 40}};
const std::vector<Expect> kTwoInSystemExpects = {{true, 0, 1'200'000},
                                                 {true, 1'200'000, 2'400'000},
                                                 drop(DropReason::kBufferPackets),
                                                 {true, 2'400'000, 2'480'000},
                                                 drop(DropReason::kBufferPackets),
                                                 {true, 2'480'000, 2'512'000}};

TEST(OutputPort, DropsWhenPacketBufferFullCountingThePacketInService) {
  // K = 2 packets in the whole port. Packet 2 finds two in the system. Packet 3 arrives exactly
  // when packet 0 leaves: the departure happens first and frees a place. Packet 4 finds 1 and 3.
  OutputPort port(config_with(make_limit(2, kNone)));
  run_case(port, kTwoInSystemOffers, kTwoInSystemExpects);
  const PortCounters& c = port.counters();
  EXPECT_EQ(c.dropped_packets, 2u);
  EXPECT_EQ(c.dropped_bytes, 140u);
  EXPECT_EQ(c.drops_buffer_packets, 2u);
  EXPECT_EQ(c.max_occupancy_packets, 2u);
  EXPECT_EQ(c.max_occupancy_bytes, 3000u);
}

TEST(OutputPort, WaitingRoomLimitExcludesThePacketInService) {
  // Same arrivals with a waiting room of 1: identical to a port limit of 2.
  OutputPort port(config_with(make_limit(1, kNone, false)));
  run_case(port, kTwoInSystemOffers, kTwoInSystemExpects);
}

OutputPortConfig ns3_timing(OutputPortConfig c) {
  c.tie_order = TieOrder::kArrivalFirst;
  c.serialization_rounding = SerializationRounding::kNs3Nanoseconds;
  return c;
}

TEST(OutputPort, ArrivalFirstTieStillSeesTheDepartingPacket) {
  // The arrivals of the two cases above. Packet 3 arrives exactly as packet 0 leaves: packet 0
  // is still in the transmitter and packet 1 waits, so it is dropped (it was accepted with the
  // departure first). Packet 4 then finds the waiting room empty; packet 5 ties with packet
  // 1's departure and finds packet 4 waiting. 10 Gb/s times are whole nanoseconds, so ns-3
  // rounding changes nothing here.
  const std::vector<Expect> expected = {{true, 0, 1'200'000},
                                        {true, 1'200'000, 2'400'000},
                                        drop(DropReason::kBufferPackets),
                                        drop(DropReason::kBufferPackets),
                                        {true, 2'400'000, 2'432'000},
                                        drop(DropReason::kBufferPackets)};
  OutputPort waiting_room(ns3_timing(config_with(make_limit(1, kNone, false))));
  run_case(waiting_room, kTwoInSystemOffers, expected);
  OutputPort whole_port(ns3_timing(config_with(make_limit(2, kNone))));
  run_case(whole_port, kTwoInSystemOffers, expected);
  EXPECT_EQ(whole_port.counters().max_occupancy_packets, 2u);
}

TEST(OutputPort, Ns3RoundingMovesDeparturesToWholeNanoseconds) {
  // 3 Gb/s: 100 B = 266.67 ns, exact 266,667 ps, ns-3 267 ns; 40 B = 106.67 ns, exact
  // 106,667 ps, ns-3 107 ns. The rounding accumulates over a busy period.
  constexpr std::uint64_t k3G = 3'000'000'000ULL;
  OutputPort exact(config_with({}, k3G));
  run_case(exact, {{0, 100}, {0, 40}, {0, 100}},
           {{true, 0, 266'667}, {true, 266'667, 373'334}, {true, 373'334, 640'001}});
  OutputPortConfig rounded = config_with({}, k3G);
  rounded.serialization_rounding = SerializationRounding::kNs3Nanoseconds;
  OutputPort ns3(rounded);
  run_case(ns3, {{0, 100}, {0, 40}, {0, 100}},
           {{true, 0, 267'000}, {true, 267'000, 374'000}, {true, 374'000, 641'000}});
  EXPECT_EQ(ns3.counters().busy_time.count(), 641'000);
}

TEST(OutputPort, Ns3RoundingCanTurnAnAcceptIntoADrop) {
  // 3 Gb/s, one place in the whole port: the second packet arrives at 267 ns, after the
  // exact departure (266.667 ns) but at the ns-3 one, which the arrival sees first.
  constexpr std::uint64_t k3G = 3'000'000'000ULL;
  OutputPort exact(config_with(make_limit(1, kNone), k3G));
  run_case(exact, {{0, 100}, {267'000, 100}}, {{true, 0, 266'667}, {true, 267'000, 533'667}});
  OutputPort ns3(ns3_timing(config_with(make_limit(1, kNone), k3G)));
  run_case(ns3, {{0, 100}, {267'000, 100}}, {{true, 0, 267'000}, drop(DropReason::kBufferPackets)});
}

TEST(OutputPort, SinglePacketPortDropsEverythingWhileBusy) {
  // K = 1 counting the packet in service: no waiting at all.
  OutputPort port(config_with(make_limit(1, kNone)));
  run_case(port, {{0, 1500}, {0, 1500}, {100'000, 100}, {1'200'000, 100}, {1'300'000, 40}},
           {{true, 0, 1'200'000},
            drop(DropReason::kBufferPackets),
            drop(DropReason::kBufferPackets),
            {true, 1'200'000, 1'280'000},
            {true, 1'300'000, 1'332'000}});
}

TEST(OutputPort, DroppedPacketsLeaveTheDepartureRecursionUnchanged) {
  // The dropped 1500 B packet must not delay packet 2.
  OutputPort port(config_with(make_limit(1, kNone)));
  run_case(port, {{0, 100}, {1000, 1500}, {80'000, 40}},
           {{true, 0, 80'000}, drop(DropReason::kBufferPackets), {true, 80'000, 112'000}});
  EXPECT_EQ(port.busy_until().count(), 112'000);
}

TEST(OutputPort, ByteLimitCountsEveryPacketInTheSystem) {
  // B = 3000 B (kInSystem). Packet 2 would make 3040 B. Packet 3 arrives as packet 0 leaves and
  // fills the buffer exactly (3000 <= 3000). Packet 4 would make 3040 B again.
  OutputPort port(config_with(make_limit(kNone, 3000)));
  run_case(port, {{0, 1500}, {0, 1500}, {600'000, 40}, {1'200'000, 1500}, {1'300'000, 40}},
           {{true, 0, 1'200'000},
            {true, 1'200'000, 2'400'000},
            drop(DropReason::kBufferBytes),
            {true, 2'400'000, 3'600'000},
            drop(DropReason::kBufferBytes)});
  EXPECT_EQ(port.counters().drops_buffer_bytes, 2u);
  EXPECT_EQ(port.in_system_packets(), 2u);
  EXPECT_EQ(port.in_system_bytes(), 3000u);
  EXPECT_EQ(port.departed_packets(), 1u);
}

TEST(OutputPort, TimeLimitIsTheByteLimitAtThePortsRate) {
  // 2.4 us at 10 Gb/s is 3000 B: the same verdicts as the 3000 B case above.
  BufferLimit limit;
  limit.time = Time{2'400'000};
  OutputPort port(config_with(limit));
  run_case(port, {{0, 1500}, {0, 1500}, {600'000, 40}, {1'200'000, 1500}, {1'300'000, 40}},
           {{true, 0, 1'200'000},
            {true, 1'200'000, 2'400'000},
            drop(DropReason::kBufferBytes),
            {true, 2'400'000, 3'600'000},
            drop(DropReason::kBufferBytes)});
  EXPECT_TRUE(port.tracks_occupancy());
  EXPECT_EQ(port.in_system_bytes(), 3000u);
  // At 20 Gb/s the same time is 6000 B: both 1500 B packets and the 40 B one fit.
  OutputPort fast(config_with(limit, 2 * k10G));
  EXPECT_TRUE(fast.offer(Time{0}, 1500).accepted);
  EXPECT_TRUE(fast.offer(Time{0}, 1500).accepted);
  EXPECT_TRUE(fast.offer(Time{0}, 1500).accepted);
  EXPECT_TRUE(fast.offer(Time{0}, 1500).accepted);
  EXPECT_FALSE(fast.offer(Time{0}, 1).accepted);
}

TEST(OutputPort, UnfinishedWorkConventionGivesADifferentDropSet) {
  // Same arrivals, B = 3000 B of unfinished work.
  //  packet 2 at 0.6 us: 1.8 us of work left = 2250 B, + 40 = 2290 <= 3000: accepted
  //    (kInSystem dropped it);
  //  packet 3 at 1.2 us: work until 2.432 us = 1,232,000 ps = 1540 B, + 1500 = 3040: dropped
  //    (kInSystem accepted it);
  //  packet 4 at 1.3 us: 1,132,000 ps = 1415 B, + 40 = 1455: accepted.
  OutputPort port(config_with(make_limit(kNone, 3000, true, kWork)));
  EXPECT_FALSE(port.tracks_occupancy());
  run_case(port, {{0, 1500}, {0, 1500}, {600'000, 40}, {1'200'000, 1500}, {1'300'000, 40}},
           {{true, 0, 1'200'000},
            {true, 1'200'000, 2'400'000},
            {true, 2'400'000, 2'432'000},
            drop(DropReason::kBufferBytes),
            {true, 2'432'000, 2'464'000}});
}

TEST(OutputPort, UnfinishedWorkRoundsPartialBytesUp) {
  // B = 3000 B; two 1500 B packets at 0 leave at 2.4 us. At 31,999 ps, 2,368,001 ps of work are
  // left = 2960.00125 B, which counts as 2961 B: a 40 B packet would make 3001 B (floor or
  // round-to-nearest would say 3000 and accept). At 32,000 ps exactly 2960 B are left.
  for (const std::int64_t t : {std::int64_t{31'999}, std::int64_t{32'000}}) {
    OutputPort port(config_with(make_limit(kNone, 3000, true, kWork)));
    ASSERT_TRUE(port.offer(Time{0}, 1500).accepted);
    ASSERT_TRUE(port.offer(Time{0}, 1500).accepted);
    EXPECT_EQ(port.offer(Time{t}, 40).accepted, t == 32'000) << "arrival " << t;
  }
}

TEST(OutputPort, WaitingRoomByteLimitAdmitsAnyPacketToAnIdlePort) {
  // B = 1000 B of waiting room: a 1500 B packet that finds the port idle goes straight to the
  // transmitter; one that would have to wait does not fit.
  OutputPort port(config_with(make_limit(kNone, 1000, false)));
  run_case(port, {{0, 1500}, {0, 1000}, {0, 40}, {10'000, 1500}},
           {{true, 0, 1'200'000},
            {true, 1'200'000, 2'000'000},
            drop(DropReason::kBufferBytes),
            drop(DropReason::kBufferBytes)});
  OutputPort whole(config_with(make_limit(kNone, 1000)));
  EXPECT_FALSE(whole.offer(Time{0}, 1500).accepted);
}

TEST(OutputPort, ReportsThePacketLimitWhenBothLimitsAreExceeded) {
  OutputPort port(config_with(make_limit(1, 100)));
  EXPECT_TRUE(port.offer(Time{0}, 100).accepted);
  EXPECT_EQ(port.offer(Time{0}, 100).reason, DropReason::kBufferPackets);
  OutputPort bytes_only(config_with(make_limit(10, 100)));
  EXPECT_TRUE(bytes_only.offer(Time{0}, 100).accepted);
  EXPECT_EQ(bytes_only.offer(Time{0}, 1).reason, DropReason::kBufferBytes);
}

TEST(OutputPort, RoundsEachPacketsSerialisationUpAtOc192) {
  // 40 B = 32,150.2 ps -> 32,151; 1500 B = 1,205,632.7 -> 1,205,633; 576 B = 462,962.96 ->
  // 462,963. Three 40 B packets end at 3 * 32,151 = 96,453 (not ceil(3 * 32,150.2) = 96,451).
  // The 576 B packet arrives exactly as the 1500 B one leaves, which frees the only place.
  OutputPort port(config_with(make_limit(1, kNone), kOc192));
  EXPECT_TRUE(port.offer(Time{0}, 40).accepted);
  EXPECT_EQ(port.offer(Time{0}, 40).reason, DropReason::kBufferPackets);
  OutputPort open(config_with({}, kOc192));
  run_case(open, {{0, 40}, {0, 40}, {0, 40}, {100'000, 1500}},
           {{true, 0, 32'151},
            {true, 32'151, 64'302},
            {true, 64'302, 96'453},
            {true, 100'000, 1'305'633}});
  OutputPort one(config_with(make_limit(1, kNone), kOc192));
  run_case(one, {{100'000, 1500}, {1'305'633, 576}},
           {{true, 100'000, 1'305'633}, {true, 1'305'633, 1'768'596}});
}

TEST(OutputPort, FastSerialisationMatchesTheCoreFunctionForEverySize) {
  const std::vector<std::uint64_t> rates = {k10G,          kOc192,          1'000'000'000,
                                            1'234'567'891, 100'000'000'000, 2'488'320'000};
  for (const std::uint64_t rate : rates) {
    OutputPort port(config_with({}, rate));
    for (std::uint32_t bytes = 0; bytes < 20'000; ++bytes) {
      ASSERT_EQ(port.serialization(bytes),
                core::serialization_time(core::Bytes{bytes}, core::BitsPerSecond{rate}))
          << "rate " << rate << " bytes " << bytes;
    }
    EXPECT_EQ(port.serialization(4'000'000'000u),
              core::serialization_time(core::Bytes{4'000'000'000u}, core::BitsPerSecond{rate}));
  }
}

TEST(OutputPort, FastNs3SerialisationMatchesTheCoreFunctionForEverySize) {
  // 8 Gb/s is a whole nanosecond per byte (the multiply path); 10 Gb/s is not (0.8 ns).
  const std::vector<std::uint64_t> rates = {k10G, kOc192, 8'000'000'000, 16'000'000'000,
                                            3'000'000'000};
  for (const std::uint64_t rate : rates) {
    OutputPortConfig c = config_with({}, rate);
    c.serialization_rounding = SerializationRounding::kNs3Nanoseconds;
    OutputPort port(c);
    for (std::uint32_t bytes = 0; bytes < 20'000; ++bytes) {
      ASSERT_EQ(port.serialization(bytes),
                core::ns3_serialization_time(core::Bytes{bytes}, core::BitsPerSecond{rate}))
          << "rate " << rate << " bytes " << bytes;
    }
  }
}

TEST(OutputPort, KeepsNoRingWithoutLimitsUnlessAsked) {
  OutputPort plain(config_with({}));
  EXPECT_FALSE(plain.tracks_occupancy());
  plain.offer(Time{0}, 100);
  EXPECT_THROW(
      {
        try {
          (void)plain.in_system_packets();
        } catch (const std::logic_error& e) {
          EXPECT_THAT(e.what(), HasSubstr("track_occupancy"));
          throw;
        }
      },
      std::logic_error);
  OutputPortConfig tracked = config_with({});
  tracked.track_occupancy = true;
  OutputPort port(tracked);
  EXPECT_TRUE(port.tracks_occupancy());
  port.offer(Time{0}, 100);
  port.offer(Time{0}, 100);
  EXPECT_EQ(port.in_system_packets(), 2u);
  port.offer(Time{160'000}, 100);  // both earlier packets have left exactly now
  EXPECT_EQ(port.in_system_packets(), 1u);
  EXPECT_EQ(port.departed_packets(), 2u);
  EXPECT_EQ(port.counters().max_occupancy_packets, 2u);
}

TEST(OutputPort, RejectsArrivalsOutOfOrder) {
  OutputPort port(config_with({}));
  port.offer(Time{1000}, 100);
  port.offer(Time{1000}, 100);
  try {
    port.offer(Time{999}, 100);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("non-decreasing"));
    EXPECT_THAT(e.what(), HasSubstr("999"));
  }
}

void expect_invalid(const OutputPortConfig& c, const std::string& needle) {
  try {
    OutputPort port(c);
    FAIL() << "expected std::invalid_argument mentioning " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(needle));
    EXPECT_THAT(e.what(), HasSubstr("'" + c.name + "'"));
  }
}

TEST(OutputPort, ValidationNamesThePortAndTheProblem) {
  OutputPortConfig c;
  c.name = "uplink";
  c.rate = core::BitsPerSecond{0};
  expect_invalid(c, "rate must be > 0");
  c.rate = core::BitsPerSecond{k10G};
  c.buffer.packets = 0;
  expect_invalid(c, "packet limit must be >= 1");
  c.buffer.packets.reset();
  c.buffer.bytes = 0;
  expect_invalid(c, "byte limit must be >= 1");
  c.buffer.bytes.reset();
  c.buffer.time = Time{0};
  expect_invalid(c, "buffer time must be > 0");
  c.buffer.time = Time{-5};
  expect_invalid(c, "buffer time must be > 0");
  c.buffer.time = Time{1'000'000};
  c.buffer.bytes = 1500;
  expect_invalid(c, "give the byte limit as bytes or as time, not both");
  c.buffer.time.reset();
  c.buffer.bytes.reset();
  c.propagation = Time{-1};
  expect_invalid(c, "propagation delay must be >= 0");
}

}  // namespace
}  // namespace rlisim::net
