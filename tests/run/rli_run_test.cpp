// RLI end to end: [rli] configuration, the lock-step run without references, overhead and
// determinism of the report, and exact estimates where the delay is constant.

#include "sim/run/rli_run.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/metrics/interference.hpp"
#include "models/rli/rli_receiver.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"
#include "sim/net/router.hpp"
#include "sim/run/scenario.hpp"
#include "tests/run/small_run.hpp"

namespace rlisim::run {
namespace {

using ::testing::HasSubstr;

namespace rli = models::rli;

config::ExperimentConfig config_with(const std::string& rli_table,
                                     const std::vector<std::string>& overrides = {}) {
  return test_support::small_run(rli_table, "chic", 11, "rli.toml", overrides);
}

constexpr const char* kStatic20 = "[rli]\npolicy = \"static\"\nn = 20\n";

// RLI's record in `r`, which must have one.
const RliRun& rli_of(const RunResult& r) {
  const RliRun* rli = find_rli(r);
  if (rli == nullptr)
    throw std::logic_error("the run has no RLI");
  return *rli;
}

TEST(RliRun, PairedRunSeesExactlyTheSameRegularArrivals) {
  // A short buffer, so that references also change which packets are dropped.
  const RunResult r = run_experiment(config_with(kStatic20, {"router.port.0.buffer_packets=8"}));
  ASSERT_FALSE(r.error);
  const RliRun& rli = rli_of(r);
  ASSERT_TRUE(rli.paired());
  const models::GroundTruth& with = *r.truth;
  const PairedRun& without = *rli.paired();
  ASSERT_GT(r.truth_regular.offered_packets, 1000u);
  EXPECT_GT(r.truth_regular.dropped_packets, 0u);  // the buffer matters

  std::uint64_t regular_flows = 0;
  std::uint64_t twin_regular_bytes = 0;
  std::uint64_t twin_regular_dropped = 0;
  for (const models::FlowEntry& f : with.flows()) {
    const TwinFlow* other = without.flow(f.id);
    if (f.record->kind == core::PacketKind::kReference) {
      EXPECT_EQ(other, nullptr) << f.key->to_string();  // the twin never sees a reference
      continue;
    }
    ASSERT_NE(other, nullptr) << f.key->to_string();
    EXPECT_EQ(f.record->offered_packets, other->offered_packets) << f.key->to_string();
    EXPECT_EQ(f.record->offered_bytes, other->offered_bytes) << f.key->to_string();
    if (f.record->kind == core::PacketKind::kRegular) {
      ++regular_flows;
      twin_regular_bytes += other->offered_bytes;
      twin_regular_dropped += other->dropped_packets;
    }
  }
  EXPECT_GT(regular_flows, 100u);
  EXPECT_EQ(r.truth_regular.offered_packets, without.regular_offered());
  EXPECT_EQ(r.truth_regular.offered_bytes, twin_regular_bytes);
  EXPECT_EQ(twin_regular_dropped, without.regular_dropped());
  EXPECT_EQ(with.summary(core::PacketKind::kReference).offered_packets,
            rli.senders().at(0).counters.references);
  // The twin processed every packet the main run did, references excepted.
  EXPECT_EQ(without.packets(), r.packets);
  EXPECT_EQ(without.ports().at(0).offered_packets + rli.senders()[0].counters.references,
            r.ports.at(0).offered_packets);
  EXPECT_EQ(without.ports().at(0).dropped_packets, without.regular_dropped());
  // Every reference sent was either received or dropped at the port; the receiver detects the
  // drops as sequence gaps (all but those after the last surviving reference).
  const RliOverhead& o = rli.score().overhead;
  EXPECT_EQ(o.references, rli.receiver().receiver_counters().references + o.reference_drops);
  EXPECT_LE(rli.receiver().receiver_counters().references_lost, o.reference_drops);
  EXPECT_GT(o.reference_drops, 0u);  // references take buffer space too
  // The receiver's injected cost counts the dropped references too.
  EXPECT_EQ(rli.receiver().cost().injected_packets, o.references);
  EXPECT_EQ(rli.receiver().cost().injected_bytes, o.reference_bytes);
  // Loss accounting in the score is over the same offered packets.
  ASSERT_TRUE(rli.score().interference);
  const models::InterferenceStats& i = *rli.score().interference;
  EXPECT_EQ(i.offered_with, i.offered_without);
  EXPECT_EQ(i.dropped_with, r.truth_regular.dropped_packets);
  EXPECT_EQ(i.dropped_without, without.regular_dropped());
}

// As below (a FIFO without drops, where references only ever delay a packet), but with flows
// ending after 10 ms: most flows end, are written out and give their ids to later flows during
// the run, and each must still find its own row of the paired run. Another flow's row would
// make about half the flows faster with references.
TEST(RliRun, APairedRunWhoseFlowsEndGivesEveryFlowItsOwnRow) {
  const RunResult r = run_experiment(config_with(
      "[rli]\npolicy = \"static\"\nn = 5\n",
      {"truth.flow_timeout=\"10ms\"", "source.0.rate=\"1Gbps\"", "source.0.duration=\"2s\""}));
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.truth_all.dropped_packets, 0u);
  const RliRun& rli = rli_of(r);
  ASSERT_TRUE(rli.paired());
  EXPECT_GT(r.ledger->ended_flows(), r.truth->flow_count() / 2);
  std::uint64_t rows = 0;
  std::uint64_t slower = 0;
  r.ledger->for_each([&](const models::FlowRow& flow) {
    if (flow.truth.kind != core::PacketKind::kRegular)
      return;
    const PairedRun::Row* other = rli.paired()->row(flow.truth.first_seen);
    ASSERT_NE(other, nullptr) << flow.key.to_string();
    ++rows;
    EXPECT_EQ(other->serial, flow.truth.first_seen);
    EXPECT_EQ(other->dropped_packets, 0u);
    EXPECT_EQ(other->fate_changes, 0u);
    const double with = flow.truth.delay.mean_ps();
    EXPECT_LE(other->mean_ps, with) << flow.key.to_string();
    slower += other->mean_ps < with ? 1 : 0;
  });
  EXPECT_EQ(rows, r.truth_regular.flows);
  EXPECT_GT(slower, rows / 10);
  ASSERT_TRUE(rli.score().interference);
  const models::InterferenceStats& i = *rli.score().interference;
  EXPECT_EQ(i.negative, 0u);
  EXPECT_EQ(i.positive, slower);
  EXPECT_EQ(i.fate_changes, 0u);
}

// The main router reports a packet's ingress before it can fail to route it (its time
// overflows); such a packet must not reach the twin, which would then count one packet more
// than the run or fail the same way where the run only stops.
TEST(PairedRun, APacketTheMainRouterCouldNotRouteNeverReachesTheTwin) {
  net::RouterConfig config;
  config.processing_delay = core::milliseconds(1);
  net::Router router(config);
  PairedRun paired(config);
  router.add_observer(paired);
  router.defer_observers();
  core::Packet p;
  p.flow = core::FlowKey::ipv4(1, 2, 3, 4, 6);
  p.wire_bytes = 100;
  router.process(p);
  p.arrival = core::Time::max() - core::Time{1};
  p.seq = 1;
  EXPECT_THROW(router.process(p), std::overflow_error);
  EXPECT_NO_THROW(router.flush_observers());
  paired.finalize();
  EXPECT_EQ(paired.packets(), 1u);
  EXPECT_EQ(paired.regular_offered(), 1u);
}

TEST(RliRun, ReferencesNeverMakeAFlowFasterWhenNothingIsDropped) {
  // FIFO without drops: an extra packet can only push later departures back, never forward.
  const RunResult r = run_experiment(config_with("[rli]\npolicy = \"static\"\nn = 5\n"));
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.truth_all.dropped_packets, 0u);
  const RliRun& rli = rli_of(r);
  ASSERT_TRUE(rli.paired());
  std::uint64_t slower = 0;
  for (const models::FlowEntry& f : r.truth->flows()) {
    if (f.record->kind != core::PacketKind::kRegular)
      continue;
    const TwinFlow* other = rli.paired()->flow(f.id);
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(f.record->delivered_packets(), other->delay.count());
    EXPECT_TRUE(f.record->delay.sum_ps() >= other->delay.sum_ps()) << f.key->to_string();
    slower += f.record->delay.sum_ps() > other->delay.sum_ps() ? 1 : 0;
  }
  EXPECT_GT(slower, 0u);  // 1-in-5 references at 90 % load do delay someone
  ASSERT_TRUE(rli.score().interference);
  const models::InterferenceStats& i = *rli.score().interference;
  EXPECT_EQ(i.negative, 0u);
  EXPECT_EQ(i.positive, slower);
  EXPECT_EQ(i.not_comparable, 0u);
  EXPECT_EQ(i.fate_changes, 0u);
  EXPECT_EQ(i.loss_rate_difference, 0.0);
}

// Hand-made traffic on one port where no packet ever waits, so every delay is processing +
// serialisation + propagation: 60 flows, 3000 packets of 500 B (4 us at 1 Gb/s) arriving at
// 10 m + 5 us for increasing m, 20 to 50 us apart. Periodic references every 20 us arrive at
// multiples of 20 us, at least 5 us from any packet, and take at most 4 us of link time, so
// they never wait either.
struct ConstantDelayRun {
  std::unique_ptr<models::GroundTruth> truth = std::make_unique<models::GroundTruth>();
  std::unique_ptr<rli::RliReceiver> receiver = std::make_unique<rli::RliReceiver>();
  std::vector<core::FlowKey> flows;
  std::uint64_t packets = 0;
  std::uint64_t references = 0;
};

constexpr std::int64_t kUs = 1'000'000;  // ps
constexpr std::uint32_t kRegularBytes = 500;
// 0.5 us processing + 500 B * 8 ns + 1 us propagation.
constexpr double kRegularDelayPs = 5'500'000;

rli::ReferencePolicyConfig periodic_references(std::uint32_t bytes) {
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kPeriodic;
  policy.period = core::Time{20 * kUs};
  policy.reference_bytes = bytes;
  return policy;
}

ConstantDelayRun run_without_queueing(const rli::ReferencePolicyConfig& policy) {
  net::RouterConfig config;
  config.processing_delay = core::Time{kUs / 2};
  config.egress[0].rate = core::BitsPerSecond{1'000'000'000};  // 8 ns per byte
  config.egress[0].propagation = core::Time{kUs};
  net::Router router(config);
  router.add_reference_sender(0, policy);
  ConstantDelayRun run;
  router.add_observer(*run.truth);
  router.add_observer(*run.receiver);
  for (std::uint32_t f = 0; f < 60; ++f) {
    run.flows.push_back(core::FlowKey::ipv4(0x0a000000 + f, 0x14000001,
                                            static_cast<std::uint16_t>(1000 + f), 443, 6));
  }
  std::int64_t m = 0;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    m += 2 + static_cast<std::int64_t>((i * 7919) % 4);
    core::Packet p;
    p.arrival = core::Time{m * 10 * kUs + 5 * kUs};
    p.flow = run.flows[(i * i + 3 * i) % run.flows.size()];
    p.wire_bytes = kRegularBytes;
    p.seq = i;
    const net::PacketFate fate = router.process(p);
    EXPECT_EQ(fate.delay().count(), static_cast<std::int64_t>(kRegularDelayPs));
  }
  run.packets = 3000;
  run.references = router.reference_sender(0)->counters().references;
  run.truth->finalize();
  run.receiver->finalize();
  return run;
}

// Checks every flow's estimated mean against `expected_ps` and returns the packets estimated.
std::uint64_t expect_every_flow_mean(const ConstantDelayRun& run, double expected_ps) {
  std::uint64_t estimated = 0;
  for (const core::FlowKey& key : run.flows) {
    const models::FlowRecord* truth = run.truth->find(key);
    const rli::FlowEstimate* est = run.receiver->find(key);
    if (truth == nullptr) {
      EXPECT_EQ(est, nullptr);
      continue;
    }
    EXPECT_EQ(truth->delay.mean_ps(), kRegularDelayPs);
    EXPECT_EQ(truth->delay.stddev_ps(), 0.0);
    if (est == nullptr) {
      ADD_FAILURE() << "no estimate for " << key.to_string();
      continue;
    }
    EXPECT_EQ(est->packets, truth->delivered_packets());
    EXPECT_NEAR(est->mean(), expected_ps, 1e-9 * expected_ps) << key.to_string();
    EXPECT_NEAR(est->stddev(), 0.0, 1e-9 * expected_ps) << key.to_string();
    estimated += est->packets;
  }
  return estimated;
}

TEST(RliRun, ConstantDelayIsEstimatedExactlyWhenReferencesAreAsLongAsRegularPackets) {
  const ConstantDelayRun run = run_without_queueing(periodic_references(kRegularBytes));
  const rli::ReceiverCounters& c = run.receiver->receiver_counters();
  EXPECT_GT(run.references, run.packets / 2);
  EXPECT_EQ(c.references, run.references);
  EXPECT_EQ(c.references_lost, 0u);
  EXPECT_EQ(c.packets, run.packets);
  EXPECT_EQ(c.estimated, run.packets);
  EXPECT_EQ(c.interpolated + c.before_first + c.after_last, run.packets);
  EXPECT_GT(c.interpolated, run.packets - 10);
  EXPECT_EQ(run.truth->summary(core::PacketKind::kReference).delay.mean_ps(), kRegularDelayPs);
  EXPECT_EQ(expect_every_flow_mean(run, kRegularDelayPs), run.packets);
}

TEST(RliRun, ShorterReferencesUnderestimateByTheSerialisationDifference) {
  // 64 B references: each reference's delay is (500 - 64) B * 8 ns shorter than a regular
  // packet's, and interpolating between equal samples reproduces exactly that bias.
  const ConstantDelayRun run = run_without_queueing(periodic_references(64));
  constexpr double kReferencePs = 500'000 + 64 * 8'000 + 1'000'000;
  EXPECT_EQ(expect_every_flow_mean(run, kReferencePs), run.packets);
}

TEST(RliRun, StaticReferencesWaitBehindThePacketThatTriggersThem) {
  // A 1-in-n reference enters the queue at the same instant as the packet it follows, so even
  // on an idle link its delay includes that packet's 4 us of serialisation.
  rli::ReferencePolicyConfig policy;
  policy.kind = rli::PolicyKind::kStatic;
  policy.n = 10;
  policy.reference_bytes = kRegularBytes;
  const ConstantDelayRun run = run_without_queueing(policy);
  EXPECT_EQ(run.references, 300u);
  EXPECT_EQ(run.receiver->receiver_counters().after_last, 0u);  // packet 3000 is followed by one
  EXPECT_EQ(expect_every_flow_mean(run, kRegularDelayPs + 4 * kUs), run.packets);
}

TEST(RliRun, ReportedOverheadEqualsTheSenderCounters) {
  const RunResult r = run_experiment(config_with(kStatic20));
  ASSERT_FALSE(r.error);
  const RliRun& rli = rli_of(r);
  ASSERT_EQ(rli.senders().size(), 1u);
  const rli::SenderCounters& s = rli.senders()[0].counters;
  const RliOverhead& o = rli.score().overhead;
  EXPECT_EQ(o.references, s.references);
  EXPECT_EQ(o.reference_bytes, s.reference_bytes);
  EXPECT_EQ(o.reference_bytes, 64 * o.references);
  EXPECT_EQ(o.egress_packets, s.egress_packets);
  EXPECT_EQ(o.egress_bytes, s.egress_bytes);
  EXPECT_EQ(o.regular_packets, s.regular_packets);
  EXPECT_EQ(o.skipped_by_cap, 0u);
  EXPECT_EQ(o.reference_drops, 0u);
  // Independent views of the same traffic: the truth's offered counts and the port's.
  EXPECT_EQ(o.regular_packets, r.truth_regular.offered_packets);
  EXPECT_EQ(o.references, o.regular_packets / 20);
  EXPECT_EQ(o.egress_packets, o.regular_packets + o.references);
  EXPECT_EQ(o.egress_packets, r.ports.at(0).offered_packets);
  EXPECT_EQ(o.egress_bytes, r.ports.at(0).offered_bytes);
  EXPECT_EQ(o.references, rli.receiver().receiver_counters().references);
  EXPECT_EQ(rli.receiver().cost().injected_packets, o.references);
  EXPECT_EQ(rli.receiver().cost().injected_bytes, o.reference_bytes);
  EXPECT_DOUBLE_EQ(o.packet_share,
                   static_cast<double>(o.references) / static_cast<double>(o.egress_packets));
  EXPECT_DOUBLE_EQ(o.byte_share,
                   static_cast<double>(o.reference_bytes) / static_cast<double>(o.egress_bytes));
  EXPECT_DOUBLE_EQ(o.references_per_regular_packet,
                   static_cast<double>(o.references) / static_cast<double>(o.regular_packets));
  // Every delivered regular packet got an estimate (boundary "nearest", no buffer overflow).
  EXPECT_EQ(rli.receiver().receiver_counters().estimated, r.truth_regular.delivered_packets());
  EXPECT_EQ(rli.score().flows_estimated, rli.score().flows_measured);
  EXPECT_EQ(rli.score().flows_measured, r.truth_regular.flows);
}

// Every number of a score, in a fixed order (NaN compared as equal to NaN below).
std::vector<double> numbers_of(const RliScore& report) {
  std::vector<double> v;
  const auto add_errors = [&](const models::ErrorSummary& e) {
    v.push_back(static_cast<double>(e.flows_added));
    for (const models::ErrorClassSummary& c : e.classes) {
      v.insert(v.end(),
               {static_cast<double>(c.min_packets), static_cast<double>(c.flows),
                static_cast<double>(c.excluded_zero_truth), static_cast<double>(c.no_estimate),
                c.median, c.p90, c.p99, c.mean, c.max, c.signed_median});
      for (const auto& point : c.cdf)
        v.insert(v.end(), {point.value, point.fraction});
    }
  };
  add_errors(report.mean_error);
  add_errors(report.std_error);
  const RliOverhead& o = report.overhead;
  v.insert(v.end(), {static_cast<double>(o.references), static_cast<double>(o.reference_bytes),
                     static_cast<double>(o.reference_drops), static_cast<double>(o.skipped_by_cap),
                     static_cast<double>(o.egress_packets), static_cast<double>(o.egress_bytes),
                     static_cast<double>(o.regular_packets), o.packet_share, o.byte_share,
                     o.references_per_regular_packet});
  v.insert(v.end(), {static_cast<double>(report.flows_measured),
                     static_cast<double>(report.flows_estimated)});
  if (report.interference) {
    const models::InterferenceStats& i = *report.interference;
    v.insert(v.end(), {static_cast<double>(i.compared), static_cast<double>(i.positive),
                       static_cast<double>(i.negative), static_cast<double>(i.zero),
                       i.max_abs_delta_ps, i.mean_delta_ps, i.loss_rate_with, i.loss_rate_without,
                       static_cast<double>(i.fate_changes)});
  }
  return v;
}

TEST(RliRun, TheSameConfigGivesAnIdenticalReport) {
  // Periodic with jitter, so the seeded jitter stream is part of what must repeat.
  const config::ExperimentConfig config =
      config_with("[rli]\npolicy = \"periodic\"\nperiod = \"200us\"\njitter = 0.3\n",
                  {"router.port.0.buffer_packets=10"});
  const RunResult a = run_experiment(config);
  const RunResult b = run_experiment(config);
  const std::vector<double> x = numbers_of(rli_of(a).score());
  const std::vector<double> y = numbers_of(rli_of(b).score());
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t k = 0; k < x.size(); ++k) {
    const bool both_nan = std::isnan(x[k]) && std::isnan(y[k]);
    EXPECT_TRUE(both_nan || x[k] == y[k]) << "number " << k << ": " << x[k] << " vs " << y[k];
  }
  EXPECT_GT(rli_of(a).score().overhead.references, 100u);
  EXPECT_GT(rli_of(a).score().mean_error.flows_added, 0u);
  // A different seed changes the traffic, and with it the report.
  const RunResult c =
      run_experiment(config_with("[rli]\npolicy = \"periodic\"\nperiod = \"200us\"\njitter = 0.3\n",
                                 {"router.port.0.buffer_packets=10", "seed=12"}));
  EXPECT_NE(numbers_of(rli_of(c).score()), x);
}

std::string rli_error(const std::string& rli_table) {
  try {
    config_with(rli_table);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RliConfig, ErrorsNameTheKey) {
  EXPECT_THAT(rli_error("[rli]\nn = 0\n"), HasSubstr("key 'rli.n'"));
  EXPECT_THAT(rli_error("[rli]\nn = 10\nreferense_bytes = 64\n"),
              HasSubstr("unknown key 'rli.referense_bytes'"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"static\"\npreset = \"fewer-at-high-load\"\n"),
              HasSubstr("key 'rli.preset'"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"static\"\npreset = \"fewer-at-high-load\"\n"),
              HasSubstr("adaptive"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"adaptive\"\ntable = [[0.1, 10], [0.5, 100]]\n"),
              HasSubstr("key 'rli.table'"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"adaptive\"\ntable = [[0.1, 10], [0.5, 100]]\n"),
              HasSubstr("start at utilization 0"));
  EXPECT_THAT(rli_error("[rli]\ninterpolation = \"cubic\"\n"),
              HasSubstr("key 'rli.interpolation'"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"adaptive\"\npreset = \"C\"\n"),
              HasSubstr("key 'rli.preset'"));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"periodic\"\nperiod = \"0s\"\n"),
              HasSubstr("key 'rli.period'"));
  // A reference every picosecond is 10^12 references per simulated second on each port.
  EXPECT_THAT(rli_error("[rli]\npolicy = \"periodic\"\nperiod = \"1ps\"\n"),
              HasSubstr("key 'rli.period': expected at least 100ns, got 1 ps: 1e+12 references "
                        "per second on each port"));
  EXPECT_NO_THROW(config_with("[rli]\npolicy = \"periodic\"\nperiod = \"100ns\"\n"));
  EXPECT_THAT(rli_error("[rli]\nports = [1]\n"), HasSubstr("key 'rli.ports'"));
  EXPECT_THAT(rli_error("[rli]\nmax_byte_share = 0\n"), HasSubstr("key 'rli.max_byte_share'"));
  // A key of another policy is rejected rather than ignored.
  EXPECT_THAT(rli_error("[rli]\npolicy = \"periodic\"\nn = 10\n"),
              HasSubstr("key 'rli.n': applies only to policy = \"static\""));
  EXPECT_THAT(rli_error("[rli]\nwindow = \"1ms\"\n"),
              HasSubstr("key 'rli.window': applies only to policy = \"adaptive\""));
  EXPECT_THAT(rli_error("[rli]\npolicy = \"adaptive\"\njitter = 0.1\n"),
              HasSubstr("key 'rli.jitter'"));
  // And a valid table is accepted as given.
  const config::ExperimentConfig ok = config_with(
      "[rli]\npolicy = \"adaptive\"\nwindow = \"2ms\"\n"
      "table = [[0.0, 50], [0.6, 5]]\n");
  EXPECT_TRUE(ok.rli.enabled);
  ASSERT_EQ(ok.rli.policy.table.size(), 2u);
  EXPECT_EQ(ok.rli.policy.table[1].n, 5u);
  EXPECT_EQ(ok.rli.policy.window.count(), 2'000'000'000);
  EXPECT_EQ(ok.rli.preset, "");
}

TEST(RliRun, FewerAtHighLoadInjectsFewerReferencesThanMoreAtHighLoadAtNinetyPercent) {
  const auto run = [](const char* preset) {
    return run_experiment(config_with(std::string("[rli]\npolicy = \"adaptive\"\npreset = \"") +
                                          preset + "\"\ninterference = false\n",
                                      {"source[0].duration=400ms"}));
  };
  const RunResult a = run("fewer-at-high-load");
  const RunResult b = run("more-at-high-load");
  ASSERT_EQ(a.config.rli.preset, "fewer-at-high-load");
  ASSERT_EQ(b.config.rli.preset, "more-at-high-load");
  ASSERT_EQ(rli_of(a).senders().size(), 1u);
  ASSERT_EQ(rli_of(b).senders().size(), 1u);
  const rli::SenderCounters& ca = rli_of(a).senders()[0].counters;
  const rli::SenderCounters& cb = rli_of(b).senders()[0].counters;
  EXPECT_EQ(ca.regular_packets, cb.regular_packets);  // the same traffic
  EXPECT_GT(ca.windows, 100u);
  EXPECT_GT(ca.references, 0u);
  // At 90 % load most windows are above 70 %: 1 in 300 against 1 in 10.
  EXPECT_LT(3 * ca.references, cb.references);
  EXPECT_FALSE(rli_of(a).paired());
}

}  // namespace
}  // namespace rlisim::run
