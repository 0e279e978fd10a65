// Each profile's generated traffic against the targets documented in flow_generator.hpp.
//
// Tolerances come from the seed-to-seed spread: DISABLED_MeasureSeedSpread prints, for every
// profile, the mean and standard deviation of each statistic over seeds 101-110; the targets
// below are those means (or the configuration's exact values where one exists) and a check
// allows 4 standard deviations. Re-measure after changing the model:
//   build/tests/traces/synthetic/traces_synthetic_accuracy_test
//     --gtest_also_run_disabled_tests --gtest_filter='*MeasureSeedSpread*'
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "traces/analysis/traffic_statistics.hpp"
#include "traces/synthetic/flow_generator.hpp"

namespace rlisim::traces {
namespace {

struct Measured {
  double rate_error = 0;  // achieved / requested - 1
  double mean_bytes = 0;
  double header_share = 0;  // packets of 40 B
  double flows_per_second = 0;
  double gap_cov_ge100 = 0;
  double idc_1ms = 0;
  double idc_10ms = 0;
  double idc_100ms = 0;
  double top1pct_bytes = 0;
};

constexpr core::Time kDuration = core::seconds(1);

Measured measure(const std::string& name, std::uint64_t seed) {
  SyntheticTrafficConfig c = profile(name);
  c.seed = seed;
  c.duration = kDuration;
  FlowGenerator g(c);
  TrafficStatistics stats;
  core::Packet p;
  std::uint64_t headers = 0;
  while (g.next(p)) {
    stats.add(p);
    headers += p.wire_bytes == 40 ? 1 : 0;
  }
  const TrafficStatisticsReport r = stats.report();
  Measured m;
  const double seconds = core::to_seconds(kDuration);
  m.rate_error =
      static_cast<double>(r.wire_bytes) * 8 / seconds / static_cast<double>(c.rate.value) - 1;
  m.mean_bytes = static_cast<double>(r.wire_bytes) / static_cast<double>(r.packets);
  m.header_share = static_cast<double>(headers) / static_cast<double>(r.packets);
  m.flows_per_second = static_cast<double>(r.flows) / seconds;
  m.gap_cov_ge100 = r.flow_classes.at(1).median_gap_cov.value_or(0);
  m.idc_1ms = r.burstiness.at(0).packets_idc.value_or(0);
  m.idc_10ms = r.burstiness.at(1).packets_idc.value_or(0);
  m.idc_100ms = r.burstiness.at(2).packets_idc.value_or(0);
  m.top1pct_bytes = r.top1pct_byte_share.value_or(0);
  return m;
}

struct Target {
  double value;
  double sd;  // seed-to-seed standard deviation, measured
};

struct ProfileTargets {
  std::string name;
  Target rate_error, mean_bytes, header_share, flows_per_second, gap_cov_ge100, idc_1ms, idc_10ms,
      idc_100ms, top1pct_bytes;
};

// Means and standard deviations over seeds 101-110 (DISABLED_MeasureSeedSpread); rate error,
// mean size and 40 B share have exact targets (0, the mix's mean, the mix's 40 B share).
const std::vector<ProfileTargets>& targets() {
  static const std::vector<ProfileTargets> t{
      {"default",
       {0, 0.0500},
       {969.6, 28.3},
       {0.30, 0.0216},
       {6907, 72.6},
       {5.64, 0.169},
       {6.64, 0.633},
       {22.0, 3.26},
       {38.5, 15.9},
       {0.326, 0.0268}},
      {"chic",
       {0, 0.0366},
       {823.6, 19.9},
       {0.40, 0.0152},
       {21095, 172},
       {4.83, 0.0829},
       {3.54, 0.337},
       {13.5, 2.46},
       {27.2, 12.4},
       {0.302, 0.0215}},
      {"sanj",
       {0, 0.0385},
       {704.4, 23.3},
       {0.45, 0.0192},
       {18759, 96.1},
       {4.81, 0.074},
       {3.48, 0.289},
       {14.3, 2.51},
       {26.8, 13.7},
       {0.411, 0.0176}},
  };
  return t;
}

void expect_within(const char* what, double measured, Target t, const std::string& profile) {
  EXPECT_NEAR(measured, t.value, 4 * t.sd) << profile << " " << what << ": measured " << measured
                                           << ", target " << t.value << " (sd " << t.sd << ")";
}

TEST(ProfileStatistics, EveryProfileMeetsItsDocumentedTargets) {
  for (const ProfileTargets& t : targets()) {
    for (std::uint64_t seed : {1, 2}) {
      const Measured m = measure(t.name, seed);
      expect_within("rate error", m.rate_error, t.rate_error, t.name);
      expect_within("mean packet bytes", m.mean_bytes, t.mean_bytes, t.name);
      expect_within("40 B share", m.header_share, t.header_share, t.name);
      expect_within("flows per second", m.flows_per_second, t.flows_per_second, t.name);
      expect_within("median gap CoV, >= 100 packets", m.gap_cov_ge100, t.gap_cov_ge100, t.name);
      expect_within("packet IDC at 1 ms", m.idc_1ms, t.idc_1ms, t.name);
      expect_within("packet IDC at 10 ms", m.idc_10ms, t.idc_10ms, t.name);
      // Not checked at 100 ms: a 1 s trace has 10 such bins, and the estimate's spread is
      // heavy-tailed (one sanj seed gave 89 where ten others averaged 27 with sd 14), so the
      // documented 100 ms figures are indicative only.
      expect_within("top 1 % byte share", m.top1pct_bytes, t.top1pct_bytes, t.name);
      // TCP-shaped flows: far from the evenly paced 1.0.
      EXPECT_GE(m.gap_cov_ge100, 2.0) << t.name;
    }
  }
}

TEST(ProfileStatistics, TheRateIsUnbiasedOverSeeds) {
  // One 1 s trace is heavy-tailed noise (sd 3.7-5 %); the mean of eight seeds must sit within
  // 4 standard errors of the request, which a bias of a few percent would leave.
  for (const ProfileTargets& t : targets()) {
    double sum = 0;
    constexpr int kSeeds = 8;
    for (std::uint64_t seed = 11; seed < 11 + kSeeds; ++seed)
      sum += measure(t.name, seed).rate_error;
    EXPECT_NEAR(sum / kSeeds, 0.0, 4 * t.rate_error.sd / std::sqrt(double{kSeeds})) << t.name;
  }
}

TEST(ProfileStatistics, DISABLED_MeasureSeedSpread) {
  for (const ProfileTargets& t : targets()) {
    std::vector<Measured> runs;
    for (std::uint64_t seed = 101; seed <= 110; ++seed)
      runs.push_back(measure(t.name, seed));
    const auto report = [&](const char* what, double Measured::*field) {
      double sum = 0;
      double sum2 = 0;
      for (const Measured& m : runs) {
        sum += m.*field;
        sum2 += (m.*field) * (m.*field);
      }
      const double n = static_cast<double>(runs.size());
      const double mean = sum / n;
      const double sd = std::sqrt(std::max(0.0, (sum2 - n * mean * mean) / (n - 1)));
      std::cout << fmt::format("{:8} {:32} mean {:.6g} sd {:.3g}\n", t.name, what, mean, sd);
    };
    report("rate error", &Measured::rate_error);
    report("mean packet bytes", &Measured::mean_bytes);
    report("40 B share", &Measured::header_share);
    report("flows per second", &Measured::flows_per_second);
    report("median gap CoV >= 100", &Measured::gap_cov_ge100);
    report("packet IDC 1 ms", &Measured::idc_1ms);
    report("packet IDC 10 ms", &Measured::idc_10ms);
    report("packet IDC 100 ms", &Measured::idc_100ms);
    report("top 1 % byte share", &Measured::top1pct_bytes);
  }
}

}  // namespace
}  // namespace rlisim::traces
