// NetFlow (naive and Multiflow on consistent NetFlow, naive on packet-sampled NetFlow)
// against hand computations, constant delays, binomial bounds on flow and packet sampling,
// bounded record state, and the discarding of pairs whose packet counts differ.

#include "models/netflow/netflow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/packet_hash.hpp"
#include "sim/core/rng.hpp"
#include "tests/models/taps.hpp"

namespace rlisim::models::netflow {
namespace {

using core::FlowKey;
using core::Packet;
using core::Time;

FlowKey flow(std::uint32_t i) {
  return FlowKey::ipv4(0x0a000000u + i, 0x0b000000u, 1000, 80, 6);
}

// One packet of a hand-made scenario: flow, ingress time, delay (ps); delay < 0 means dropped.
struct Step {
  std::uint32_t flow;
  std::int64_t arrival;
  std::int64_t delay;
};

// The step's packet, the `seq`-th of the scenario.
Packet packet_of(const Step& s, std::uint64_t seq) {
  Packet p;
  p.flow = flow(s.flow);
  p.arrival = Time{s.arrival};
  p.wire_bytes = 100;
  p.seq = seq;
  return p;
}

// Drives estimators as the router does: steps in arrival order, each packet's egress or drop
// right after its ingress.
void drive(const std::vector<Step>& steps, const std::vector<Estimator*>& estimators) {
  std::uint64_t seq = 0;
  test::Taps taps(estimators);
  for (const Step& s : steps) {
    taps.pass(packet_of(s, seq++), 0, Time{s.arrival + std::max<std::int64_t>(s.delay, 0)},
              s.delay < 0);
  }
  for (Estimator* e : estimators)
    e->finalize();
}

// The pairs NetflowRecords forms over the steps (flow ids are the steps' flow numbers), in the
// order they formed.
std::vector<RecordPair> pairs_of(const std::vector<Step>& steps, const NetflowConfig& config) {
  NetflowRecords records(config);
  std::uint64_t seq = 0;
  for (const Step& s : steps) {
    const Packet p = packet_of(s, seq++);
    records.on_ingress(p, s.flow);
    if (s.delay >= 0)
      records.on_egress(p, s.flow, Time{s.arrival + s.delay});
  }
  records.finalize();
  std::vector<RecordPair> pairs;
  records.read_pairs(0, [&](const RecordPair& pair) { pairs.push_back(pair); });
  return pairs;
}

double counter(const FlowEstimator& e, const std::string& name) {
  for (const NamedCounter& c : e.counters()) {
    if (c.name == name)
      return c.value;
  }
  ADD_FAILURE() << "no counter " << name;
  return NAN;
}

double mean_of(const FlowEstimator& e, std::uint32_t f) {
  const auto est = e.estimate(flow(f));
  EXPECT_TRUE(est.has_value()) << "flow " << f;
  return est ? est->mean_ps : NAN;
}

NetflowConfig timeouts(std::int64_t active, std::int64_t inactive) {
  NetflowConfig c;
  c.active_timeout = Time{active};
  c.inactive_timeout = Time{inactive};
  return c;
}

TEST(NaiveNetflow, MatchesHandComputationWithTimeoutsSplittingFlows) {
  NaiveNetflow nf(timeouts(10'000, 3'000));
  // Flow 0: a 4000 ps silence (>= inactive 3000) splits it into records of 3 and 2 packets:
  //   (100 + 200) / 2 = 150 weighted 3, (500 + 700) / 2 = 600 weighted 2 -> 1650 / 5 = 330.
  // Flow 1: the packet at 10000 comes active_timeout after the first: records of 5 and 2:
  //   (10 + 50) / 2 = 30 weighted 5, (60 + 70) / 2 = 65 weighted 2 -> 280 / 7 = 40.
  // Flow 2: one packet, one sample.
  drive({{0, 0, 100},
         {1, 0, 10},
         {0, 1000, 300},
         {0, 2000, 200},
         {1, 2000, 20},
         {2, 3000, 1234},
         {1, 4000, 30},
         {0, 6000, 500},
         {1, 6000, 40},
         {0, 7000, 700},
         {1, 8000, 50},
         {1, 10000, 60},
         {1, 12000, 70}},
        {&nf});
  EXPECT_DOUBLE_EQ(mean_of(nf, 0), 330.0);
  EXPECT_DOUBLE_EQ(mean_of(nf, 1), 40.0);
  EXPECT_DOUBLE_EQ(mean_of(nf, 2), 1234.0);
  EXPECT_EQ(nf.estimate(flow(0))->samples, 4u);
  EXPECT_EQ(nf.estimate(flow(2))->samples, 1u);
  EXPECT_TRUE(std::isnan(nf.estimate(flow(0))->std_ps));
  EXPECT_FALSE(nf.estimate(flow(3)).has_value());
  EXPECT_FALSE(nf.estimates_std());

  EXPECT_EQ(counter(nf, "sampled_flows"), 3);
  EXPECT_EQ(counter(nf, "records"), 5);
  EXPECT_EQ(counter(nf, "pairs"), 5);
  EXPECT_EQ(counter(nf, "samples"), 9);
  EXPECT_EQ(counter(nf, "lossy_pairs"), 0);
  EXPECT_EQ(counter(nf, "wrong_first_last"), 0);
  EXPECT_EQ(counter(nf, "unpaired_records"), 0);
  EXPECT_DOUBLE_EQ(counter(nf, "effective_packet_sampling_rate"), 9.0 / 13.0);
  // Peak: flows 0, 1 and 2 all open at both taps once flow 2's packet has left.
  EXPECT_EQ(nf.cost().state_bytes, 6u * kRecordBytes);
  EXPECT_EQ(nf.cost().export_bytes, 10u * kRecordBytes);
  EXPECT_EQ(nf.cost().injected_packets, 0u);
}

TEST(NaiveNetflow, UsedLossyPairsGiveTheWrongPacketsDelays) {
  NetflowConfig c = timeouts(1'000'000, 1'000'000);
  c.lossy_pairs = LossyPairs::kUse;
  NaiveNetflow nf(c);
  // Flow 0 loses its last packet: the egress record ends at the second packet, so d_last =
  // (300 + 20) - 400 = -80 and the estimate is (10 - 80) / 2 = -35. Flow 1 loses everything:
  // an unpaired ingress record, no estimate.
  drive({{0, 0, 10}, {1, 50, -1}, {0, 300, 20}, {0, 400, -1}}, {&nf});
  EXPECT_DOUBLE_EQ(mean_of(nf, 0), -35.0);
  EXPECT_FALSE(nf.estimate(flow(1)).has_value());
  EXPECT_EQ(counter(nf, "lossy_pairs"), 1);
  EXPECT_EQ(counter(nf, "discarded_pairs"), 0);
  EXPECT_EQ(counter(nf, "wrong_first_last"), 1);
  EXPECT_EQ(counter(nf, "unpaired_records"), 1);
  EXPECT_EQ(counter(nf, "pairs"), 1);
  EXPECT_EQ(counter(nf, "records"), 2);
}

// Flow 0 loses its last packet, flow 1 every packet, flow 2 an inner packet; flow 3 loses
// nothing. Egress samples (time, delay): flow 0 (10, 10) and (320, 320 - 400 = -80), flow 2
// (105, 5) and (257, 7), flow 3 (150, 30) and (540, 40).
std::vector<Step> four_flows_with_losses() {
  return {{0, 0, 10},  {1, 50, -1},  {2, 100, 5},  {3, 120, 30}, {2, 200, -1},
          {2, 250, 7}, {0, 300, 20}, {0, 400, -1}, {3, 500, 40}};
}

TEST(ConsistentNetflow, PairsWithUnequalPacketCountsAreDiscardedAndCounted) {
  NaiveNetflow naive;
  Multiflow multiflow;
  drive(four_flows_with_losses(), {&naive, &multiflow});
  for (const FlowEstimator* e :
       {static_cast<const FlowEstimator*>(&naive), static_cast<const FlowEstimator*>(&multiflow)}) {
    EXPECT_EQ(counter(*e, "pairs"), 3) << e->name();
    EXPECT_EQ(counter(*e, "lossy_pairs"), 2) << e->name();
    EXPECT_EQ(counter(*e, "discarded_pairs"), 2) << e->name();
    EXPECT_EQ(counter(*e, "wrong_first_last"), 1) << e->name();
    EXPECT_EQ(counter(*e, "unpaired_records"), 1) << e->name();
    // Only flow 3's pair is used: its two samples are the only exact ones counted.
    EXPECT_EQ(counter(*e, "samples"), 2) << e->name();
    EXPECT_EQ(e->cost().delay_samples, 2u) << e->name();
    // Records are exported (and cost) whatever the collector then discards.
    EXPECT_EQ(e->cost().export_bytes, 7u * kRecordBytes) << e->name();
    for (const std::uint32_t f : {0u, 1u, 2u})
      EXPECT_FALSE(e->estimate(flow(f)).has_value()) << e->name() << " flow " << f;
    // Flow 3's pool [150, 540] holds its own samples only: flow 0's -80 at 320 and flow 2's
    // 7 at 257 are gone with their pairs.
    EXPECT_DOUBLE_EQ(mean_of(*e, 3), 35.0) << e->name();
  }
}

TEST(ConsistentNetflow, LossyPairsUsedAsThePapersDoEnterEveryPool) {
  NetflowConfig c;
  c.lossy_pairs = LossyPairs::kUse;
  NaiveNetflow naive(c);
  Multiflow multiflow(c);
  drive(four_flows_with_losses(), {&naive, &multiflow});
  for (const FlowEstimator* e :
       {static_cast<const FlowEstimator*>(&naive), static_cast<const FlowEstimator*>(&multiflow)}) {
    EXPECT_EQ(counter(*e, "lossy_pairs"), 2) << e->name();
    EXPECT_EQ(counter(*e, "discarded_pairs"), 0) << e->name();
    EXPECT_EQ(counter(*e, "samples"), 6) << e->name();
    EXPECT_EQ(e->cost().delay_samples, 6u) << e->name();
  }
  EXPECT_DOUBLE_EQ(mean_of(naive, 0), -35.0);
  EXPECT_DOUBLE_EQ(mean_of(naive, 2), 6.0);  // an inner loss leaves first and last right
  EXPECT_DOUBLE_EQ(mean_of(naive, 3), 35.0);
  // Pool [150, 540]: (150, 30), (257, 7), (320, -80), (540, 40).
  EXPECT_DOUBLE_EQ(mean_of(multiflow, 3), (30 + 7 - 80 + 40) / 4.0);
}

// A FIFO queue fed by `flows` interleaved flows at about 90 % load: each packet's delay comes
// from the Lindley recursion, so every flow leaves in order and delays vary.
std::vector<Step> queued_stream(std::uint32_t flows, std::size_t packets, std::uint64_t seed) {
  auto rng = core::make_rng(seed, 0);
  std::vector<Step> steps;
  std::int64_t t = 0;
  std::int64_t free_at = 0;
  for (std::size_t i = 0; i < packets; ++i) {
    t += 1 + static_cast<std::int64_t>(core::uniform01(rng) * 2000);
    const auto service = 300 + static_cast<std::int64_t>(core::uniform01(rng) * 1200);
    free_at = std::max(free_at, t) + service;
    const auto f = static_cast<std::uint32_t>(core::uniform01(rng) * flows);
    steps.push_back({f, t, free_at - t});
  }
  return steps;
}

enum class Lost : std::uint8_t { kFirst, kLast, kAll };

// `steps` with flow `f`'s first, last or every packet dropped; the others keep their delays.
std::vector<Step> dropping(std::vector<Step> steps, std::uint32_t f, Lost lost) {
  std::vector<Step*> packets;
  for (Step& s : steps) {
    if (s.flow == f)
      packets.push_back(&s);
  }
  if (lost == Lost::kAll) {
    for (Step* s : packets)
      s->delay = -1;
  } else {
    (lost == Lost::kFirst ? packets.front() : packets.back())->delay = -1;
  }
  return steps;
}

std::vector<std::optional<FlowDelayEstimate>> multiflow_estimates(const std::vector<Step>& steps,
                                                                  std::uint32_t flows,
                                                                  LossyPairs lossy_pairs,
                                                                  double* discarded = nullptr) {
  NetflowConfig c;
  c.lossy_pairs = lossy_pairs;
  Multiflow mf(c);
  drive(steps, {&mf});
  std::vector<std::optional<FlowDelayEstimate>> out;
  for (std::uint32_t f = 0; f < flows; ++f)
    out.push_back(mf.estimate(flow(f)));
  if (discarded != nullptr)
    *discarded = counter(mf, "discarded_pairs");
  return out;
}

bool same(const std::optional<FlowDelayEstimate>& a, const std::optional<FlowDelayEstimate>& b) {
  if (a.has_value() != b.has_value())
    return false;
  return !a || (a->mean_ps == b->mean_ps && a->samples == b->samples);
}

TEST(Multiflow, ALostFirstOrLastPacketChangesNoOtherFlowsEstimateOnceItsPairIsDiscarded) {
  // Flow 0 spans the whole stream, so its samples fall into every other flow's pool. The
  // reference is the same traffic with flow 0 never reaching the egress tap (an unpaired
  // ingress record, nothing pooled): losing only its first or last packet must leave every
  // other flow's estimate bit for bit as there.
  const std::uint32_t flows = 20;
  const std::vector<Step> steps = queued_stream(flows, 600, 11);
  ASSERT_GE(std::count_if(steps.begin(), steps.end(), [](const Step& s) { return s.flow == 0; }),
            10);
  const auto without_flow_0 =
      multiflow_estimates(dropping(steps, 0, Lost::kAll), flows, LossyPairs::kDiscard);
  for (const Lost lost : {Lost::kFirst, Lost::kLast}) {
    const std::string which = lost == Lost::kFirst ? "first" : "last";
    const std::vector<Step> lossy = dropping(steps, 0, lost);
    double discarded = 0;
    const auto kept = multiflow_estimates(lossy, flows, LossyPairs::kDiscard, &discarded);
    EXPECT_EQ(discarded, 1) << which;
    EXPECT_FALSE(kept[0].has_value()) << which;
    for (std::uint32_t f = 1; f < flows; ++f) {
      ASSERT_TRUE(kept[f].has_value()) << which << " flow " << f;
      EXPECT_TRUE(same(kept[f], without_flow_0[f])) << which << " flow " << f;
    }
    // Used, the pair pools one packet's ingress time with another's egress time, off by an
    // inter-packet gap, and moves the other flows' estimates.
    const auto used = multiflow_estimates(lossy, flows, LossyPairs::kUse, &discarded);
    EXPECT_EQ(discarded, 0) << which;
    std::uint32_t moved = 0;
    for (std::uint32_t f = 1; f < flows; ++f)
      moved += same(used[f], without_flow_0[f]) ? 0 : 1;
    EXPECT_GE(moved, flows / 2) << which;
  }
}

// Three overlapping flows, no timeouts. Samples (egress time, delay):
//   flow 0: (10, 10), (240, 40), interval [10, 240], 3 packets;
//   flow 1: (80, 30), (210, 60), interval [80, 210];
//   flow 2: (200, 100), (300, 50), interval [200, 300].
std::vector<Step> overlapping_flows() {
  return {{0, 0, 10},   {1, 50, 30},  {0, 100, 20}, {2, 100, 100},
          {1, 150, 60}, {0, 200, 40}, {2, 250, 50}};
}

Multiflow run_multiflow(MultiflowPool pool) {
  NetflowConfig c;
  c.pool = pool;
  Multiflow mf(c);
  drive(overlapping_flows(), {&mf});
  return mf;
}

TEST(Multiflow, MeanPoolsEverySampleLeavingInsideTheRecord) {
  const Multiflow mf = run_multiflow(MultiflowPool::kMean);
  EXPECT_DOUBLE_EQ(mean_of(mf, 0), (10 + 30 + 100 + 60 + 40) / 5.0);
  EXPECT_DOUBLE_EQ(mean_of(mf, 1), (30 + 100 + 60) / 3.0);
  EXPECT_DOUBLE_EQ(mean_of(mf, 2), (100 + 60 + 40 + 50) / 4.0);
  EXPECT_EQ(mf.estimate(flow(0))->samples, 5u);
  EXPECT_EQ(mf.estimate(flow(1))->samples, 3u);
  EXPECT_DOUBLE_EQ(counter(mf, "pooled_samples_mean"), 4.0);
  EXPECT_EQ(mf.name(), "multiflow");
}

TEST(Multiflow, InterpolatePoolIsTheTimeAverageOfThePiecewiseLinearCurve) {
  const Multiflow mf = run_multiflow(MultiflowPool::kInterpolate);
  // Trapezoids: [10,80] 70*20 = 1400, [80,200] 120*65 = 7800, [200,210] 10*80 = 800,
  // [210,240] 30*50 = 1500, [240,300] 60*45 = 2700.
  EXPECT_DOUBLE_EQ(mean_of(mf, 0), (1400 + 7800 + 800 + 1500) / 230.0);
  EXPECT_DOUBLE_EQ(mean_of(mf, 1), (7800 + 800) / 130.0);
  EXPECT_DOUBLE_EQ(mean_of(mf, 2), (800 + 1500 + 2700) / 100.0);
}

TEST(Multiflow, NearestPoolTakesTheSampleClosestToTheMidpoint) {
  const Multiflow mf = run_multiflow(MultiflowPool::kNearest);
  EXPECT_DOUBLE_EQ(mean_of(mf, 0), 30.0);   // midpoint 125: 80 (45 away) beats 200 (75)
  EXPECT_DOUBLE_EQ(mean_of(mf, 1), 100.0);  // midpoint 145: 200 (55) beats 80 (65)
  EXPECT_DOUBLE_EQ(mean_of(mf, 2), 40.0);   // midpoint 250: 240 (10) beats 300 (50)
}

TEST(Multiflow, NearestPoolAveragesSamplesEquallyFarFromTheMidpoint) {
  NetflowConfig c;
  c.pool = MultiflowPool::kNearest;
  Multiflow mf(c);
  // Flow 0: interval [0, 100], midpoint 50; flow 1 leaves at 40 and 60 (both 10 away).
  drive({{0, 0, 0}, {1, 20, 20}, {1, 50, 10}, {0, 90, 10}}, {&mf});
  EXPECT_DOUBLE_EQ(mean_of(mf, 0), 15.0);
}

// A deterministic stream: `flows` flows, Poisson-like arrivals, constant delay, optional drops.
std::vector<Step> random_stream(std::uint32_t flows, std::size_t packets, std::int64_t delay,
                                double drop_probability, std::uint64_t seed) {
  auto rng = core::make_rng(seed, 0);
  std::vector<Step> steps;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < packets; ++i) {
    t += 1 + static_cast<std::int64_t>(core::uniform01(rng) * 2000);
    const auto f = static_cast<std::uint32_t>(core::uniform01(rng) * flows);
    const bool dropped = core::uniform01(rng) < drop_probability;
    steps.push_back({f, t, dropped ? -1 : delay});
  }
  return steps;
}

TEST(NetflowRecords, EveryEstimatorGivesAConstantDelayExactly) {
  const std::int64_t delay = 123'456'789;
  NetflowConfig c = timeouts(400'000, 30'000);
  NaiveNetflow naive(c);
  c.pool = MultiflowPool::kMean;
  Multiflow mean(c);
  c.pool = MultiflowPool::kInterpolate;
  Multiflow interpolate(c);
  c.pool = MultiflowPool::kNearest;
  Multiflow nearest(c);
  const std::vector<FlowEstimator*> all = {&naive, &mean, &interpolate, &nearest};
  drive(random_stream(50, 20'000, delay, 0.0, 7), {&naive, &mean, &interpolate, &nearest});
  for (const FlowEstimator* e : all) {
    std::uint32_t estimated = 0;
    for (std::uint32_t f = 0; f < 50; ++f) {
      const auto est = e->estimate(flow(f));
      if (!est)
        continue;
      ++estimated;
      EXPECT_EQ(est->mean_ps, static_cast<double>(delay)) << e->name() << " flow " << f;
    }
    EXPECT_EQ(estimated, 50u) << e->name();
    // The timeouts split flows into many records.
    EXPECT_GT(counter(*e, "records"), 500) << e->name();
    EXPECT_EQ(counter(*e, "lossy_pairs"), 0) << e->name();
  }
}

TEST(NetflowRecords, SamplesFlowsWithinBinomialBoundsAndTheSameFlowsAtBothTaps) {
  const double p = 0.3;
  const std::uint32_t flows = 10'000;
  NetflowConfig c;
  c.flow_sampling = p;
  c.seed = 42;
  NaiveNetflow nf(c);
  std::vector<Step> steps;
  for (std::uint32_t f = 0; f < flows; ++f) {
    steps.push_back({f, 1000 * std::int64_t{f}, 77});
    steps.push_back({f, 1000 * std::int64_t{f} + 500, 88});
  }
  drive(steps, {&nf});
  const double sampled = counter(nf, "sampled_flows");
  const double sd = std::sqrt(flows * p * (1 - p));
  EXPECT_NEAR(sampled, flows * p, 5 * sd);
  EXPECT_EQ(counter(nf, "unpaired_records"), 0);
  EXPECT_EQ(counter(nf, "pairs"), sampled);
  EXPECT_EQ(counter(nf, "records"), sampled);
  std::uint32_t estimated = 0;
  for (std::uint32_t f = 0; f < flows; ++f) {
    const bool selected = hash_selects(flow_hash(flow(f), c.seed), p);
    EXPECT_EQ(nf.estimate(flow(f)).has_value(), selected) << f;
    estimated += selected ? 1 : 0;
  }
  EXPECT_EQ(estimated, sampled);
}

TEST(NetflowRecords, OpenRecordsStayBoundedOverALongStreamOfShortFlows) {
  // 100000 two-packet flows, one starting every 1000 ps: about 50 flows are live within the
  // inactive timeout at any time. Without sweeps every record would stay open.
  NaiveNetflow nf(timeouts(1'000'000, 50'000));
  std::vector<Step> steps;
  const std::uint32_t flows = 100'000;
  for (std::uint32_t f = 0; f < flows; ++f) {
    steps.push_back({f, 1000 * std::int64_t{f}, 300});
    steps.push_back({f, 1000 * std::int64_t{f} + 700, 300});
  }
  drive(steps, {&nf});
  const std::uint64_t peak = nf.records().counters().peak_open_records;
  EXPECT_LE(peak, 2 * (2 * 100 + NetflowRecords::kMinSweepPackets));
  EXPECT_GT(nf.records().counters().sweeps, 10u);
  EXPECT_EQ(counter(nf, "records"), flows);
  EXPECT_EQ(counter(nf, "pairs"), flows);
  EXPECT_EQ(nf.records().open_records(), 0u);
  EXPECT_DOUBLE_EQ(mean_of(nf, flows - 1), 300.0);
}

TEST(NetflowRecords, SweepsDoNotChangeTheRecordsOfAFlow) {
  // Flow 0 (ingress time, delay) with inactive timeout 1000 and active timeout 10000: the gap
  // of exactly 1000 at 2980 splits, as do 1520 (4500) and 5400 (10000); the record opened at
  // 10000 reaches the active timeout at 20890. Egress gaps stay on the same side of the
  // timeouts, so five records pair up. Alone, the flow never triggers a sweep; with 700 filler
  // packets between each of its packets sweeps run often, and must export the same records.
  std::vector<std::pair<std::int64_t, std::int64_t>> packets = {
      {0, 100}, {990, 105}, {1980, 100}, {2980, 100}, {4500, 120}, {4600, 110}};
  for (std::int64_t k = 0; k <= 11; ++k)
    packets.emplace_back(10000 + 990 * k, 100 + 5 * (k % 2));
  std::vector<Step> alone;
  std::vector<Step> busy;
  std::uint32_t filler = 1;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const auto [t, d] = packets[i];
    alone.push_back({0, t, d});
    busy.push_back({0, t, d});
    const std::int64_t next = i + 1 < packets.size() ? packets[i + 1].first : t + 1000;
    for (int k = 1; k <= 700; ++k)
      busy.push_back({filler++, t + (next - t) * k / 701, 5});
  }
  NaiveNetflow a(timeouts(10'000, 1'000));
  NaiveNetflow b(timeouts(10'000, 1'000));
  drive(alone, {&a});
  drive(busy, {&b});
  ASSERT_EQ(a.records().counters().sweeps, 0u);
  ASSERT_GT(b.records().counters().sweeps, 0u);
  std::vector<RecordPair> from_b;
  for (const RecordPair& pair : pairs_of(busy, timeouts(10'000, 1'000))) {
    if (pair.flow == 0)
      from_b.push_back(pair);
  }
  const std::vector<RecordPair> from_a = pairs_of(alone, timeouts(10'000, 1'000));
  ASSERT_EQ(from_a.size(), 5u);
  EXPECT_EQ(counter(a, "unpaired_records"), 0);
  const std::vector<std::uint64_t> sizes = {3, 1, 2, 11, 1};
  ASSERT_EQ(from_b.size(), from_a.size());
  for (std::size_t k = 0; k < from_a.size(); ++k) {
    EXPECT_EQ(from_a[k].packets_in, sizes[k]) << k;
    EXPECT_EQ(from_b[k].first_in, from_a[k].first_in) << k;
    EXPECT_EQ(from_b[k].last_in, from_a[k].last_in) << k;
    EXPECT_EQ(from_b[k].first_out, from_a[k].first_out) << k;
    EXPECT_EQ(from_b[k].last_out, from_a[k].last_out) << k;
    EXPECT_EQ(from_b[k].packets_in, from_a[k].packets_in) << k;
    EXPECT_EQ(from_b[k].packets_out, from_a[k].packets_out) << k;
  }
  EXPECT_EQ(mean_of(a, 0), mean_of(b, 0));
}

TEST(NetflowRecords, IgnoresReferencePackets) {
  NaiveNetflow nf;
  Packet ref;
  ref.kind = core::PacketKind::kReference;
  ref.flow = flow(9);
  test::Taps taps(nf);
  taps.pass(ref, 0, Time{5});
  nf.finalize();
  EXPECT_FALSE(nf.estimate(flow(9)).has_value());
  EXPECT_EQ(counter(nf, "sampled_flows"), 0);
}

// Which packets of `packets` one tap keeps at 1-in-n, drawing as NetflowRecords documents:
// one uniform01 per packet from core::make_rng(seed, stream), stream 3 at ingress, 4 at egress.
std::vector<bool> documented_draws(std::uint64_t seed, std::uint64_t stream, std::size_t packets,
                                   std::uint32_t n) {
  auto rng = core::make_rng(seed, stream);
  std::vector<bool> kept;
  for (std::size_t i = 0; i < packets; ++i)
    kept.push_back(core::uniform01(rng) < 1.0 / n);
  return kept;
}

TEST(SampledNetflow, PairsRecordsOfDifferentPacketsAtTheTwoTaps) {
  NetflowConfig c;
  c.packet_sampling = 2;
  c.seed = 5;
  SampledNetflow nf(c);
  // Packets 0-7 (ingress time, delay): flow 0 is 0, 2, 4, 6 and 7; flow 1 is 1, 3 and 5.
  const std::vector<Step> steps = {{0, 0, 100},   {1, 100, 110}, {0, 200, 120}, {1, 300, 130},
                                   {0, 400, 140}, {1, 500, 150}, {0, 600, 160}, {0, 700, 170}};
  // The draws of seed 5, written out so that the expectations below can be checked by hand.
  const std::vector<bool> in = {false, true, true, false, false, false, true, false};
  const std::vector<bool> out = {false, false, false, true, true, true, false, true};
  ASSERT_EQ(documented_draws(5, 3, steps.size(), 2), in);
  ASSERT_EQ(documented_draws(5, 4, steps.size(), 2), out);
  drive(steps, {&nf});
  // Flow 0: ingress keeps packets 2 and 6 (first 200, last 600); egress keeps 4 and 7 (first
  // 400 + 140 = 540, last 700 + 170 = 870): (540 - 200 + 870 - 600) / 2 = 305, where the true
  // mean delay is 138. Equal counts, yet no packet is seen at both taps.
  EXPECT_DOUBLE_EQ(mean_of(nf, 0), 305.0);
  // Flow 1: ingress keeps packet 1 only (100); egress keeps 3 and 5 (430 and 650): d_first =
  // 330, d_last = 550.
  EXPECT_DOUBLE_EQ(mean_of(nf, 1), 440.0);
  EXPECT_EQ(nf.estimate(flow(0))->samples, 2u);
  EXPECT_EQ(nf.estimate(flow(1))->samples, 2u);
  EXPECT_EQ(counter(nf, "sampled_packets_in"), 3);
  EXPECT_EQ(counter(nf, "sampled_packets_out"), 4);
  EXPECT_EQ(counter(nf, "pairs"), 2);
  EXPECT_EQ(counter(nf, "lossy_pairs"), 1);  // flow 1 counts 1 and 2, and is used
  EXPECT_EQ(counter(nf, "discarded_pairs"), 0);
  EXPECT_EQ(counter(nf, "samples"), 4);
  EXPECT_EQ(nf.cost().delay_samples, 0u);  // no sample is one packet's delay
  EXPECT_EQ(nf.cost().export_bytes, 4u * kRecordBytes);
  EXPECT_EQ(nf.name(), "sampled_netflow_2");
  EXPECT_FALSE(nf.estimates_std());
}

TEST(SampledNetflow, SamplesOneInNPacketsAtEachTapIndependently) {
  // One-packet flows: a flow is paired only if both taps keep its packet, with probability
  // 1/N^2 if the taps draw independently (1/N if they kept the same packets).
  const std::uint32_t packets = 200'000;
  std::vector<Step> steps;
  for (std::uint32_t f = 0; f < packets; ++f)
    steps.push_back({f, 1000 * std::int64_t{f}, 500});
  for (const std::uint32_t n : {10u, 100u, 1000u}) {
    NetflowConfig c;
    c.packet_sampling = n;
    c.seed = 17;
    SampledNetflow nf(c);
    drive(steps, {&nf});
    const double p = 1.0 / n;
    const double tap_sd = std::sqrt(packets * p * (1 - p));
    EXPECT_NEAR(counter(nf, "sampled_packets_in"), packets * p, 5 * tap_sd) << n;
    EXPECT_NEAR(counter(nf, "sampled_packets_out"), packets * p, 5 * tap_sd) << n;
    const double both = p * p;
    EXPECT_NEAR(counter(nf, "pairs"), packets * both, 5 * std::sqrt(packets * both) + 1) << n;
    EXPECT_EQ(nf.name(), SampledNetflow::name_for(n));
  }
}

TEST(SampledNetflow, IsDeterministicForASeedAndDrawsAnewForAnother) {
  const std::vector<Step> steps = queued_stream(30, 20'000, 4);
  const auto run = [&](std::uint64_t seed) {
    NetflowConfig c;
    c.packet_sampling = 100;
    c.seed = seed;
    SampledNetflow nf(c);
    drive(steps, {&nf});
    std::vector<double> means;
    for (std::uint32_t f = 0; f < 30; ++f) {
      const auto est = nf.estimate(flow(f));
      means.push_back(est ? est->mean_ps : -1.0);
    }
    return means;
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
}

TEST(SampledNetflow, RejectsUnsampledConfigurations) {
  NetflowConfig c;
  EXPECT_THROW(SampledNetflow{c}, std::invalid_argument);  // packet_sampling = 1
  c.packet_sampling = 2;
  c.lossy_pairs = LossyPairs::kDiscard;  // not applicable: ignored
  EXPECT_NO_THROW(SampledNetflow{c});
}

TEST(NetflowConfig, ValidateNamesTheField) {
  const auto message = [](const NetflowConfig& c) {
    try {
      c.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  NetflowConfig c;
  EXPECT_NO_THROW(c.validate());
  for (const double bad : {0.0, -0.5, 1.5, std::nan("")}) {
    c.flow_sampling = bad;
    EXPECT_THAT(message(c), testing::HasSubstr("flow_sampling must be in (0, 1]")) << bad;
  }
  c = {};
  c.active_timeout = Time{0};
  EXPECT_THAT(message(c), testing::HasSubstr("active_timeout must be > 0"));
  c = {};
  c.inactive_timeout = Time{-1};
  EXPECT_THAT(message(c), testing::HasSubstr("inactive_timeout must be > 0"));
  EXPECT_THROW(Multiflow{c}, std::invalid_argument);
  EXPECT_THROW(NaiveNetflow{c}, std::invalid_argument);
  c = {};
  c.packet_sampling = 0;
  EXPECT_THAT(message(c), testing::HasSubstr("packet_sampling must be >= 1"));
  c.packet_sampling = 100;
  EXPECT_THAT(message(c), testing::HasSubstr("lossy_pairs must be 'use' with packet_sampling"));
  c.lossy_pairs = LossyPairs::kUse;
  EXPECT_NO_THROW(c.validate());
}

}  // namespace
}  // namespace rlisim::models::netflow
