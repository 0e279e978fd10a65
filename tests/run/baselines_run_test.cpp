// The baselines end to end: [lda]/[netflow]/[multiflow]/[sampled_netflow]/[trajectory]
// configuration, every estimator on the same packets of one run, exact cases against the
// ground truth, and the comparison's bookkeeping.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/observer_set.hpp"
#include "models/truth/ground_truth.hpp"
#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"
#include "sim/run/report/result_writer.hpp"
#include "sim/run/scenario.hpp"
#include "tests/run/small_run.hpp"

namespace rlisim::run {
namespace {

using ::testing::HasSubstr;

config::ExperimentConfig config_with(const std::string& tables,
                                     const std::vector<std::string>& overrides = {}) {
  return test_support::small_run(tables, "sanj", 5, "baselines.toml", overrides);
}

const models::FlowEstimator& estimator(const RunResult& r, std::string_view name) {
  for (const auto& e : r.estimators) {
    if (e->estimator().name() == name)
      return e->estimator();
  }
  throw std::logic_error("no estimator " + std::string(name));
}

double relative(double a, double b) {
  return std::abs(a - b) / std::max(std::abs(b), 1.0);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using test_support::message_of;

TEST(BaselinesRun, TablesBuildTheirEstimatorsInRegistryOrder) {
  const auto c = config_with("[trajectory]\n[lda]\n[multiflow]\n[netflow]\n");
  ASSERT_EQ(c.estimators.size(), 4u);
  EXPECT_EQ(c.estimators[0].name, "lda");
  EXPECT_EQ(c.estimators[1].name, "netflow");
  EXPECT_EQ(c.estimators[2].name, "multiflow");
  EXPECT_EQ(c.estimators[3].name, "trajectory");
  EXPECT_TRUE(config_with("[lda]\nenabled = false\n").estimators.empty());
}

TEST(BaselinesRun, SampledNetflowTableMakesOneEstimatorPerRate) {
  const auto c = config_with("[sampled_netflow]\n[multiflow]\n[trajectory]\n");
  ASSERT_EQ(c.estimators.size(), 4u);
  EXPECT_EQ(c.estimators[0].name, "multiflow");
  EXPECT_EQ(c.estimators[1].name, "sampled_netflow_100");
  EXPECT_EQ(c.estimators[2].name, "sampled_netflow_1000");
  EXPECT_EQ(c.estimators[3].name, "trajectory");
  for (const auto& spec : c.estimators)
    EXPECT_EQ(spec.make()->name(), spec.name);
  const auto ten = config_with("[sampled_netflow]\npacket_sampling = [10]\n");
  ASSERT_EQ(ten.estimators.size(), 1u);
  EXPECT_EQ(ten.estimators[0].name, "sampled_netflow_10");
  EXPECT_TRUE(config_with("[sampled_netflow]\nenabled = false\n").estimators.empty());
}

TEST(BaselinesRun, BadTablesAreRejectedWithKeyAndLine) {
  EXPECT_THAT(message_of([] { config_with("[lda]\nbukets = 3\n"); }),
              HasSubstr("baselines.toml:17: unknown key 'lda.bukets'"));
  EXPECT_THAT(
      message_of([] { config_with("[lda]\nsampling = [1.0]\ndesign_loss_rates = [0.1]\n"); }),
      HasSubstr("either design_loss_rates"));
  EXPECT_THAT(message_of([] { config_with("[trajectory]\nprobability = 0\n"); }),
              HasSubstr("key 'trajectory.probability'"));
  EXPECT_THAT(message_of([] { config_with("[multiflow]\npool = \"median\"\n"); }),
              HasSubstr("key 'multiflow.pool'"));
  EXPECT_THAT(message_of([] { config_with("[netflow]\ninactive_timeout = \"0s\"\n"); }),
              HasSubstr("expected a positive duration"));
  // A key of another baseline is unknown here.
  EXPECT_THAT(message_of([] { config_with("[netflow]\npool = \"mean\"\n"); }),
              HasSubstr("key 'netflow.pool'"));
}

TEST(BaselinesRun, BadLossyPairsAndPacketSamplingKeysAreNamed) {
  EXPECT_THAT(message_of([] { config_with("[multiflow]\nlossy_pairs = \"drop\"\n"); }),
              HasSubstr("baselines.toml:17: key 'multiflow.lossy_pairs'"));
  EXPECT_THAT(message_of([] { config_with("[netflow]\nlossy_pairs = true\n"); }),
              HasSubstr("key 'netflow.lossy_pairs'"));
  EXPECT_THAT(message_of([] { config_with("[sampled_netflow]\npacket_sampling = [100, 1]\n"); }),
              HasSubstr("key 'sampled_netflow.packet_sampling"));
  EXPECT_THAT(message_of([] { config_with("[sampled_netflow]\npacket_sampling = 100\n"); }),
              HasSubstr("key 'sampled_netflow.packet_sampling'"));
  EXPECT_THAT(message_of([] { config_with("[sampled_netflow]\npacket_sampling = []\n"); }),
              HasSubstr("expected at least one rate"));
  EXPECT_THAT(
      message_of([] { config_with("[sampled_netflow]\npacket_sampling = [100, 10, 100]\n"); }),
      HasSubstr("expected distinct rates"));
  // Count-based discarding does not apply to independent packet sampling, nor does flow
  // sampling: neither key exists there.
  EXPECT_THAT(message_of([] { config_with("[sampled_netflow]\nlossy_pairs = \"use\"\n"); }),
              HasSubstr("unknown key 'sampled_netflow.lossy_pairs'"));
  EXPECT_THAT(message_of([] { config_with("[sampled_netflow]\nflow_sampling = 0.5\n"); }),
              HasSubstr("unknown key 'sampled_netflow.flow_sampling'"));
}

double counter(const models::FlowEstimator& e, std::string_view name) {
  for (const auto& c : e.counters()) {
    if (c.name == name)
      return c.value;
  }
  throw std::logic_error("no counter " + std::string(name));
}

TEST(BaselinesRun, LossyPairsAreDiscardedUnlessTheTableSaysUse) {
  // A 16-packet buffer at 90 % load drops packets, some of them first or last of a record.
  const std::vector<std::string> shallow = {"router.port.0.buffer_packets=16"};
  const RunResult discard = run_experiment(config_with("[netflow]\n[multiflow]\n", shallow));
  const RunResult use = run_experiment(config_with(
      "[netflow]\nlossy_pairs = \"use\"\n[multiflow]\nlossy_pairs = \"use\"\n", shallow));
  ASSERT_FALSE(discard.error);
  ASSERT_FALSE(use.error);
  ASSERT_GT(discard.truth_all.dropped_packets, 0u);
  for (const char* name : {"netflow", "multiflow"}) {
    const auto& d = estimator(discard, name);
    const auto& u = estimator(use, name);
    EXPECT_GT(counter(d, "lossy_pairs"), 0) << name;
    EXPECT_EQ(counter(d, "discarded_pairs"), counter(d, "lossy_pairs")) << name;
    EXPECT_EQ(counter(u, "lossy_pairs"), counter(d, "lossy_pairs")) << name;
    EXPECT_EQ(counter(u, "discarded_pairs"), 0) << name;
    EXPECT_LT(counter(d, "samples"), counter(u, "samples")) << name;
    EXPECT_EQ(static_cast<double>(d.cost().delay_samples), counter(d, "samples")) << name;
    EXPECT_EQ(static_cast<double>(u.cost().delay_samples), counter(u, "samples")) << name;
  }
  ASSERT_TRUE(discard.comparison);
  ASSERT_TRUE(use.comparison);
  // A flow whose only pair was discarded has no estimate.
  EXPECT_LT(discard.comparison->scores[0].flows_estimated,
            use.comparison->scores[0].flows_estimated);
}

TEST(BaselinesRun, SampledNetflowIsScoredWithoutExactSamples) {
  const auto config = config_with("[sampled_netflow]\npacket_sampling = [10, 100]\n");
  const RunResult r = run_experiment(config);
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(r.comparison);
  ASSERT_EQ(r.comparison->scores.size(), 2u);
  const auto& ten = r.comparison->scores[0];
  const auto& hundred = r.comparison->scores[1];
  EXPECT_EQ(ten.name, "sampled_netflow_10");
  EXPECT_EQ(hundred.name, "sampled_netflow_100");
  EXPECT_EQ(ten.cost.delay_samples, 0u);
  EXPECT_GT(ten.flows_estimated, hundred.flows_estimated);  // coverage falls with N
  EXPECT_GT(hundred.flows_estimated, 0u);
  const double packets = counter(estimator(r, "sampled_netflow_10"), "sampled_packets_in") * 10;
  EXPECT_NEAR(packets, static_cast<double>(r.truth_all.offered_packets),
              0.1 * static_cast<double>(r.truth_all.offered_packets));
  const auto dir = std::filesystem::temp_directory_path() / "rlisim_sampled_netflow_run_test";
  std::filesystem::remove_all(dir);
  write_results(r, dir.string());
  const auto csv = read_file(dir / "flows.csv");
  const auto header = csv.substr(0, csv.find('\n'));
  for (const char* col : {"sampled_netflow_10_samples", "sampled_netflow_10_mean_ns",
                          "sampled_netflow_100_mean_rel_err"})
    EXPECT_THAT(header, HasSubstr(col));
  EXPECT_THAT(read_file(dir / "summary.json"), HasSubstr("\"sampled_netflow_100\""));
  std::filesystem::remove_all(dir);
}

TEST(BaselinesRun, TrajectorySamplingEverythingIsExactPerFlow) {
  const RunResult r = run_experiment(config_with("[trajectory]\nprobability = 1.0\n"));
  ASSERT_FALSE(r.error);
  const auto& t = estimator(r, "trajectory");
  std::uint64_t checked = 0;
  for (const auto& [key, rec, id] : r.truth->flows()) {
    if (rec->delay.count() == 0)
      continue;
    const auto est = t.estimate(*key);
    ASSERT_TRUE(est) << key->to_string();
    EXPECT_EQ(est->samples, rec->delay.count());
    EXPECT_LT(relative(est->mean_ps, rec->delay.mean_ps()), 1e-9);
    if (rec->delay.count() >= 2) {
      EXPECT_NEAR(est->std_ps, rec->delay.stddev_ps(), 1e-6 * rec->delay.mean_ps() + 1);
    }
    ++checked;
  }
  EXPECT_GT(checked, 100u);
  ASSERT_TRUE(r.comparison);
  EXPECT_EQ(r.comparison->scores.back().mean_error.classes[0].max, 0.0);
}

TEST(BaselinesRun, LdaSamplingEverythingWithoutLossGivesTheExactAggregateMean) {
  // One interval spans the run, so every flow gets the aggregate.
  const RunResult r = run_experiment(config_with("[lda]\nsampling = [1.0]\ninterval = \"10s\"\n"));
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.truth_all.dropped_packets, 0u);
  const auto& lda = estimator(r, "lda");
  const double truth = r.truth_all.delay.mean_ps();
  for (const auto& [key, rec, id] : r.truth->flows()) {
    const auto est = lda.estimate(*key);
    ASSERT_TRUE(est);
    EXPECT_LT(relative(est->mean_ps, truth), 1e-12) << key->to_string();
  }
}

TEST(BaselinesRun, NaiveNetflowIsExactForFlowsOfOneOrTwoPackets) {
  // (d_first + d_last) / 2 is the true mean when the first and last are all the packets.
  const RunResult r = run_experiment(config_with("[netflow]\n"));
  ASSERT_FALSE(r.error);
  const auto& nf = estimator(r, "netflow");
  std::uint64_t small = 0;
  for (const auto& [key, rec, id] : r.truth->flows()) {
    const auto est = nf.estimate(*key);
    ASSERT_TRUE(est);  // flow_sampling = 1 by default
    if (rec->delay.count() <= 2 && rec->dropped_packets == 0) {
      EXPECT_LT(relative(est->mean_ps, rec->delay.mean_ps()), 1e-12);
      ++small;
    }
  }
  EXPECT_GE(small, 3u);  // the profile's flows are mostly longer
}

TEST(BaselinesRun, EveryEstimatorIsScoredOnTheSameFlows) {
  const RunResult r = run_experiment(config_with(
      "[rli]\ninterference = false\nserialization_correction = false\n[lda]\n[netflow]\n"
      "[multiflow]\nflow_sampling = 0.5\nlossy_pairs = \"use\"\n[trajectory]\n",
      {"router.port.0.buffer_packets=16"}));
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(r.comparison);
  const auto& c = *r.comparison;
  ASSERT_EQ(c.scores.size(), 5u);
  EXPECT_EQ(c.scores[0].name, "rli");
  EXPECT_EQ(c.scores[4].name, "trajectory");
  std::uint64_t fewest = c.scores[0].flows_estimated;
  for (const auto& s : c.scores) {
    EXPECT_EQ(s.flows_measured, c.scores[0].flows_measured) << s.name;
    EXPECT_EQ(s.packets_measured, c.scores[0].packets_measured) << s.name;
    EXPECT_LE(s.flows_estimated, s.flows_measured) << s.name;
    fewest = std::min(fewest, s.flows_estimated);
  }
  // Multiflow samples about half of the flows (and, using lossy pairs, estimates them all);
  // trajectory sampling at 1 % misses small ones.
  EXPECT_LT(c.scores[3].flows_estimated, c.scores[3].flows_measured * 6 / 10);
  EXPECT_GT(c.scores[3].flows_estimated, c.scores[3].flows_measured * 4 / 10);
  EXPECT_LE(c.common_flows, fewest);
  EXPECT_GT(c.common_flows, 0u);
  ASSERT_EQ(c.common_mean_error.size(), 5u);
  for (const auto& e : c.common_mean_error)
    EXPECT_EQ(e.classes[0].flows, c.common_flows);
  // RLI injects packets; the tap-only estimators inject none.
  EXPECT_GT(c.scores[0].cost.injected_packets, 0u);
  for (std::size_t i = 1; i < c.scores.size(); ++i)
    EXPECT_EQ(c.scores[i].cost.injected_packets, 0u) << c.scores[i].name;
  // The std is scored only where an estimator gives one.
  EXPECT_TRUE(c.scores[0].std_error);
  EXPECT_FALSE(c.scores[2].std_error);
}

TEST(BaselinesRun, ReferencePacketsAreInvisibleToTheBaselines) {
  // With RLI injecting 1-in-5 references, trajectory sampling of every packet still matches
  // the regular flows exactly and knows nothing of the reference flow.
  const RunResult r = run_experiment(
      config_with("[rli]\nn = 5\ninterference = false\n[trajectory]\nprobability = 1.0\n"));
  ASSERT_FALSE(r.error);
  const auto& t = estimator(r, "trajectory");
  EXPECT_FALSE(t.estimate(net::Router::reference_flow_key(0)));
  for (const auto& [key, rec, id] : r.truth->flows()) {
    if (rec->kind != core::PacketKind::kRegular || rec->delay.count() == 0)
      continue;
    const auto est = t.estimate(*key);
    ASSERT_TRUE(est);
    EXPECT_LT(relative(est->mean_ps, rec->delay.mean_ps()), 1e-9);
  }
}

TEST(BaselinesRun, OutputsAreByteIdenticalAcrossRunsAndCarryEveryEstimator) {
  const auto config =
      config_with("[rli]\ninterference = false\n[lda]\n[netflow]\n[multiflow]\n[trajectory]\n");
  const auto dir = std::filesystem::temp_directory_path() / "rlisim_baselines_run_test";
  std::filesystem::remove_all(dir);
  write_results(run_experiment(config), (dir / "a").string());
  write_results(run_experiment(config), (dir / "b").string());
  for (const char* f : {"summary.json", "flows.csv"})
    EXPECT_EQ(read_file(dir / "a" / f), read_file(dir / "b" / f)) << f;
  const auto csv = read_file(dir / "a" / "flows.csv");
  const auto header = csv.substr(0, csv.find('\n'));
  for (const char* col : {"lda_mean_ns", "lda_std_ns", "netflow_mean_rel_err", "multiflow_samples",
                          "trajectory_std_ns"})
    EXPECT_THAT(header, HasSubstr(col));
  EXPECT_THAT(header, ::testing::Not(HasSubstr("netflow_std_ns")));
  const auto summary = read_file(dir / "a" / "summary.json");
  for (const char* key :
       {"\"comparison\"", "\"lda\"", "\"multiflow\"", "\"common\"", "\"export_bytes\""})
    EXPECT_THAT(summary, HasSubstr(key));
  std::filesystem::remove_all(dir);
}

// The truth and every estimator replaying on more threads than the observers keep busy, with
// RLI's paired run, NetFlow's records shared with Multiflow, flows that end during the run and
// the packet log: every output byte is that of one thread.
TEST(BaselinesRun, OutputsAreByteIdenticalForAnyNumberOfThreads) {
  // Enough packets that ended flows are released during the run, not only at its end.
  const auto config = config_with(
      "[truth]\nflow_timeout = \"20ms\"\n[rli]\ninterference = true\n[lda]\n[netflow]\n"
      "[multiflow]\n[trajectory]\n",
      {"source.0.rate=\"1Gbps\"", "source.0.duration=\"2s\""});
  const auto dir = std::filesystem::temp_directory_path() / "rlisim_threads_run_test";
  std::filesystem::remove_all(dir);
  for (const unsigned threads : {1u, 2u, 5u}) {
    RunOptions options;
    options.threads = threads;
    std::filesystem::create_directories(dir / std::to_string(threads));
    options.packets_out = (dir / std::to_string(threads) / "packets.csv").string();
    const RunResult r = run_experiment(config, options);
    ASSERT_FALSE(r.error);
    EXPECT_GT(r.packets, models::ObserverSet::kRetirementInterval);
    EXPECT_GT(r.ledger->ended_flows(), 10'000u);
    write_results(r, (dir / std::to_string(threads)).string());
  }
  for (const char* f : {"summary.json", "flows.csv", "packets.csv"}) {
    const auto one = read_file(dir / "1" / f);
    EXPECT_GT(one.size(), 1000u);
    EXPECT_EQ(read_file(dir / "2" / f), one) << f;
    EXPECT_EQ(read_file(dir / "5" / f), one) << f;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rlisim::run
