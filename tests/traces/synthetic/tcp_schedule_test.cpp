#include "traces/synthetic/tcp_schedule.hpp"

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "sim/core/packet.hpp"

namespace rlisim::traces {
namespace {

namespace mark = core::tcp_mark;

struct Emitted {
  double time;
  std::uint8_t mark;
};

std::vector<Emitted> drain(TcpSchedule s) {
  std::vector<Emitted> out;
  while (!s.done()) {
    out.push_back({s.time_ps(), s.mark()});
    s.advance();
  }
  return out;
}

TcpScheduleParams bulk(double rtt, double gap, std::uint32_t iw) {
  TcpScheduleParams p;
  p.rtt_ps = rtt;
  p.segment_gap_ps = gap;
  p.initial_window = iw;
  return p;
}

TEST(TcpSchedule, OnePacketIsTheSynAckAlone) {
  const auto out = drain(TcpSchedule(bulk(100, 1, 10), 1, 5));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].time, 5);
  EXPECT_EQ(out[0].mark, mark::kSyn | mark::kPureAck);
}

TEST(TcpSchedule, TwoPacketsOpenAndCloseOneRoundTripApart) {
  const auto out = drain(TcpSchedule(bulk(100, 1, 10), 2, 0));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].time, 100);
  EXPECT_EQ(out[1].mark, mark::kFin);
}

TEST(TcpSchedule, SlowStartDoublesTheWindowEveryRoundTrip) {
  // SYN-ACK, windows of 2, 4 and 8 segments one round trip apart, then the FIN.
  const auto out = drain(TcpSchedule(bulk(100, 1, 2), 16, 0));
  std::vector<double> expected{0};
  for (int j = 0; j < 2; ++j)
    expected.push_back(100 + j);
  for (int j = 0; j < 4; ++j)
    expected.push_back(200 + j);
  for (int j = 0; j < 8; ++j)
    expected.push_back(300 + j);
  expected.push_back(308);
  ASSERT_EQ(out.size(), expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].time, expected[i]) << i;
    const std::uint8_t m =
        i == 0 ? (mark::kSyn | mark::kPureAck) : (i + 1 == out.size() ? mark::kFin : mark::kData);
    EXPECT_EQ(out[i].mark, m) << i;
  }
}

TEST(TcpSchedule, CongestionAvoidanceAddsOneSegmentPerRound) {
  auto p = bulk(100, 1, 2);
  p.ssthresh = 4;
  // Windows 2, 4, 5, 6.
  const auto out = drain(TcpSchedule(p, 1 + 17 + 1, 0));
  const std::vector<double> round_starts{100, 200, 300, 400};
  const std::vector<int> windows{2, 4, 5, 6};
  std::size_t i = 1;
  for (std::size_t r = 0; r < windows.size(); ++r) {
    for (int j = 0; j < windows[r]; ++j, ++i)
      EXPECT_EQ(out[i].time, round_starts[r] + j) << "round " << r << " segment " << j;
  }
  EXPECT_EQ(out.back().time, 406);
}

TEST(TcpSchedule, AWindowLongerThanTheRoundTripBecomesAContinuousStream) {
  // 10 segments take 300 > rtt 100: every segment follows the previous at the access rate.
  const auto out = drain(TcpSchedule(bulk(100, 30, 10), 1 + 50 + 1, 0));
  for (std::size_t i = 1; i + 1 < out.size(); ++i)
    EXPECT_DOUBLE_EQ(out[i].time, 100 + 30.0 * static_cast<double>(i - 1)) << i;
}

TEST(TcpSchedule, TheReceiveWindowCapsEveryRound) {
  auto p = bulk(100, 1, 10);
  p.receive_window = 3;
  const auto out = drain(TcpSchedule(p, 1 + 9 + 1, 0));
  for (std::size_t i = 1; i + 1 < out.size(); ++i) {
    const std::size_t k = i - 1;
    EXPECT_EQ(out[i].time, 100 + 100 * static_cast<double>(k / 3) + static_cast<double>(k % 3))
        << i;
  }
}

TEST(TcpSchedule, AnAckStreamAcknowledgesEverySecondSegmentOfTheOppositeWindows) {
  auto p = bulk(100, 1, 4);
  p.ack_every = 2;
  // SYN, handshake ACK, ACKs for windows of 4 and 8 segments (2 and 4 ACKs, 2 apart), FIN.
  const auto out = drain(TcpSchedule(p, 2 + 6 + 1, 0));
  const std::vector<double> expected{0, 100, 200, 202, 300, 302, 304, 306, 308};
  ASSERT_EQ(out.size(), expected.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i].time, expected[i]) << i;
  EXPECT_EQ(out[0].mark, mark::kSyn);
  EXPECT_EQ(out[1].mark, mark::pure_ack(0));
  EXPECT_EQ(out[2].mark, mark::pure_ack(2));
  EXPECT_EQ(mark::acked_segments(out[2].mark), 2u);
  EXPECT_EQ(out.back().mark, mark::kFin);
}

TEST(TcpSchedule, AnAckStreamsWindowKeepsGrowingWhenItIsNotAMultipleOfTheAckRatio) {
  // Initial window 3, ssthresh 14, one ACK per 2 segments: cwnd 3, 6, 12, 14, 15, 16, 17, 18
  // gives floor(cwnd / 2) = 1, 3, 6, 7, 7, 8, 8, 9 ACKs per round.
  auto p = bulk(1000, 1, 3);
  p.ssthresh = 14;
  p.ack_every = 2;
  const std::vector<int> acks{1, 3, 6, 7, 7, 8, 8, 9};
  int total = 0;
  for (int a : acks)
    total += a;
  const auto out = drain(TcpSchedule(p, 2 + static_cast<std::uint64_t>(total) + 1, 0));
  std::size_t i = 2;
  for (std::size_t r = 0; r < acks.size(); ++r) {
    for (int j = 0; j < acks[r]; ++j, ++i)
      EXPECT_EQ(out[i].time, 2000 + 1000 * static_cast<double>(r) + 2 * j)
          << "round " << r << " ack " << j;
  }
}

TEST(TcpSchedule, AnApplicationFasterThanTheNetworkLeavesTheBulkSchedule) {
  // Bursts of about one segment handed over every 0.001 ps: the connection always has a
  // backlog, so its windows are exactly those of a bulk connection.
  auto bulk_params = bulk(100, 1, 2);
  bulk_params.ssthresh = 16;
  auto app = bulk_params;
  app.burst_segments_mean = 1;
  app.idle_mean_ps = 1e-3;
  app.random_key = 3;
  const auto a = drain(TcpSchedule(bulk_params, 300, 0));
  const auto b = drain(TcpSchedule(app, 300, 0));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(a[i].time, b[i].time) << i;
}

TEST(TcpSchedule, ApplicationLimitedFlowsIdleBetweenBurstsAndRestartAfterATimeout) {
  auto p = bulk(1000, 1, 10);
  p.burst_segments_mean = 30;
  p.idle_mean_ps = 1e6;  // far above the timeout: every burst restarts from the window of 10
  p.rto_ps = 2000;
  p.random_key = 7;
  const auto out = drain(TcpSchedule(p, 2 + 5000, 0));
  ASSERT_EQ(out.size(), 5002u);
  double idle_sum = 0;
  int idles = 0;
  bool after_idle = false;
  std::size_t run = 1;
  for (std::size_t i = 2; i + 1 < out.size(); ++i) {
    const double gap = out[i].time - out[i - 1].time;
    ASSERT_GE(gap, 0);
    if (gap > 1.0) {
      // The first round after an idle period longer than the timeout holds the initial window.
      if (after_idle) {
        EXPECT_LE(run, 10u) << "packet " << i;
      }
      after_idle = gap > 10 * p.rtt_ps;
      run = 1;
    } else {
      ++run;
    }
    if (gap > 10 * p.rtt_ps) {
      idle_sum += gap;
      ++idles;
    }
  }
  ASSERT_GT(idles, 50);
  // The application hands bursts over at exponential spacings of mean 1e6, and a burst takes
  // a few round trips (~3e3) to send: the sample mean of n idle periods has a relative
  // standard deviation of 1 / sqrt(n).
  const double mean = idle_sum / idles;
  EXPECT_NEAR(mean / 1e6, 1.0, 4.0 / std::sqrt(static_cast<double>(idles)) + 0.01);
}

TEST(TcpSchedule, SkipToLandsWhereSteppingDoes) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::uniform_real_distribution<double> real(0.0, 1.0);
    TcpScheduleParams p;
    p.rtt_ps = 1 + 1000 * real(rng);
    // Non-dyadic gaps and times: the skip's quotient rounds both ways.
    p.segment_gap_ps = 0.1 + 50 * real(rng);
    p.initial_window = 1 + static_cast<std::uint32_t>(rng() % 12);
    p.ssthresh = 1 + static_cast<std::uint32_t>(rng() % 64);
    p.receive_window = 1 + static_cast<std::uint32_t>(rng() % 100);
    p.ack_every = static_cast<std::uint32_t>(rng() % 3);
    if (rng() % 2 == 0) {
      p.burst_segments_mean = 1 + static_cast<double>(rng() % 40);
      p.idle_mean_ps = static_cast<double>(rng() % 5000);
      p.rto_ps = static_cast<double>(rng() % 3000);
    }
    p.random_key = rng();
    const std::uint64_t packets = 1 + rng() % 400;
    const double start = -20000 * real(rng);
    // Half of the targets land exactly on a packet of the stepped schedule.
    double t = -20000 * real(rng);
    if (trial % 2 == 0) {
      TcpSchedule probe(p, packets, start);
      const auto k = rng() % packets;
      for (std::uint64_t i = 0; i < k && !probe.done(); ++i)
        probe.advance();
      if (!probe.done())
        t = probe.time_ps();
    }
    TcpSchedule skipped(p, packets, start);
    skipped.skip_to(t);
    TcpSchedule stepped(p, packets, start);
    while (!stepped.done() && stepped.time_ps() < t)
      stepped.advance();
    ASSERT_EQ(skipped.done(), stepped.done()) << "trial " << trial;
    ASSERT_EQ(skipped.packets_left(), stepped.packets_left()) << "trial " << trial;
    // The rest of the schedule is the same, packet for packet.
    const auto a = drain(skipped);
    const auto b = drain(stepped);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_DOUBLE_EQ(a[i].time, b[i].time) << "trial " << trial << " packet " << i;
      ASSERT_EQ(a[i].mark, b[i].mark);
    }
  }
}

}  // namespace
}  // namespace rlisim::traces
