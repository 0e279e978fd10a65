// Container stack-model fit: recovers known parameters from the model's own samples.

#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "models/container/fit.hpp"
#include "models/container/stack_model.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::container {
namespace {

using core::microseconds;
using core::milliseconds;

double us(core::Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}

DirectionParams published_ingress() {
  DirectionParams p;
  p.fixed_floor = microseconds(3);
  p.fixed_median = core::nanoseconds(4500);
  p.fixed_sigma = 0.3;
  p.cold_extra = core::nanoseconds(10500);
  p.cold_jitter_sd = microseconds(2);
  p.tail_probability = 0.03;
  p.tail_median = microseconds(225);
  p.tail_sigma = 0.15;
  return p;
}

/// Bursts of 20 packets 20 us apart, bursts 50 ms apart: the first of each burst is cold.
std::vector<LatencySample> idle_bursts(const DirectionParams& p, int bursts, double scale) {
  ModeParams mode;
  mode.mode = NetworkMode::kBridgeNat;
  mode.ingress = p;
  mode.cold_gap = milliseconds(5);
  ContainerStack stack(mode, 17);
  std::vector<LatencySample> out;
  for (int b = 0; b < bursts; ++b) {
    for (int k = 0; k < 20; ++k) {
      const auto t = milliseconds(50) * b + microseconds(20) * k;
      const auto d = stack.ingress(t);
      out.push_back(
          {t, core::Time{std::llround(static_cast<double>(d.total().count()) * scale)}, 0});
    }
  }
  return out;
}

TEST(ContainerFit, RecoversBodyColdAndTailFromIdleBursts) {
  const auto truth = published_ingress();
  const auto samples = idle_bursts(truth, 5000, 1.0);
  const auto fit = fit_direction(samples, FitOptions{});
  const auto& p = fit.params;
  EXPECT_EQ(fit.cold, 5000u);
  EXPECT_TRUE(fit.body_identified && fit.cold_identified && fit.tail_identified);
  EXPECT_FALSE(fit.service_identified);
  EXPECT_EQ(p.service.count(), 0);
  EXPECT_NEAR(us(p.fixed_median), 4.5, 0.05);
  EXPECT_NEAR(p.fixed_sigma, 0.3, 0.05);
  EXPECT_NEAR(us(p.fixed_floor), 3.0, 0.5);
  EXPECT_NEAR(us(p.cold_extra), 10.5, 0.3);
  EXPECT_NEAR(us(p.cold_jitter_sd), 2.0, 0.4);
  // p_tail: binomial, 4 standard errors over 100 000 packets.
  EXPECT_NEAR(p.tail_probability, 0.03, 4 * std::sqrt(0.03 * 0.97 / 100'000));
  EXPECT_NEAR(us(p.tail_median), 225.0, 225.0 * 0.03);
  EXPECT_NEAR(p.tail_sigma, 0.15, 0.03);
  EXPECT_LT(fit.ks_distance, 0.02);
  EXPECT_GT(fit.body_correlation, 0.999);
}

TEST(ContainerFit, TracingInflationIsDividedOut) {
  const auto truth = published_ingress();
  const auto plain = fit_direction(idle_bursts(truth, 2000, 1.0), FitOptions{});
  FitOptions traced;
  traced.tracing_inflation = 2.0;
  const auto halved = fit_direction(idle_bursts(truth, 2000, 2.0), traced);
  EXPECT_NEAR(us(halved.params.fixed_median), us(plain.params.fixed_median), 0.01);
  EXPECT_NEAR(us(halved.params.cold_extra), us(plain.params.cold_extra), 0.01);
  EXPECT_NEAR(us(halved.params.tail_median), us(plain.params.tail_median), 0.1);
}

TEST(ContainerFit, RecoversTheServiceTimeFromALoadedQueue) {
  auto truth = published_ingress();
  truth.tail_probability = 0;
  truth.service = microseconds(10);
  truth.service_cv = 0.5;
  ModeParams mode;
  mode.mode = NetworkMode::kBridgeNat;
  mode.ingress = truth;
  mode.cold_gap = milliseconds(5);
  ContainerStack stack(mode, 5);
  auto rng = core::make_rng(5, 1);
  std::vector<LatencySample> samples;
  double t = 0;
  for (int i = 0; i < 100'000; ++i) {
    t += core::exponential(rng, 10e6 / 0.7);  // rho 0.7, ps
    const core::Time at{std::llround(t)};
    samples.push_back({at, stack.ingress(at).total(), 0});
  }
  const auto fit = fit_direction(samples, FitOptions{});
  ASSERT_TRUE(fit.service_identified) << fit.service_pairs;
  EXPECT_NEAR(us(fit.params.service), 10.0, 1.0);
  EXPECT_NEAR(us(fit.params.fixed_median), 4.5, 0.25);
  // Under load the fit is approximate (undetected short waits, service CV inflated by body
  // noise): measured KS about 0.07 here, against 0.01 for idle data.
  EXPECT_LT(fit.ks_distance, 0.1) << "service cv " << fit.params.service_cv;
}

TEST(ContainerFit, KsDistanceOfAHandCase) {
  std::vector<double> a = {1, 2, 3, 4}, b = {3, 4, 5, 6};
  EXPECT_DOUBLE_EQ(ks_distance(a, b), 0.5);
  std::vector<double> c = {1, 2}, d = {1, 2};
  EXPECT_DOUBLE_EQ(ks_distance(c, d), 0.0);
}

TEST(ContainerFit, RejectsTooFewSamplesAndBadInflation) {
  std::vector<LatencySample> few(5, LatencySample{microseconds(1), microseconds(5), 0});
  EXPECT_THROW(fit_direction(few, FitOptions{}), std::invalid_argument);
  std::vector<LatencySample> enough(20, LatencySample{microseconds(1), microseconds(5), 0});
  FitOptions bad;
  bad.tracing_inflation = 0;
  EXPECT_THROW(fit_direction(enough, bad), std::invalid_argument);
}

}  // namespace
}  // namespace rlisim::models::container
