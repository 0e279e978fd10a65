// OutputPort against an independent event-driven reference on random arrivals with drops:
// every packet's verdict and times, the accounting identities, and the buffer limits.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/core/rng.hpp"
#include "sim/net/output_port.hpp"
#include "tests/net/reference_port.hpp"

namespace rlisim::net {
namespace {

using core::Time;
using testing::make_limit;
using testing::ReferenceFate;
using testing::ReferencePort;
constexpr auto kNone = std::nullopt;

struct Arrival {
  std::int64_t arrival_ps;
  std::uint32_t bytes;
};

// Bursty arrivals at about `load` times the link rate: a fifth arrive at the same instant as
// the previous packet, sizes mix the classic peaks with uniform sizes and an occasional jumbo
// or empty packet.
std::vector<Arrival> random_arrivals(std::uint64_t seed, std::size_t n, std::uint64_t rate,
                                     double load) {
  auto rng = core::make_rng(seed, 7);
  const double mean_bytes = 600;
  const double mean_gap_ps = mean_bytes * 8e12 / static_cast<double>(rate) / load / 0.8;
  std::vector<Arrival> out;
  out.reserve(n);
  double t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (core::uniform01(rng) >= 0.2)
      t += core::exponential(rng, mean_gap_ps);
    const double u = core::uniform01(rng);
    std::uint32_t bytes;
    if (u < 0.3) {
      bytes = 40;
    } else if (u < 0.45) {
      bytes = 576;
    } else if (u < 0.7) {
      bytes = 1500;
    } else if (u < 0.71) {
      bytes = 9000;
    } else if (u < 0.715) {
      bytes = 0;
    } else {
      bytes = 1 + static_cast<std::uint32_t>(core::uniform01(rng) * 1500);
    }
    out.push_back({static_cast<std::int64_t>(t), bytes});
  }
  return out;
}

struct Scenario {
  std::string label;
  std::uint64_t rate;
  BufferLimit limit;
  double load;
};

void PrintTo(const Scenario& s, std::ostream* os) {
  *os << s.label;
}

std::vector<Scenario> scenarios() {
  const std::uint64_t oc192 = 9'953'280'000ULL;
  const std::uint64_t odd = 1'234'567'891ULL;
  const auto unfinished = ByteOccupancy::kUnfinishedWork;
  return {
      {"infinite", oc192, make_limit(kNone, kNone), 0.95},
      {"packets 8", 10'000'000'000ULL, make_limit(8, kNone), 1.3},
      {"packets 1", oc192, make_limit(1, kNone), 0.9},
      {"waiting room 5", odd, make_limit(5, kNone, false), 1.5},
      {"waiting room 1", oc192, make_limit(1, kNone, false), 1.1},
      {"bytes 6000 in system", oc192, make_limit(kNone, 6000), 1.3},
      {"bytes 1000 in system", odd, make_limit(kNone, 1000), 0.8},
      {"bytes 4000 waiting room", oc192, make_limit(kNone, 4000, false), 1.4},
      {"bytes 6000 unfinished work", oc192, make_limit(kNone, 6000, true, unfinished), 1.3},
      {"bytes 2500 unfinished work", odd, make_limit(kNone, 2500, true, unfinished), 2.0},
      {"packets 10 and bytes 5000", oc192, make_limit(10, 5000), 1.6},
      {"packets 4 and unfinished work", 10'000'000'000ULL, make_limit(4, 3000, false, unfinished),
       1.6},
  };
}

class OutputPortVersusReference : public ::testing::TestWithParam<Scenario> {};

TEST_P(OutputPortVersusReference, AgreesOnEveryPacket) {
  const Scenario& s = GetParam();
  constexpr std::size_t kPackets = 20'000;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(::testing::Message() << s.label << " seed " << seed);
    const std::vector<Arrival> arrivals = random_arrivals(seed, kPackets, s.rate, s.load);
    OutputPortConfig config;
    config.rate = core::BitsPerSecond{s.rate};
    config.buffer = s.limit;
    config.track_occupancy = true;
    OutputPort port(config);
    ReferencePort reference(s.rate, s.limit);

    std::vector<PortVerdict> verdicts;
    std::uint64_t max_packets = 0;
    std::uint64_t max_bytes = 0;
    for (const Arrival& a : arrivals) {
      const PortVerdict v = port.offer(Time{a.arrival_ps}, a.bytes);
      const ReferenceFate r = reference.offer(a.arrival_ps, a.bytes);
      verdicts.push_back(v);
      if (r.accepted) {
        max_packets = std::max(max_packets, r.packets_after);
        max_bytes = std::max(max_bytes, r.bytes_after);
      }
      // Accounting identities after every packet, with in-system counts from the reference.
      const PortCounters& c = port.counters();
      ASSERT_EQ(c.offered_packets, c.accepted_packets + c.dropped_packets);
      ASSERT_EQ(c.offered_bytes, c.accepted_bytes + c.dropped_bytes);
      ASSERT_EQ(c.dropped_packets, c.drops_buffer_packets + c.drops_buffer_bytes);
      ASSERT_EQ(port.in_system_packets(), r.packets_after);
      ASSERT_EQ(port.in_system_bytes(), r.bytes_after);
      ASSERT_EQ(port.departed_packets(), r.departed_before);
      ASSERT_EQ(c.accepted_packets, port.departed_packets() + port.in_system_packets());
    }
    const std::vector<ReferenceFate> expected = reference.finish();
    std::uint64_t drops = 0;
    std::int64_t busy_ps = 0;
    for (std::size_t i = 0; i < arrivals.size(); ++i) {
      ASSERT_EQ(verdicts[i].accepted, expected[i].accepted) << "packet " << i;
      ASSERT_EQ(verdicts[i].reason, expected[i].reason) << "packet " << i;
      if (expected[i].accepted) {
        ASSERT_EQ(verdicts[i].service_start.count(), expected[i].start_ps) << "packet " << i;
        ASSERT_EQ(verdicts[i].departure.count(), expected[i].departure_ps) << "packet " << i;
        busy_ps += expected[i].departure_ps - expected[i].start_ps;
      } else {
        ++drops;
      }
    }
    EXPECT_EQ(port.counters().busy_time.count(), busy_ps);
    EXPECT_EQ(port.counters().max_occupancy_packets, max_packets);
    EXPECT_EQ(port.counters().max_occupancy_bytes, max_bytes);
    EXPECT_EQ(port.counters().dropped_packets, drops);
    if (s.limit.packets || s.limit.bytes) {
      EXPECT_GT(drops, 0u) << "the scenario should exercise the buffer limit";
    }
  }
}

// The limit is never exceeded: recount, from the port's own departures, how many accepted
// packets (and bytes) are in the port at each accepted arrival (O(n^2) on a shorter run).
TEST_P(OutputPortVersusReference, NeverExceedsTheBufferLimit) {
  const Scenario& s = GetParam();
  const std::vector<Arrival> arrivals = random_arrivals(99, 3000, s.rate, s.load);
  OutputPortConfig config;
  config.rate = core::BitsPerSecond{s.rate};
  config.buffer = s.limit;
  OutputPort port(config);
  struct Accepted {
    std::int64_t arrival, start, departure;
    std::uint32_t bytes;
  };
  std::vector<Accepted> accepted;
  for (const Arrival& a : arrivals) {
    const PortVerdict v = port.offer(Time{a.arrival_ps}, a.bytes);
    if (!v.accepted)
      continue;
    accepted.push_back({a.arrival_ps, v.service_start.count(), v.departure.count(), a.bytes});
    const std::int64_t t = a.arrival_ps;
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::uint64_t waiting_packets = 0;
    std::uint64_t waiting_bytes = 0;
    for (std::size_t j = 0; j < accepted.size(); ++j) {
      const Accepted& b = accepted[j];
      const bool is_new = j + 1 == accepted.size();  // in the port even if it has 0 bytes
      if (b.departure <= t && !is_new)
        continue;
      ++packets;
      bytes += b.bytes;
      // Waiting at t+: not yet started (the new packet waits unless it starts right now).
      if (b.start > t) {
        ++waiting_packets;
        waiting_bytes += b.bytes;
      }
    }
    if (s.limit.packets) {
      const std::uint64_t counted = s.limit.count_in_service ? packets : waiting_packets;
      ASSERT_LE(counted, *s.limit.packets) << s.label;
    }
    if (s.limit.bytes && s.limit.byte_occupancy == ByteOccupancy::kInSystem) {
      const std::uint64_t counted = s.limit.count_in_service ? bytes : waiting_bytes;
      ASSERT_LE(counted, *s.limit.bytes) << s.label;
    }
    if (s.limit.bytes && s.limit.byte_occupancy == ByteOccupancy::kUnfinishedWork) {
      // Work left just after admitting the packet: until its own departure.
      const double work_bytes =
          static_cast<double>(v.departure.count() - t) * static_cast<double>(s.rate) / 8e12;
      ASSERT_LE(work_bytes, static_cast<double>(*s.limit.bytes) + 1) << s.label;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, OutputPortVersusReference, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           std::string name;
                           for (const char ch : info.param.label) {
                             name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace rlisim::net
