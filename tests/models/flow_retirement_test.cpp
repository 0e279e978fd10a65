// Flows that end (FlowIndex's timeout): the split of a key's packets into flows, ids reused
// once released, and the same per-flow results as a run that holds every flow to the end.

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "models/lda/lda.hpp"
#include "models/metrics/flow_ledger.hpp"
#include "models/netflow/netflow.hpp"
#include "models/observer_set.hpp"
#include "models/rli/rli_receiver.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/output_file.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {
namespace {

using core::Time;

core::FlowKey key(std::uint32_t n) {
  return core::FlowKey::ipv4(0x0a000000u + n, 0x0b000001u, static_cast<std::uint16_t>(n % 60000),
                             80, 6);
}

Time ms(std::int64_t v) {
  return core::milliseconds(v);
}

TEST(FlowIndexTimeout, AGapOfExactlyTheTimeoutKeepsTheFlowALongerOneStartsANewOne) {
  FlowIndex index;
  index.set_timeout(core::seconds(15));
  const FlowLookup first = index.lookup(key(1), Time{0});
  EXPECT_TRUE(first.starts);
  const FlowLookup same = index.lookup(key(1), core::seconds(15));
  EXPECT_FALSE(same.starts);
  EXPECT_EQ(same.flow, first.flow);
  const FlowLookup next = index.lookup(key(1), core::seconds(30) + Time{1});
  EXPECT_TRUE(next.starts);
  EXPECT_NE(next.flow, first.flow);  // the ended flow's id is not released yet
  EXPECT_EQ(index.serial(first.flow), 0u);
  EXPECT_EQ(index.serial(next.flow), 1u);
  EXPECT_EQ(index.size(), 2u);
  const auto ended = index.take_ended();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].flow, first.flow);
  EXPECT_EQ(ended[0].last_ingress, core::seconds(15));
  EXPECT_EQ(index.find(key(1)), next.flow);
}

TEST(FlowIndexTimeout, IdleFlowsEndInOrderNeverEarlyAndTheirIdsAreReusedOnceReleased) {
  FlowIndex index;
  index.set_timeout(core::seconds(15));
  for (std::uint32_t k = 0; k < 3; ++k)
    index.lookup(key(k), core::seconds(k));
  index.lookup(key(3), Time{0});
  index.lookup(key(3), ms(14'900));
  // At 29 s key 3 has been idle 14.1 s: it must not end; the others have been idle >= 27 s.
  index.lookup(key(4), core::seconds(29));
  const auto ended = index.take_ended();
  ASSERT_EQ(ended.size(), 3u);
  for (std::uint32_t k = 0; k < 3; ++k) {
    EXPECT_EQ(ended[k].flow, k);
    EXPECT_EQ(ended[k].last_ingress, core::seconds(k));
    EXPECT_FALSE(index.find(key(k)));
  }
  EXPECT_TRUE(index.find(key(3)));
  // Released ids go to later flows (the last released first); serials keep counting.
  index.release(0);
  index.release(2);
  const FlowLookup reused = index.lookup(key(5), core::seconds(30));
  EXPECT_TRUE(reused.starts);
  EXPECT_EQ(reused.flow, 2u);
  EXPECT_EQ(index.serial(reused.flow), 5u);
  EXPECT_EQ(index.key(reused.flow), key(5));
  EXPECT_EQ(index.slots(), 5u);  // keys 0..4; key 5 took a freed id
  // The key of an ended flow starts a new flow.
  const FlowLookup again = index.lookup(key(0), core::seconds(31));
  EXPECT_TRUE(again.starts);
  EXPECT_EQ(again.flow, 0u);
  EXPECT_EQ(index.serial(again.flow), 6u);
}

TEST(FlowIndexTimeout, WithoutATimeoutIdsAreSerialsAndFlowsNeverEnd) {
  FlowIndex index;
  EXPECT_EQ(index.lookup(key(7), Time{0}).flow, 0u);
  EXPECT_EQ(index.lookup(key(8), core::seconds(1000)).flow, 1u);
  EXPECT_EQ(index.lookup(key(7), core::seconds(5000)).flow, 0u);
  EXPECT_TRUE(index.take_ended().empty());
}

// An observer that never says it is settled: it keeps every flow, and so no id is reused.
class Keeper final : public Estimator {
 public:
  std::string_view name() const override { return "keeper"; }
  void on_ingress(const core::Packet&, FlowId) override {}
  void on_egress(const core::Packet&, FlowId, PortId, Time) override {}
  void on_drop(const core::Packet&, FlowId, PortId) override {}
};

struct Row {
  core::FlowKey key;
  FlowTruth truth;
  std::vector<std::optional<FlowDelayEstimate>> estimates;
};

netflow::NetflowConfig netflow_config(netflow::MultiflowPool pool, std::uint32_t packet_sampling) {
  netflow::NetflowConfig c;
  // Records split by the active timeout in the long flows (a packet every 300 ms), and end
  // 350 ms after a short flow's last packet, before the flow does (400 ms).
  c.active_timeout = ms(1000);
  c.inactive_timeout = ms(350);
  c.flow_sampling = 0.5;
  c.pool = pool;
  c.packet_sampling = packet_sampling;
  if (packet_sampling > 1)
    c.lossy_pairs = netflow::LossyPairs::kUse;
  return c;
}

lda::LdaConfig lda_config() {
  lda::LdaConfig c;
  c.sampling = {0.05, 0.5};  // usable buckets in every interval despite 1 packet in 13 lost
  return c;
}

// Every estimator whose settling the tests check, beside the truth.
struct Estimators {
  rli::RliReceiver rli;
  lda::Lda lda{lda_config()};
  netflow::NaiveNetflow netflow{netflow_config(netflow::MultiflowPool::kMean, 1)};
  netflow::SampledNetflow sampled{netflow_config(netflow::MultiflowPool::kMean, 4)};
  netflow::Multiflow mean{netflow_config(netflow::MultiflowPool::kMean, 1)};
  netflow::Multiflow interpolate{netflow_config(netflow::MultiflowPool::kInterpolate, 1)};
  netflow::Multiflow nearest{netflow_config(netflow::MultiflowPool::kNearest, 1)};

  std::vector<FlowEstimator*> all(bool baselines) {
    if (!baselines)
      return {&rli};
    return {&rli, &lda, &netflow, &sampled, &mean, &interpolate, &nearest};
  }
};

// One run of the scripted traffic below through truth + RLI (+ the baselines) (+ a keeper),
// with `timeout`.
struct ScriptedRun {
  GroundTruth truth;
  Estimators estimators;
  std::vector<FlowEstimator*> used;
  Keeper keeper;
  FlowLedger ledger;
  ObserverSet set;
  std::vector<Row> rows;

  // With `share`, each estimator may share state with the earlier ones, as a run lets them.
  // Deferred replays run on `threads` threads.
  ScriptedRun(Time timeout, bool deferred, bool keep, bool baselines = false, bool share = false,
              unsigned threads = 1)
      : used(estimators.all(baselines)), ledger(truth, used) {
    set.add(truth);
    for (std::size_t i = 0; i < used.size(); ++i) {
      const Estimator* shares = nullptr;
      for (std::size_t earlier = 0; share && earlier < i; ++earlier) {
        if (used[i]->share_with(*used[earlier]))
          shares = used[earlier];
      }
      set.add(*used[i], shares);
    }
    if (keep)
      set.add(keeper);
    set.add(ledger);
    set.set_flow_timeout(timeout);
    set.set_retirement_interval(1024);
    set.set_deferred(deferred);
    set.set_threads(threads);
    feed();
    set.flush();
    truth.finalize();
    for (FlowEstimator* e : used)
      e->finalize();
    ledger.for_each(
        [&](const FlowRow& r) {
          rows.push_back(Row{r.key, r.truth, {r.estimates.begin(), r.estimates.end()}});
        },
        /*quantiles=*/true);
  }

  // 90,000 short flows of 1 to 5 packets, one starting every 0.1 ms, plus every 997th flow a
  // long one with a packet every 300 ms to the end, so flows end out of first-seen order; a
  // reference every 40 packets (but none for 1.5 s); FIFO delays that vary smoothly with time; every 13th packet of
  // the short flows dropped.
  void feed() {
    struct Pending {
      Time at;
      std::uint32_t flow;
      std::uint32_t index;
    };
    std::vector<core::Packet> packets;
    const std::uint32_t flows = 90'000;
    const Time end = core::microseconds(100) * flows + ms(50);
    for (std::uint32_t f = 0; f < flows; ++f) {
      const Time start = core::microseconds(100) * f;
      const bool long_flow = f % 997 == 0;
      const std::uint32_t n = long_flow ? 1000 : 1 + f % 5;
      for (std::uint32_t i = 0; i < n; ++i) {
        const Time at = start + (long_flow ? ms(300) * i : ms(2) * i);
        if (at > end)
          break;
        core::Packet p;
        p.flow = key(f);
        p.arrival = at;
        p.wire_bytes = 64 + (f * 31 + i) % 1400;
        p.seq = i;
        packets.push_back(p);
      }
    }
    std::stable_sort(packets.begin(), packets.end(),
                     [](const auto& a, const auto& b) { return a.arrival < b.arrival; });
    std::uint64_t references = 0;
    std::uint64_t count = 0;
    Time last_egress{};
    for (const core::Packet& p : packets) {
      const Time delay = core::microseconds(20) + Time{(p.arrival.count() / 1'000'000) % 50'000};
      set.ingress(p);
      const Time out = std::max(last_egress, p.arrival + delay);
      if (++count % 13 == 0 && p.seq != 0) {
        set.drop(p, 0);
      } else {
        set.egress(p, 0, out);
        last_egress = out;
      }
      // No reference from 3 s to 4.5 s: the packets of that gap wait longer than the timeout
      // for their right reference, so flows end before RLI has settled them.
      const bool reference_gap = p.arrival > ms(3000) && p.arrival < ms(4500);
      if (count % 40 == 0 && !reference_gap) {
        core::Packet r;
        r.kind = core::PacketKind::kReference;
        r.flow = key(4'000'000 +
                     static_cast<std::uint32_t>(references));  // one flow each: no gap splits them
        r.arrival = p.arrival;
        r.wire_bytes = 64;
        r.seq = references++;
        set.ingress(r);
        const Time r_out = std::max(last_egress, r.arrival + delay);
        set.egress(r, 0, r_out);
        last_egress = r_out;
      }
    }
  }
};

// Equal, or both NaN (no value).
bool same(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

void expect_same_rows(const std::vector<Row>& a, const std::vector<Row>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a[i].key, b[i].key);
    const FlowTruth& x = a[i].truth;
    const FlowTruth& y = b[i].truth;
    EXPECT_EQ(x.first_seen, y.first_seen);
    EXPECT_EQ(x.first_seen, i);
    EXPECT_EQ(x.offered_packets, y.offered_packets);
    EXPECT_EQ(x.offered_bytes, y.offered_bytes);
    EXPECT_EQ(x.dropped_packets, y.dropped_packets);
    EXPECT_EQ(x.delay.count(), y.delay.count());
    EXPECT_EQ(x.delay.sum_ps(), y.delay.sum_ps());
    EXPECT_EQ(x.delay.sum_sq_ps(), y.delay.sum_sq_ps());
    EXPECT_EQ(x.delay.min(), y.delay.min());
    EXPECT_EQ(x.delay.max(), y.delay.max());
    EXPECT_TRUE(same(x.p50_ps, y.p50_ps));
    EXPECT_TRUE(same(x.p99_ps, y.p99_ps));
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.first_arrival, y.first_arrival);
    ASSERT_EQ(a[i].estimates.size(), b[i].estimates.size());
    for (std::size_t e = 0; e < a[i].estimates.size(); ++e) {
      ASSERT_EQ(a[i].estimates[e].has_value(), b[i].estimates[e].has_value());
      if (a[i].estimates[e]) {
        EXPECT_EQ(a[i].estimates[e]->samples, b[i].estimates[e]->samples);
        EXPECT_TRUE(same(a[i].estimates[e]->mean_ps, b[i].estimates[e]->mean_ps)) << e;
        EXPECT_TRUE(same(a[i].estimates[e]->std_ps, b[i].estimates[e]->std_ps)) << e;
      }
    }
  }
}

// Every estimator's run-wide counters and costs.
void expect_same_counters_and_costs(const ScriptedRun& x, const ScriptedRun& y) {
  ASSERT_EQ(x.used.size(), y.used.size());
  for (std::size_t e = 0; e < x.used.size(); ++e) {
    SCOPED_TRACE(x.used[e]->name());
    const auto a = x.used[e]->counters();
    const auto b = y.used[e]->counters();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t c = 0; c < a.size(); ++c) {
      EXPECT_EQ(a[c].name, b[c].name);
      EXPECT_EQ(a[c].value, b[c].value) << a[c].name;
    }
    EXPECT_EQ(x.used[e]->cost().state_bytes, y.used[e]->cost().state_bytes);
    EXPECT_EQ(x.used[e]->cost().export_bytes, y.used[e]->cost().export_bytes);
    EXPECT_EQ(x.used[e]->cost().delay_samples, y.used[e]->cost().delay_samples);
  }
}

// Every key is used once and no flow pauses for longer than the timeout (400 ms; the long flows
// send every 300 ms), so ending flows changes no flow: the rows (truth, quantiles, RLI's
// estimates) must be exactly those of a run that holds every flow to the end, while far fewer
// flows are held at once and ended rows went through the spill file's sorted runs.
TEST(FlowRetirement, EndedFlowsGiveTheRowsOfARunThatHoldsEveryFlow) {
  const ScriptedRun held(Time{}, /*deferred=*/false, /*keep=*/false);
  const ScriptedRun ended(ms(400), /*deferred=*/true, /*keep=*/false);
  EXPECT_EQ(held.ledger.ended_flows(), 0u);
  EXPECT_GT(ended.ledger.spilled_flows(), FlowLedger::kRunRows);
  EXPECT_GT(held.set.index().slots(), 4 * ended.set.index().slots());
  expect_same_rows(held.rows, ended.rows);
  const auto a = held.truth.summary();
  const auto b = ended.truth.summary();
  EXPECT_EQ(a.flows, b.flows);
  EXPECT_EQ(a.offered_packets, b.offered_packets);
  EXPECT_EQ(a.dropped_packets, b.dropped_packets);
  EXPECT_EQ(a.delay.sum_ps(), b.delay.sum_ps());
  EXPECT_EQ(a.p99_ps(), b.p99_ps());
}

// The same with LDA, naive and packet-sampled NetFlow and Multiflow in its three pool modes:
// each settles an ended flow only once its estimate is final, so every row, estimates
// included, is that of the run that holds every flow, and their run-wide counters too.
TEST(FlowRetirement, EveryBaselineGivesTheEstimatesOfARunThatHoldsEveryFlow) {
  const ScriptedRun held(Time{}, /*deferred=*/false, /*keep=*/false, /*baselines=*/true);
  const ScriptedRun ended(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true);
  EXPECT_EQ(held.ledger.ended_flows(), 0u);
  EXPECT_GT(ended.ledger.spilled_flows(), FlowLedger::kRunRows);
  EXPECT_GT(held.set.index().slots(), 4 * ended.set.index().slots());
  expect_same_rows(held.rows, ended.rows);
  expect_same_counters_and_costs(held, ended);
  EXPECT_GT(held.estimators.lda.aggregate().usable_packets, 0u);
  EXPECT_EQ(held.estimators.lda.fallback_packets(), 0u);
  // A pass that reads one estimator's estimates gets those of the full pass, for live and
  // spilled rows alike.
  for (const ScriptedRun* run : {&held, &ended}) {
    for (std::size_t e = 0; e < run->used.size(); ++e) {
      std::size_t row = 0;
      std::uint64_t differences = 0;
      run->ledger.for_each(
          [&](const FlowRow& r) {
            const auto& full = run->rows[row++].estimates[e];
            const auto& one = r.estimates[e];
            differences +=
                full.has_value() != one.has_value() ||
                (full && !(same(full->mean_ps, one->mean_ps) && same(full->std_ps, one->std_ps) &&
                           full->samples == one->samples));
          },
          /*quantiles=*/false, e);
      EXPECT_EQ(row, run->rows.size());
      EXPECT_EQ(differences, 0u) << run->used[e]->name();
    }
  }
}

// NetFlow and Multiflow with equal record settings read one set of records, kept by the first
// of them: every row, counter and cost must be those of estimators keeping their own. Each
// Multiflow still pools its own way, and packet-sampled NetFlow, whose records differ, keeps
// its own.
TEST(FlowRetirement, NetflowEstimatorsSharingRecordsGiveTheEstimatesOfSeparateOnes) {
  const ScriptedRun separate(Time{}, /*deferred=*/false, /*keep=*/false, /*baselines=*/true);
  const ScriptedRun shared(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true,
                           /*share=*/true);
  const Estimators& e = shared.estimators;
  EXPECT_EQ(&e.mean.records(), &e.netflow.records());
  EXPECT_EQ(&e.interpolate.records(), &e.netflow.records());
  EXPECT_EQ(&e.nearest.records(), &e.netflow.records());
  EXPECT_NE(&e.sampled.records(), &e.netflow.records());
  EXPECT_NE(&separate.estimators.mean.records(), &separate.estimators.netflow.records());
  EXPECT_GT(shared.ledger.spilled_flows(), FlowLedger::kRunRows);
  // Multiflow's estimates of many flows came after their rows, through spilled runs too.
  EXPECT_GT(shared.ledger.late_estimates(), FlowLedger::kRunRows);
  expect_same_rows(separate.rows, shared.rows);
  expect_same_counters_and_costs(separate, shared);
}

// The same shared estimators replaying on three threads (NetFlow's records with their
// Multiflow readers on one of them): ended flows are released at the same points, so every
// row, counter and cost is that of one thread.
TEST(FlowRetirement, ReplayingOnSeveralThreadsGivesTheRowsOfOneThread) {
  const ScriptedRun one(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true,
                        /*share=*/true);
  const ScriptedRun three(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true,
                          /*share=*/true, /*threads=*/3);
  EXPECT_EQ(&three.estimators.mean.records(), &three.estimators.netflow.records());
  EXPECT_GT(three.ledger.spilled_flows(), FlowLedger::kRunRows);
  EXPECT_EQ(one.ledger.spilled_flows(), three.ledger.spilled_flows());
  EXPECT_EQ(one.ledger.late_estimates(), three.ledger.late_estimates());
  EXPECT_EQ(one.set.index().slots(), three.set.index().slots());
  expect_same_rows(one.rows, three.rows);
  expect_same_counters_and_costs(one, three);
}

// A flow whose middle packet is lost keeps one ingress record (its ingress gaps stay below
// NetFlow's inactive timeout) but gets two egress records (the egress gap does not): the second
// egress record never finds an ingress counterpart. It must not hold Multiflow's horizon, and
// so every later flow's estimate (and its state) until the end of the run; nor must it hold
// the releases.
TEST(FlowRetirement, AnEgressRecordWithoutItsIngressCounterpartDoesNotStopReleases) {
  GroundTruth truth;
  netflow::NetflowConfig config;
  config.inactive_timeout = ms(1000);
  config.active_timeout = core::seconds(60);
  netflow::Multiflow multiflow(config);
  FlowLedger ledger(truth, {&multiflow});
  ObserverSet set;
  set.add(truth);
  set.add(multiflow);
  set.add(ledger);
  set.set_flow_timeout(ms(1000));
  set.set_retirement_interval(1024);
  const auto send = [&](std::uint32_t flow, Time at, bool drop) {
    core::Packet p;
    p.flow = key(flow);
    p.arrival = at;
    p.wire_bytes = 100;
    set.ingress(p);
    if (drop)
      set.drop(p, 0);
    else
      set.egress(p, 0, at + core::microseconds(10));
  };
  // Flow 0 at 0, 0.6 s (lost) and 1.2 s; 20,000 two-packet flows, one starting every 1 ms.
  const std::vector<std::pair<Time, bool>> lonely = {
      {Time{}, false}, {ms(600), true}, {ms(1200), false}};
  std::size_t next = 0;
  for (std::uint32_t f = 1; f <= 20'000; ++f) {
    const Time start = ms(f);
    while (next < lonely.size() && lonely[next].first < start) {
      send(0, lonely[next].first, lonely[next].second);
      ++next;
    }
    send(f, start, false);
    send(f, start + core::microseconds(500), false);
  }
  set.flush();
  // Taken by the ledger during the run: with the horizon stuck at 0.6 s, none would be final
  // before the end.
  const std::uint64_t late_during_run = ledger.late_estimates();
  truth.finalize();
  multiflow.finalize();
  EXPECT_GT(ledger.ended_flows(), 15'000u);
  EXPECT_LT(set.index().slots(), 4'000u);
  EXPECT_GT(late_during_run, 10'000u);
}

// A run of 20,000 flows of two packets, one starting each ms, plus flow 0 every 100 ms from 0
// to 20 s, through the truth, `estimator` and the ledger, with flows ending after `timeout`.
// Packets arriving in [drop_from, drop_to) are dropped one in three.
struct TwoPacketFlows {
  std::vector<Row> rows;
  std::uint64_t ended = 0;
  std::uint64_t late = 0;
  std::size_t slots = 0;

  TwoPacketFlows(FlowEstimator& estimator, Time timeout, Time drop_from = Time{},
                 Time drop_to = Time{}) {
    GroundTruth truth;
    FlowLedger ledger(truth, {&estimator});
    ObserverSet set;
    set.add(truth);
    set.add(estimator);
    set.add(ledger);
    set.set_flow_timeout(timeout);
    set.set_retirement_interval(1024);
    std::uint64_t count = 0;
    const auto send = [&](std::uint32_t flow, Time at) {
      core::Packet p;
      p.flow = key(flow);
      p.arrival = at;
      p.wire_bytes = 100;
      set.ingress(p);
      if (at >= drop_from && at < drop_to && ++count % 3 == 0)
        set.drop(p, 0);
      else  // a delay that varies with time, so that estimates differ by flow
        set.egress(p, 0, at + core::microseconds(10 + (at.count() / 1'000'000'000) % 7));
    };
    for (std::uint32_t f = 1; f <= 20'000; ++f) {
      const Time start = ms(f);
      if (f % 100 == 0)
        send(0, start - core::microseconds(1));
      send(f, start);
      send(f, start + core::microseconds(500));
    }
    set.flush();
    truth.finalize();
    estimator.finalize();
    ledger.for_each(
        [&](const FlowRow& row) {
          rows.push_back(Row{row.key, row.truth, {row.estimates.begin(), row.estimates.end()}});
        },
        /*quantiles=*/true);
    ended = ledger.ended_flows();
    late = ledger.late_estimates();
    slots = set.index().slots();
  }
};

// Multiflow's pools wait on every record still open: here flow 0's, open for the whole run
// (active timeout 60 s). The short flows that end meanwhile are released all the same, and
// their estimates come late, once the long record is exported at the end: the same estimates as
// a run that holds every flow.
TEST(FlowRetirement, MultiflowReleasesEndedFlowsBeforeTheirPoolsAreFinal) {
  netflow::NetflowConfig config;
  config.active_timeout = core::seconds(60);
  config.inactive_timeout = core::seconds(15);
  netflow::Multiflow held_estimator(config);
  netflow::Multiflow ended_estimator(config);
  const TwoPacketFlows held(held_estimator, Time{});
  const TwoPacketFlows ended(ended_estimator, ms(1000));
  EXPECT_EQ(held.ended, 0u);
  EXPECT_GT(ended.ended, 15'000u);
  EXPECT_GT(ended.late, 15'000u);
  EXPECT_LT(ended.slots, 4'000u);
  std::size_t estimated = 0;
  for (const Row& r : held.rows)
    estimated += r.estimates[0].has_value() ? 1 : 0;
  EXPECT_EQ(estimated, held.rows.size());
  expect_same_rows(held.rows, ended.rows);
}

// LDA gives the packets of an interval without a usable bucket the run's aggregate, known only
// at the end. Here one packet in three is lost from 5 s to 8 s, so with 4 buckets those
// intervals have none: their flows are released all the same, and their estimates come late,
// equal to those of a run that holds every flow.
TEST(FlowRetirement, LdaReleasesFlowsWaitingOnTheRunAggregate) {
  lda::LdaConfig config;
  config.buckets = 4;
  config.sampling = {1.0};
  lda::Lda held_estimator(config);
  lda::Lda ended_estimator(config);
  const TwoPacketFlows held(held_estimator, Time{}, core::seconds(5), core::seconds(8));
  const TwoPacketFlows ended(ended_estimator, ms(1000), core::seconds(5), core::seconds(8));
  EXPECT_GT(held_estimator.fallback_packets(), 3'000u);
  EXPECT_EQ(held.ended, 0u);
  EXPECT_GT(ended.ended, 15'000u);
  EXPECT_GT(ended.late, 2'000u);
  EXPECT_LT(ended.slots, 4'000u);
  expect_same_rows(held.rows, ended.rows);
}

// An observer that never settles keeps every id in use: flows still end (the same rows), but
// no id is reused.
TEST(FlowRetirement, AnObserverThatNeverSettlesKeepsEveryFlow) {
  const ScriptedRun held(Time{}, /*deferred=*/true, /*keep=*/false);
  const ScriptedRun kept(ms(400), /*deferred=*/false, /*keep=*/true);
  EXPECT_EQ(kept.ledger.ended_flows(), 0u);
  EXPECT_EQ(kept.set.index().slots(), kept.set.index().size());
  expect_same_rows(held.rows, kept.rows);
}

// Ended rows that cannot be spilled stop the run with an error that names the file's place.
// A spill file that cannot be created (TMPDIR where no file can be made) does not stop the run:
// the rows stay in memory, and are exactly those of a run that spills; the ledger says why.
TEST(FlowRetirement, ASpillFileThatCannotBeCreatedKeepsTheRowsInMemoryAndSaysWhy) {
  const ScriptedRun spilled(ms(400), /*deferred=*/true, /*keep=*/false);
  const char* saved = std::getenv("TMPDIR");
  const std::string previous = saved ? saved : "";
  ::setenv("TMPDIR", "/proc", 1);
  const ScriptedRun kept(ms(400), /*deferred=*/true, /*keep=*/false);
  if (saved)
    ::setenv("TMPDIR", previous.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  EXPECT_GT(spilled.ledger.spilled_flows(), FlowLedger::kRunRows);
  EXPECT_FALSE(spilled.ledger.spill_error());
  EXPECT_EQ(kept.ledger.spilled_flows(), 0u);
  EXPECT_EQ(kept.ledger.ended_flows(), spilled.ledger.ended_flows());
  ASSERT_TRUE(kept.ledger.spill_error());
  EXPECT_THAT(*kept.ledger.spill_error(), ::testing::HasSubstr("spill file of ended flows"));
  EXPECT_THAT(*kept.ledger.spill_error(), ::testing::HasSubstr("/proc"));
  expect_same_rows(spilled.rows, kept.rows);
}

// A spill file that fills up part-way (a file size limit: EFBIG, like a full disk) keeps the
// runs written before, and the rows from then on in memory: the rows are still exact, with the
// late estimates of Multiflow spilled and kept alike.
TEST(FlowRetirement, ASpillFileThatFillsUpKeepsTheRunsWrittenAndTheRestInMemory) {
  const ScriptedRun spilled(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true,
                            /*share=*/true);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  // Room for a run or two of rows: the spill file fails past it.
  rlimit small = saved;
  small.rlim_cur = 3 * FlowLedger::kRunRows * 300;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const ScriptedRun full(ms(400), /*deferred=*/true, /*keep=*/false, /*baselines=*/true,
                         /*share=*/true);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  EXPECT_GT(full.ledger.spilled_flows(), 0u);
  EXPECT_LT(full.ledger.spilled_flows(), spilled.ledger.spilled_flows());
  ASSERT_TRUE(full.ledger.spill_error());
  EXPECT_THAT(*full.ledger.spill_error(), ::testing::HasSubstr("cannot write it"));
  EXPECT_EQ(full.ledger.late_estimates(), spilled.ledger.late_estimates());
  expect_same_rows(spilled.rows, full.rows);
  expect_same_counters_and_costs(spilled, full);
}

}  // namespace
}  // namespace rlisim::models
