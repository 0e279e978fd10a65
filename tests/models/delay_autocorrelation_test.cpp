#include "models/metrics/delay_autocorrelation.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace rlisim::models {
namespace {

struct Sample {
  std::int64_t departure_ps;
  double delay_ps;
};

// The definition, computed from the whole sequence at once.
double brute_force(const std::vector<Sample>& xs,
                   const std::vector<std::pair<size_t, size_t>>& pairs) {
  double mean = 0;
  for (const auto& x : xs)
    mean += x.delay_ps;
  mean /= static_cast<double>(xs.size());
  double var = 0;
  for (const auto& x : xs)
    var += (x.delay_ps - mean) * (x.delay_ps - mean);
  var /= static_cast<double>(xs.size());
  double cov = 0;
  for (const auto& [a, b] : pairs)
    cov += (xs[a].delay_ps - mean) * (xs[b].delay_ps - mean);
  return pairs.empty() ? NAN : cov / static_cast<double>(pairs.size()) / var;
}

std::vector<Sample> ar1_sequence(std::size_t n, double phi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1e6);
  std::exponential_distribution<double> gap(1.0 / 800e3);  // mean 800 ns between departures
  std::vector<Sample> xs;
  double x = 0;
  std::int64_t t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x = phi * x + noise(rng);
    t += 1 + static_cast<std::int64_t>(gap(rng));
    xs.push_back({t, 5e9 + x});  // a large mean, as a deep queue gives
  }
  return xs;
}

TEST(DelayAutocorrelation, PacketLagsMatchTheDefinition) {
  const auto xs = ar1_sequence(20000, 0.9, 7);
  DelayAutocorrelation a({100, 1, 10, 1000, 10}, {});  // kept sorted, duplicates merged
  ASSERT_EQ(a.packet_lags(), (std::vector<std::uint32_t>{1, 10, 100, 1000}));
  for (const auto& x : xs)
    a.add(core::Time{x.departure_ps}, x.delay_ps);
  for (std::size_t k = 0; k < a.packet_lags().size(); ++k) {
    const std::size_t lag = a.packet_lags()[k];
    std::vector<std::pair<size_t, size_t>> pairs;
    for (std::size_t i = 0; i + lag < xs.size(); ++i)
      pairs.emplace_back(i, i + lag);
    EXPECT_NEAR(a.at_packet_lag(k), brute_force(xs, pairs), 1e-9) << "lag " << lag;
  }
  // An AR(1) process with phi = 0.9 has r(L) close to 0.9^L.
  EXPECT_NEAR(a.at_packet_lag(0), 0.9, 0.02);
  EXPECT_NEAR(a.at_packet_lag(1), std::pow(0.9, 10), 0.05);
  EXPECT_NEAR(a.at_packet_lag(3), 0.0, 0.1);
  // Between measured lags: linear in log lag; at a measured lag, its value; NaN outside.
  EXPECT_DOUBLE_EQ(a.at_packets(10), a.at_packet_lag(1));
  EXPECT_NEAR(a.at_packets(std::sqrt(10.0)), 0.5 * (a.at_packet_lag(0) + a.at_packet_lag(1)),
              1e-12);
  EXPECT_TRUE(std::isnan(a.at_packets(0.5)));
  EXPECT_TRUE(std::isnan(a.at_packets(2000)));
}

// The pairs of a time lag by their definition: each packet with the latest packet that
// departed at least `lag` before it.
std::vector<std::pair<size_t, size_t>> time_lag_pairs(const std::vector<Sample>& xs,
                                                      core::Time lag) {
  std::vector<std::pair<size_t, size_t>> pairs;
  for (std::size_t b = 0; b < xs.size(); ++b) {
    const std::int64_t limit = xs[b].departure_ps - lag.count();
    std::size_t partner = xs.size();
    for (std::size_t j = 0; j < b && xs[j].departure_ps <= limit; ++j)
      partner = j;
    if (partner < xs.size())
      pairs.emplace_back(partner, b);
  }
  return pairs;
}

// The autocorrelation of `xs` at `lags`, checked against the definition at every lag.
DelayAutocorrelation time_lags_of(const std::vector<Sample>& xs,
                                  const std::vector<core::Time>& lags) {
  DelayAutocorrelation a({}, lags);
  for (const auto& x : xs)
    a.add(core::Time{x.departure_ps}, x.delay_ps);
  for (std::size_t k = 0; k < lags.size(); ++k)
    EXPECT_NEAR(a.at_time_lag(k), brute_force(xs, time_lag_pairs(xs, lags[k])), 1e-9)
        << "lag " << k;
  return a;
}

TEST(DelayAutocorrelation, TimeLagsPairWithTheLatestPacketFarEnoughBack) {
  const auto xs = ar1_sequence(20000, 0.99, 11);
  const std::vector<core::Time> lags = {core::Time{500'000}, core::microseconds(8),
                                        core::microseconds(100), core::milliseconds(1)};
  const DelayAutocorrelation a = time_lags_of(xs, lags);
  // Interpolation between measured lags, in log lag; NaN outside.
  const double mid = std::sqrt(core::to_seconds(lags[1]) * core::to_seconds(lags[2]));
  EXPECT_NEAR(a.at_time(mid), 0.5 * (a.at_time_lag(1) + a.at_time_lag(2)), 1e-12);
  EXPECT_TRUE(std::isnan(a.at_time(1e-9)));
  EXPECT_TRUE(std::isnan(a.at_time(1.0)));
}

TEST(DelayAutocorrelation, TimeLagsOverBurstsTiesAndIdlePeriods) {
  // Bursts of back-to-back departures, some at the same instant, between idle periods of up
  // to 50 us: a lag's partner stays put for many packets, then jumps over whole bursts.
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> burst(1, 30);
  std::uniform_int_distribution<std::int64_t> idle(0, 50'000'000);
  std::uniform_int_distribution<std::int64_t> spacing(0, 3'000);  // 0: a tie
  std::normal_distribution<double> noise(0.0, 1e6);
  std::vector<Sample> xs;
  std::int64_t t = 0;
  while (xs.size() < 6000) {
    t += idle(rng);
    for (int i = burst(rng); i > 0; --i) {
      t += spacing(rng) < 500 ? 0 : spacing(rng);
      xs.push_back({t, 2e6 + std::abs(noise(rng))});
    }
  }
  const std::vector<core::Time> lags = {core::Time{1}, core::microseconds(2),
                                        core::microseconds(30), core::milliseconds(1)};
  time_lags_of(xs, lags);
}

TEST(DelayAutocorrelation, ConstantDelayOrNoPairGivesNaN) {
  DelayAutocorrelation a({1, 5}, {core::microseconds(1)});
  for (int i = 0; i < 4; ++i)
    a.add(core::Time{i * 1000}, 42.0);
  EXPECT_TRUE(std::isnan(a.at_packet_lag(0)));  // no variance
  EXPECT_TRUE(std::isnan(a.at_packet_lag(1)));  // no pair 5 apart
  EXPECT_TRUE(std::isnan(a.at_time_lag(0)));    // 1 us apart never happens
}

TEST(DelayAutocorrelation, RejectsBadLags) {
  EXPECT_THROW(DelayAutocorrelation({0}, {}), std::invalid_argument);
  EXPECT_THROW(DelayAutocorrelation({}, {core::microseconds(2), core::microseconds(1)}),
               std::invalid_argument);
}

TEST(DelayAutocorrelation, LogSpacedLags) {
  const auto lags =
      DelayAutocorrelation::log_spaced(core::microseconds(1), core::milliseconds(100), 4);
  ASSERT_EQ(lags.size(), 21u);
  EXPECT_EQ(lags.front(), core::microseconds(1));
  EXPECT_EQ(lags.back(), core::milliseconds(100));
  EXPECT_EQ(lags[4], core::microseconds(10));
}

}  // namespace
}  // namespace rlisim::models
