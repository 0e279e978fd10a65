// Statistical checks of the CAIDA-like generator's paced model: achieved rate, size mix,
// stationarity, burstiness. Tolerances derive from the run-to-run spreads measured over 40
// seeds and documented in flow_generator.hpp; every check uses fixed seeds. The TCP model's
// statistics are checked in profile_statistics_test.cpp.

#include <cmath>
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "traces/synthetic/flow_generator.hpp"

namespace rlisim::traces {
namespace {

struct TraceStats {
  std::uint64_t packets = 0;
  double bytes = 0;
  double window_bytes = 0;  // bytes with arrival < window
  std::map<std::uint32_t, std::uint64_t> sizes;
  std::vector<double> bins;  // packet counts per bin
};

TraceStats measure(const SyntheticTrafficConfig& c, core::Time bin = core::milliseconds(1),
                   core::Time window = core::Time{0}) {
  FlowGenerator g(c);
  TraceStats s;
  s.bins.assign(static_cast<std::size_t>(c.duration / bin), 0.0);
  core::Packet p;
  while (g.next(p)) {
    ++s.packets;
    s.bytes += p.wire_bytes;
    if (p.arrival < window)
      s.window_bytes += p.wire_bytes;
    ++s.sizes[p.wire_bytes];
    const auto b = static_cast<std::size_t>(p.arrival / bin);
    if (b < s.bins.size())
      s.bins[b] += 1;
  }
  return s;
}

double rate_ratio(const TraceStats& s, const SyntheticTrafficConfig& c) {
  return s.bytes * 8 / core::to_seconds(c.duration) / static_cast<double>(c.rate.value);
}

// Variance over mean of the per-bin packet counts.
double index_of_dispersion(const std::vector<double>& bins) {
  double sum = 0;
  double sum2 = 0;
  for (double x : bins) {
    sum += x;
    sum2 += x * x;
  }
  const double n = static_cast<double>(bins.size());
  const double mean = sum / n;
  return (sum2 / n - mean * mean) / mean;
}

double stddev(const std::vector<double>& v) {
  double sum = 0;
  double sum2 = 0;
  for (double x : v) {
    sum += x;
    sum2 += x * x;
  }
  const double n = static_cast<double>(v.size());
  return std::sqrt(std::max(0.0, (sum2 - sum * sum / n) / (n - 1)));
}

// Measured relative sd of the 1 s rate (40 seeds, stratified, max_packets 1e4): default 1.60 %,
// chic 1.01 %, sanj 1.25 %. A 4 % bound is 2.5 sd for default and over 3 sd for the others;
// the seeds are fixed, and a real bias (a wrong E[K] or E[L]) shows as tens of percent.
constexpr double kRateTolerance = 0.04;

TEST(FlowGeneratorAccuracy, RateAndSizeMixMatchTheRequestForEveryProfile) {
  for (const std::string_view name : profile_names()) {
    for (std::uint64_t seed : {1, 2, 3}) {
      SyntheticTrafficConfig c = profile(name);
      c.flow_model = FlowModel::kPaced;
      c.seed = seed;
      const TraceStats s = measure(c);
      EXPECT_NEAR(rate_ratio(s, c), 1.0, kRateTolerance) << name << " seed " << seed;
      // Sizes are i.i.d. per packet: binomial sd of a share is below 0.1 percentage points
      // at >= 100k packets, so 0.5 points is a loose bound.
      ASSERT_GT(s.packets, 100000u);
      const auto n = static_cast<double>(s.packets);
      for (const auto& e : c.size_mix.entries()) {
        const auto it = s.sizes.find(e.wire_bytes);
        const double share = it == s.sizes.end() ? 0.0 : static_cast<double>(it->second) / n;
        EXPECT_NEAR(share, e.probability, 0.005) << name << " size " << e.wire_bytes;
      }
      EXPECT_EQ(s.sizes.size(), c.size_mix.entries().size());
      EXPECT_NEAR(s.bytes / n / c.size_mix.mean_bytes(), 1.0, 0.01) << name;
    }
  }
}

TEST(FlowGeneratorAccuracy, LognormalFlowSizesAlsoHitTheRate) {
  SyntheticTrafficConfig c;
  c.flow_model = FlowModel::kPaced;
  c.flow_size.model = FlowSizeModel::kLognormal;
  for (std::uint64_t seed : {1, 2}) {
    c.seed = seed;
    const TraceStats s = measure(c);
    EXPECT_NEAR(rate_ratio(s, c), 1.0, kRateTolerance) << seed;
  }
}

TEST(FlowGeneratorAccuracy, StratifiedSizesConvergeFasterThanIid) {
  // x_m = 1 packet (many small flows, where stratification has most to work with). Measured at
  // 1 Gb/s: 2.30 % (iid) vs 0.80 % (stratified) over 40 seeds of 1 s; 3.24 % vs 1.12 % over
  // these 12 seeds of 0.5 s.
  std::vector<double> iid;
  std::vector<double> stratified;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SyntheticTrafficConfig c;
    c.flow_model = FlowModel::kPaced;
    c.flow_size.min_packets = 1;
    c.seed = seed;
    c.duration = core::milliseconds(500);
    c.size_sampling = SizeSampling::kIid;
    iid.push_back(rate_ratio(measure(c), c));
    c.size_sampling = SizeSampling::kStratified;
    stratified.push_back(rate_ratio(measure(c), c));
  }
  EXPECT_LT(stddev(stratified), 0.6 * stddev(iid));
  EXPECT_LT(stddev(stratified), 0.02);
}

TEST(FlowGeneratorAccuracy, FirstMillisecondsAreAlreadyStationary) {
  // Without the warm-up, flows alive at 0 would be missing and the first 50 ms would carry
  // far less than the target (most bytes travel in flows lasting over 50 ms). Measured sd of
  // one 50 ms rate over 40 seeds: 2.8 %, so 1.4 % for the mean of four; 4 % is 2.9 sd.
  double sum = 0;
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    SyntheticTrafficConfig c;
    c.flow_model = FlowModel::kPaced;
    c.seed = seed;
    c.duration = core::milliseconds(50);
    const TraceStats s = measure(c);
    sum += rate_ratio(s, c);
  }
  EXPECT_NEAR(sum / 4, 1.0, 0.04);
}

TEST(FlowGeneratorAccuracy, SanjIsBurstierThanChic) {
  // Index of dispersion of packet counts in 1 ms and 10 ms bins; measured over these 1 s
  // traces: chic 1.8 / 1.9, sanj 6.9 / 5.6 (Poisson would be 1).
  SyntheticTrafficConfig chic = profile("chic");
  chic.flow_model = FlowModel::kPaced;
  SyntheticTrafficConfig sanj = profile("sanj");
  sanj.flow_model = FlowModel::kPaced;
  for (core::Time bin : {core::milliseconds(1), core::milliseconds(10)}) {
    const double idc_chic = index_of_dispersion(measure(chic, bin).bins);
    const double idc_sanj = index_of_dispersion(measure(sanj, bin).bins);
    EXPECT_GT(idc_sanj, 2 * idc_chic) << "bin " << core::format_duration(bin);
  }
}

}  // namespace
}  // namespace rlisim::traces
