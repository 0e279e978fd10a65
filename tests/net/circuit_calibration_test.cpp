// Circuit calibration from RTT min/mean/p99: the Weibull-pair distribution against the gamma(2)
// closed form and the Weibull mean, parameters recovered, sampled RTTs with the target
// statistics, and the infeasible cases.

#include "sim/net/circuit_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/rng.hpp"

namespace rlisim::net {
namespace {

using ::testing::HasSubstr;

// gamma(2, 1): the sum of two unit exponentials (Weibull shape 1).
double gamma2_cdf(double x) {
  return 1.0 - std::exp(-x) * (1.0 + x);
}

// Its quantile by bisection on the closed form (independent of the convolution).
double gamma2_quantile(double q) {
  double lo = 0, hi = 100;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (gamma2_cdf(mid) < q ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

CircuitRtt rtt_ms(double min, double mean, double p99) {
  const auto t = [](double ms) { return core::Time{std::llround(ms * 1e9)}; };
  return CircuitRtt{t(min), t(mean), t(p99)};
}

TEST(WeibullPair, ShapeOneIsTheGammaTwoDistribution) {
  for (const double x : {1e-3, 0.05, 0.5, 1.0, 2.0, 5.0, 12.0})
    EXPECT_NEAR(weibull_pair_cdf(x, 1.0), gamma2_cdf(x), 1e-10 + 1e-8 * gamma2_cdf(x)) << x;
  for (const double q : {1e-5, 1e-3, 0.5, 0.99}) {
    const double want = gamma2_quantile(q);
    EXPECT_NEAR(weibull_pair_quantile(q, 1.0), want, 1e-8 * want) << q;
  }
  // Small-x series: F(x) = x^2 / 2 - x^3 / 3 + ..., so the q-quantile is
  // sqrt(2q) (1 + sqrt(2q) / 3) to second order.
  const double r = std::sqrt(2e-5);
  EXPECT_NEAR(weibull_pair_quantile(1e-5, 1.0), r * (1 + r / 3), 1e-7);
}

TEST(WeibullPair, TheCdfIntegratesToTheClosedFormMean) {
  // E S = integral of (1 - F) = 2 Gamma(1 + 1/k), for shapes on both sides of 1.
  for (const double k : {0.6, 1.0, 2.0, 4.5}) {
    const double upper = weibull_pair_quantile(1 - 1e-12, k);
    constexpr int kSteps = 4000;
    const double h = upper / kSteps;
    double mean = 0;
    for (int i = 0; i < kSteps; ++i) {
      const double a = 1.0 - weibull_pair_cdf(i * h, k);
      const double m = 1.0 - weibull_pair_cdf((i + 0.5) * h, k);
      const double b = 1.0 - weibull_pair_cdf((i + 1) * h, k);
      mean += h * (a + 4 * m + b) / 6;  // Simpson
    }
    EXPECT_NEAR(mean, 2 * std::tgamma(1 + 1 / k), 2e-4) << k;
  }
}

TEST(CircuitCalibration, RecoversAnExponentialJitterFromGammaTwoStatistics) {
  // P = 18 ms one way, exponential jitter of mean 100 us per direction.
  const double p_ms = 18.0;
  const double scale_ms = 0.1;
  const auto target = rtt_ms(2 * p_ms + scale_ms * gamma2_quantile(1e-5), 2 * p_ms + 2 * scale_ms,
                             2 * p_ms + scale_ms * gamma2_quantile(0.99));
  const auto c = calibrate_circuit(target);
  EXPECT_NEAR(c.jitter.shape, 1.0, 2e-4);
  EXPECT_NEAR(static_cast<double>(c.propagation.count()), 18e9, 2e3);  // within 2 ns
  EXPECT_NEAR(static_cast<double>(c.jitter.mean.count()), 100e6, 60e3);
}

TEST(CircuitCalibration, RoundTripsThroughTheRttStatisticsForSeveralShapes) {
  for (const double k : {0.45, 1.7, 3.0, 9.0}) {
    SCOPED_TRACE(k);
    LinkJitter j{core::microseconds(150), k};
    const auto stats = circuit_rtt(core::milliseconds(15), j);
    const auto c = calibrate_circuit(stats);
    EXPECT_NEAR(c.jitter.shape, k, 2e-4 * k + 1e-4);
    const auto back = circuit_rtt(c.propagation, c.jitter);
    EXPECT_NEAR(static_cast<double>((back.min - stats.min).count()), 0, 10e3);  // 10 ns
    EXPECT_NEAR(static_cast<double>((back.mean - stats.mean).count()), 0, 10e3);
    EXPECT_NEAR(static_cast<double>((back.p99 - stats.p99).count()), 0, 10e3);
  }
}

TEST(CircuitCalibration, SampledRoundTripsHaveTheTargetStatistics) {
  // The libnetwork AMS-MIL VM row of the Docker-overlay study.
  const auto target = rtt_ms(36.3, 36.5, 37.0);
  const auto c = calibrate_circuit(target);
  std::mt19937_64 rng = core::make_rng(11, 0);
  constexpr int kProbes = 400000;
  std::vector<double> rtt(kProbes);
  double sum = 0, sum2 = 0;
  for (auto& r : rtt) {
    r = static_cast<double>(
        (2 * c.propagation + c.jitter.sample(rng) + c.jitter.sample(rng)).count());
    sum += r;
    sum2 += r * r;
  }
  const double mean = sum / kProbes;
  const double sd = std::sqrt(sum2 / kProbes - mean * mean);
  EXPECT_NEAR(mean, static_cast<double>(target.mean.count()), 5 * sd / std::sqrt(kProbes));
  std::sort(rtt.begin(), rtt.end());
  // The target p99 lies between the order statistics 4 binomial sd either side of rank 0.99 n.
  const double band = 4 * std::sqrt(kProbes * 0.99 * 0.01);
  const auto p99 = static_cast<double>(target.p99.count());
  EXPECT_LE(rtt[static_cast<std::size_t>(0.99 * kProbes - band)], p99);
  EXPECT_GE(rtt[static_cast<std::size_t>(0.99 * kProbes + band)], p99);
  // The min is the 1e-5 quantile: expect 4 of 4e5 samples below it (Poisson; 0-12 is 4 sd).
  const auto below =
      std::lower_bound(rtt.begin(), rtt.end(), static_cast<double>(target.min.count())) -
      rtt.begin();
  EXPECT_LE(below, 12);
  EXPECT_GE(rtt[40], static_cast<double>(target.min.count()));  // the 1e-4 quantile is above
}

TEST(CircuitCalibration, IsDeterministic) {
  const auto a = calibrate_circuit(rtt_ms(12.7, 13.0, 14.0));
  const auto b = calibrate_circuit(rtt_ms(12.7, 13.0, 14.0));
  EXPECT_EQ(a.propagation, b.propagation);
  EXPECT_EQ(a.jitter.mean, b.jitter.mean);
  EXPECT_EQ(a.jitter.shape, b.jitter.shape);
  EXPECT_EQ(a.propagation.count() % 1000, 0);  // whole nanoseconds
}

TEST(CircuitCalibration, RejectsStatisticsTheFamilyCannotReach) {
  EXPECT_THAT(error_of([] { calibrate_circuit(rtt_ms(36.5, 36.5, 37.0)); }),
              HasSubstr("min < mean < p99"));
  EXPECT_THAT(error_of([] { calibrate_circuit(rtt_ms(36.3, 36.5, 36.5)); }),
              HasSubstr("min < mean < p99"));
  // (p99 - min) / (mean - min) = 1.05: almost no tail above the mean.
  EXPECT_THAT(error_of([] { calibrate_circuit(rtt_ms(36.0, 37.0, 37.05)); }),
              HasSubstr("is outside"));
  // A spread far wider than any shape >= 0.3 gives.
  EXPECT_THAT(error_of([] { calibrate_circuit(rtt_ms(10.0, 10.01, 40.0)); }),
              HasSubstr("is outside"));
  // A concentrated spread (shape near 3) of 1 ms on a 1 us min: the jitter's own 1e-5
  // quantile is far above 1 us.
  EXPECT_THAT(error_of([] { calibrate_circuit(rtt_ms(0.001, 1.0, 2.0)); }),
              HasSubstr("exceeds the min"));
}

}  // namespace
}  // namespace rlisim::net
