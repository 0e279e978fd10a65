#include "traces/synthetic/flow_size_distribution.hpp"

#include <cmath>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "traces/synthetic/sampling.hpp"

namespace rlisim::traces {
namespace {

using ::testing::HasSubstr;

// Independent oracle: E[X^k] of a density on [low, high] by Simpson's rule in log space.
template <typename Pdf>
double moment(Pdf pdf, double low, double high, int k) {
  const int n = 200000;
  const double a = std::log(low);
  const double h = (std::log(high) - a) / n;
  double sum = 0;
  for (int i = 0; i <= n; ++i) {
    const double x = std::exp(a + i * h);
    const double w = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2);
    sum += w * std::pow(x, k) * pdf(x) * x;  // dx = x d(ln x)
  }
  return sum * h / 3;
}

TEST(FlowSizeDistribution, TruncatedParetoMeanMatchesTheClosedForm) {
  FlowSizeConfig c;
  c.alpha = 1.2;
  c.max_packets = 1e4;
  const FlowSizeDistribution d(c);
  // Hand-computed: alpha / (alpha - 1) * (1 - H^(1 - alpha)) / (1 - H^-alpha), H = 1e4.
  const double expected = 6.0 * (1 - std::pow(1e4, -0.2)) / (1 - std::pow(1e4, -1.2));
  EXPECT_NEAR(d.mean_packets(), expected, 1e-9);
  EXPECT_NEAR(d.mean_packets(), 5.04915, 1e-4);
  const double mass = 1 - std::pow(1e4, -1.2);
  const auto pdf = [&](double x) { return 1.2 * std::pow(x, -2.2) / mass; };
  EXPECT_NEAR(d.continuous_second_moment(), moment(pdf, 1, 1e4, 2),
              1e-6 * d.continuous_second_moment());
}

TEST(FlowSizeDistribution, ParetoMomentsHoldAtTheSpecialShapes) {
  for (double alpha : {1.0, 2.0, 0.5, 1.1, 1.3}) {
    FlowSizeConfig c;
    c.alpha = alpha;
    c.min_packets = 2;
    c.max_packets = 5e5;
    const FlowSizeDistribution d(c);
    const double mass = 1 - std::pow(2.0 / 5e5, alpha);
    const auto pdf = [&](double x) {
      return alpha * std::pow(2.0, alpha) * std::pow(x, -alpha - 1) / mass;
    };
    EXPECT_NEAR(d.mean_packets(), moment(pdf, 2, 5e5, 1), 1e-6 * d.mean_packets()) << alpha;
    EXPECT_NEAR(d.continuous_second_moment(), moment(pdf, 2, 5e5, 2),
                1e-6 * d.continuous_second_moment())
        << alpha;
  }
}

TEST(FlowSizeDistribution, TruncatedLognormalMeanMatchesNumericalIntegration) {
  FlowSizeConfig c;
  c.model = FlowSizeModel::kLognormal;
  c.lognormal_mu = 0.7;
  c.lognormal_sigma = 1.5;
  c.max_packets = 1e4;
  const FlowSizeDistribution d(c);
  const auto raw = [&](double x) {
    const double z = (std::log(x) - 0.7) / 1.5;
    return std::exp(-z * z / 2) / (x * 1.5 * std::sqrt(2 * M_PI));
  };
  const double mass = moment(raw, 1, 1e4, 0);
  const auto pdf = [&](double x) { return raw(x) / mass; };
  EXPECT_NEAR(d.mean_packets(), moment(pdf, 1, 1e4, 1), 1e-6 * d.mean_packets());
  EXPECT_NEAR(d.continuous_second_moment(), moment(pdf, 1, 1e4, 2),
              1e-6 * d.continuous_second_moment());
}

TEST(FlowSizeDistribution, QuantileSpansTheSupport) {
  for (auto model : {FlowSizeModel::kPareto, FlowSizeModel::kLognormal}) {
    FlowSizeConfig c;
    c.model = model;
    c.max_packets = 1000;
    const FlowSizeDistribution d(c);
    EXPECT_DOUBLE_EQ(d.quantile(0.0), 1.0);
    EXPECT_NEAR(d.quantile(std::nextafter(1.0, 0.0)), 1000, 1e-3);
    double last = 0;
    for (int i = 0; i < 1000; ++i) {
      const double x = d.quantile(i / 1000.0);
      ASSERT_GE(x, last);
      last = x;
    }
  }
  // Pareto CDF by hand: P(X <= 2) = (1 - 2^-1.2) / (1 - 1000^-1.2).
  FlowSizeConfig c;
  c.max_packets = 1000;
  const FlowSizeDistribution d(c);
  EXPECT_NEAR(d.quantile((1 - std::pow(2, -1.2)) / (1 - std::pow(1000, -1.2))), 2.0, 1e-9);
}

TEST(FlowSizeDistribution, CdfInvertsTheQuantile) {
  for (auto model : {FlowSizeModel::kPareto, FlowSizeModel::kLognormal}) {
    FlowSizeConfig c;
    c.model = model;
    const FlowSizeDistribution d(c);
    for (double u : {0.0, 1e-6, 0.1, 0.5, 0.9, 0.999, 0.9999999}) {
      EXPECT_NEAR(d.cdf(d.quantile(u)), u, 1e-9) << to_string(model) << " " << u;
    }
    EXPECT_EQ(d.cdf(0.5), 0.0);
    EXPECT_EQ(d.cdf(2e4), 1.0);
  }
}

TEST(FlowSizeDistribution, RandomisedRoundingKeepsTheMeanExact) {
  FlowSizeConfig c;
  c.alpha = 1.5;
  c.max_packets = 100;
  const FlowSizeDistribution d(c);
  auto rng = core::make_rng(3, 0);
  // Stratified size uniforms make the sample mean converge fast; rounding uniforms are iid.
  const int n = 1 << 20;
  double sum = 0;
  std::uint64_t max = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t k = d.packets(van_der_corput(i), core::uniform01(rng));
    sum += static_cast<double>(k);
    max = std::max(max, k);
    ASSERT_GE(k, 1u);
  }
  EXPECT_LE(max, 100u);
  // Rounding noise: sd <= 0.5 / sqrt(n) ~ 5e-4.
  EXPECT_NEAR(sum / n, d.mean_packets(), 3e-3);
}

TEST(FlowSizeDistribution, RejectsBadParametersNamingTheKey) {
  const auto message = [](FlowSizeConfig c) -> std::string {
    try {
      FlowSizeDistribution d(c);
    } catch (const core::ConfigError& e) {
      return e.what();
    }
    return "no exception";
  };
  FlowSizeConfig c;
  c.alpha = 0;
  EXPECT_THAT(message(c), HasSubstr("flow_size.alpha = 0"));
  c = {};
  c.min_packets = 0.5;
  EXPECT_THAT(message(c), HasSubstr("flow_size.min_packets = 0.5"));
  c = {};
  c.max_packets = 0.9;
  EXPECT_THAT(message(c), HasSubstr("flow_size.max_packets"));
  c = {};
  c.model = FlowSizeModel::kLognormal;
  c.lognormal_sigma = -1;
  EXPECT_THAT(message(c), HasSubstr("flow_size.lognormal_sigma = -1"));
  c.lognormal_sigma = 1;
  c.lognormal_mu = 200;
  c.max_packets = 10;
  EXPECT_THAT(message(c), HasSubstr("no mass"));
}

TEST(Sampling, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-12, 1e-6, 0.01, 0.02425, 0.3, 0.5, 0.8, 0.97575, 0.999, 1 - 1e-9}) {
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-13 + 1e-12 * p) << p;
  }
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
}

TEST(Sampling, AcklamsApproximationIsWithinItsPublishedBound) {
  // Acklam's stated bound: relative error below 1.15e-9 over the whole range.
  for (double p = 1e-9; 1 - p > 1e-9; p = p < 0.5 ? p * 1.7 : 1 - (1 - p) / 1.7) {
    const double exact = normal_quantile(p);
    EXPECT_NEAR(core::normal_quantile_approx(p), exact, 1.15e-9 * std::abs(exact) + 1e-15) << p;
  }
  EXPECT_EQ(core::normal_quantile_approx(0.5), 0.0);
}

TEST(Sampling, VanDerCorputMirrorsTheBits) {
  EXPECT_EQ(van_der_corput(0), 0.0);
  EXPECT_EQ(van_der_corput(1), 0.5);
  EXPECT_EQ(van_der_corput(2), 0.25);
  EXPECT_EQ(van_der_corput(3), 0.75);
  EXPECT_EQ(van_der_corput(6), 0.375);
  // Any 2^k aligned block fills each 2^-k interval once.
  std::vector<int> hits(64, 0);
  for (std::uint64_t n = 640; n < 704; ++n)
    ++hits[static_cast<int>(van_der_corput(n) * 64)];
  for (int h : hits)
    EXPECT_EQ(h, 1);
  EXPECT_DOUBLE_EQ(rotate01(0.75, 0.5), 0.25);
}

TEST(Sampling, ParetoScaleGivesTheRequestedMean) {
  const double x_m = pareto_scale_for_mean(2.5, 10.0);
  EXPECT_DOUBLE_EQ(x_m, 6.0);
  auto rng = core::make_rng(1, 1);
  double sum = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i)
    sum += pareto_variate(rng, 2.5, x_m);
  // Var = x_m^2 alpha / ((alpha-1)^2 (alpha-2)) = 80; sd of the mean 0.014.
  EXPECT_NEAR(sum / n, 10.0, 0.08);
}

}  // namespace
}  // namespace rlisim::traces
