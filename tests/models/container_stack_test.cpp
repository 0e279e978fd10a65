// Container stack model: the warm body, cold rule, queue and tail against closed forms.

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "models/container/stack_model.hpp"
#include "models/container/variates.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::container {
namespace {

using core::microseconds;
using core::milliseconds;

double us(core::Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}

/// A mode whose directions have only what the test sets (everything else zero).
ModeParams bare_mode() {
  ModeParams p;
  p.mode = NetworkMode::kBridgeNat;
  p.cold_gap = milliseconds(1);
  return p;
}

/// The sample quantile's two-sided ~99.99 % band (normal approximation of the binomial count
/// of samples below the true quantile), mapped through the closed-form quantile function.
template <typename Quantile>
void expect_quantile_within_band(std::vector<double> x, double p, Quantile closed_form) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  const double half = 4.0 * std::sqrt(p * (1 - p) / n);
  const double got = x[static_cast<std::size_t>(p * n)];
  EXPECT_GE(got, closed_form(p - half)) << "quantile " << p;
  EXPECT_LE(got, closed_form(p + half)) << "quantile " << p;
}

TEST(ContainerStack, HostModeIsExactlyZero) {
  ModeParams p;
  p.mode = NetworkMode::kHost;
  p.cold_gap = milliseconds(5);
  ContainerStack stack(p, 7, 4, 2);
  for (int i = 0; i < 1000; ++i) {
    const auto t = microseconds(i * 3);
    EXPECT_EQ(stack.egress(t, static_cast<std::uint32_t>(i % 2)).total().count(), 0);
    EXPECT_EQ(stack.ingress(t, static_cast<std::uint32_t>(i % 4)).total().count(), 0);
  }
}

TEST(ContainerStack, WarmBodyQuantilesMatchTheShiftedLogNormal) {
  auto p = bare_mode();
  p.egress.fixed_floor = microseconds(3);
  p.egress.fixed_median = core::nanoseconds(4500);
  p.egress.fixed_sigma = 0.3;
  ContainerStack stack(p, 11);
  std::vector<double> x;
  for (int i = 0; i < 200'000; ++i)
    x.push_back(us(stack.egress(microseconds(i)).fixed));
  const auto q = [](double prob) { return 3.0 + 1.5 * std::exp(0.3 * normal_quantile(prob)); };
  for (double prob : {0.05, 0.25, 0.5, 0.75, 0.95})
    expect_quantile_within_band(x, prob, q);
  EXPECT_GE(*std::min_element(x.begin(), x.end()), 3.0);
}

TEST(ContainerStack, ColdRuleIsPerServerAndUsesTheGap) {
  auto p = bare_mode();
  p.egress.cold_extra = microseconds(10);
  p.ingress.cold_extra = microseconds(20);
  ContainerStack stack(p, 3, 2, 2);
  // First packet on a server is cold; a gap of exactly cold_gap is cold; shorter is hot.
  EXPECT_EQ(stack.ingress(microseconds(0), 0).cold, microseconds(20));
  EXPECT_EQ(stack.ingress(microseconds(500), 0).cold.count(), 0);
  EXPECT_EQ(stack.ingress(microseconds(1500), 0).cold, microseconds(20));
  EXPECT_EQ(stack.ingress(microseconds(2499), 0).cold.count(), 0);
  EXPECT_EQ(stack.ingress(microseconds(2600), 1).cold, microseconds(20));  // other queue
  EXPECT_EQ(stack.ingress(microseconds(2700), 1).cold.count(), 0);
  // Egress keeps its own per-CPU state.
  EXPECT_EQ(stack.egress(microseconds(2700), 0).cold, microseconds(10));
  EXPECT_EQ(stack.egress(microseconds(2800), 1).cold, microseconds(10));
  EXPECT_EQ(stack.egress(microseconds(2900), 0).cold.count(), 0);
  EXPECT_EQ(stack.egress(microseconds(3900), 0).cold, microseconds(10));
}

TEST(ContainerStack, ColdJitterHasTheConfiguredSpread) {
  auto p = bare_mode();
  p.egress.cold_extra = microseconds(10);
  p.egress.cold_jitter_sd = microseconds(2);
  ContainerStack stack(p, 5);
  const int n = 40'000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double c = us(stack.egress(milliseconds(2 * i)).cold);  // every packet cold
    sum += c;
    sum2 += c * c;
  }
  const double mean = sum / n;
  const double sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 10.0, 4.0 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(sd, 2.0, 4.0 * 2.0 / std::sqrt(2.0 * n));
}

/// Mean queue wait of a Poisson stream through the ingress queue, with its 99 % batch-means
/// confidence half-width (40 batches, Student t with 39 degrees of freedom).
struct WaitEstimate {
  double mean = 0, half_width = 0;
};

WaitEstimate simulate_wait(double rho, double service_us, double cv, std::uint64_t seed) {
  auto p = bare_mode();
  p.ingress.service = core::nanoseconds(static_cast<std::int64_t>(service_us * 1000));
  p.ingress.service_cv = cv;
  ContainerStack stack(p, seed);
  auto arrivals = core::make_rng(seed, 99);
  const double mean_gap_ps = service_us * 1e6 / rho;
  constexpr int kBatches = 40;
  constexpr int kPerBatch = 50'000;
  constexpr int kWarmup = 20'000;
  double t = 0;
  std::vector<double> batch(kBatches, 0.0);
  for (int i = 0; i < kWarmup + kBatches * kPerBatch; ++i) {
    t += core::exponential(arrivals, mean_gap_ps);
    const auto d = stack.ingress(core::Time{std::llround(t)});
    if (i >= kWarmup)
      batch[(i - kWarmup) / kPerBatch] += us(d.queue) / kPerBatch;
  }
  WaitEstimate e;
  for (double b : batch)
    e.mean += b / kBatches;
  double var = 0;
  for (double b : batch)
    var += (b - e.mean) * (b - e.mean) / (kBatches - 1);
  e.half_width = 2.708 * std::sqrt(var / kBatches);
  return e;
}

double pollaczek_khinchine(double rho, double s, double cv) {
  return rho * s * (1 + cv * cv) / (2 * (1 - rho));
}

TEST(ContainerStack, IngressQueueWaitMatchesPollaczekKhinchineAtRhoHalf) {
  const auto e = simulate_wait(0.5, 10.0, 0.5, 21);
  EXPECT_NEAR(e.mean, pollaczek_khinchine(0.5, 10.0, 0.5), e.half_width);
}

TEST(ContainerStack, IngressQueueWaitMatchesPollaczekKhinchineAtRhoEightTenths) {
  const auto e = simulate_wait(0.8, 10.0, 0.5, 22);
  EXPECT_NEAR(e.mean, pollaczek_khinchine(0.8, 10.0, 0.5), e.half_width);
}

TEST(ContainerStack, DeterministicServiceQueuesBackToBackPackets) {
  auto p = bare_mode();
  p.egress.service = microseconds(8);
  ContainerStack stack(p, 1);
  // Three packets at once: waits 0, 8, 16; a packet after the server drained waits 0.
  EXPECT_EQ(stack.egress(microseconds(100)).queue.count(), 0);
  EXPECT_EQ(stack.egress(microseconds(100)).queue, microseconds(8));
  EXPECT_EQ(stack.egress(microseconds(100)).queue, microseconds(16));
  EXPECT_EQ(stack.egress(microseconds(110)).queue, microseconds(14));
  EXPECT_EQ(stack.egress(microseconds(200)).queue.count(), 0);
}

TEST(ContainerStack, HostSkbsOccupyTheRxQueueButDoNotWarmTheContainerPath) {
  auto p = bare_mode();
  p.ingress.service = microseconds(10);
  p.ingress.cold_extra = microseconds(5);
  ContainerStack stack(p, 1);
  // Two host skbs at once: waits 0 and 10; the server is busy until 20.
  EXPECT_EQ(stack.host_ingress(microseconds(100)).count(), 0);
  EXPECT_EQ(stack.host_ingress(microseconds(100)), microseconds(10));
  // A container packet at 105 queues behind both (15) and is still cold: host traffic does
  // not touch the container path.
  const auto d = stack.ingress(microseconds(105));
  EXPECT_EQ(d.queue, microseconds(15));
  EXPECT_EQ(d.cold, microseconds(5));
  EXPECT_EQ(d.fixed.count(), 0);
  // Host traffic in between does not keep the path warm either: 0.5 ms later it is hot.
  stack.host_ingress(microseconds(400));
  EXPECT_EQ(stack.ingress(microseconds(605)).cold.count(), 0);
  EXPECT_THROW(stack.host_ingress(microseconds(600)), core::InvariantError);
}

TEST(ContainerStack, TailFractionAndMedianMatchTheParameters) {
  auto p = bare_mode();
  p.ingress.tail_probability = 0.03;
  p.ingress.tail_median = microseconds(225);
  p.ingress.tail_sigma = 0.15;
  ContainerStack stack(p, 9);
  const int n = 300'000;
  std::vector<double> tails;
  for (int i = 0; i < n; ++i) {
    const auto d = stack.ingress(microseconds(i));
    if (d.tail.count() > 0)
      tails.push_back(us(d.tail));
  }
  const double phat = static_cast<double>(tails.size()) / n;
  EXPECT_NEAR(phat, 0.03, 4.0 * std::sqrt(0.03 * 0.97 / n));  // binomial, ~99.99 %
  const auto q = [](double prob) { return 225.0 * std::exp(0.15 * normal_quantile(prob)); };
  expect_quantile_within_band(tails, 0.5, q);
}

TEST(ContainerStack, SameSeedSameDelaysDifferentSeedDifferentDelays) {
  ModeParams p = bare_mode();
  p.egress.fixed_floor = microseconds(3);
  p.egress.fixed_median = microseconds(5);
  p.egress.fixed_sigma = 0.3;
  p.ingress = p.egress;
  p.ingress.service = microseconds(10);
  p.ingress.service_cv = 0.5;
  p.ingress.tail_probability = 0.1;
  p.ingress.tail_median = microseconds(200);
  ContainerStack a(p, 42), b(p, 42), c(p, 43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const auto t = microseconds(4 * i);
    const auto ea = a.egress(t), eb = b.egress(t), ec = c.egress(t);
    const auto ia = a.ingress(t), ib = b.ingress(t), ic = c.ingress(t);
    ASSERT_EQ(ea.total(), eb.total());
    ASSERT_EQ(ia.total(), ib.total());
    differs = differs || ea.total() != ec.total() || ia.total() != ic.total();
  }
  EXPECT_TRUE(differs);
}

TEST(ContainerStack, EgressDrawsDoNotDependOnIngressCalls) {
  ModeParams p = bare_mode();
  p.egress.fixed_floor = microseconds(3);
  p.egress.fixed_median = microseconds(5);
  p.egress.fixed_sigma = 0.3;
  p.ingress = p.egress;
  ContainerStack a(p, 1), b(p, 1);
  for (int i = 0; i < 100; ++i) {
    a.ingress(microseconds(i));
    EXPECT_EQ(a.egress(microseconds(i)).fixed, b.egress(microseconds(i)).fixed);
  }
}

TEST(ContainerStack, RejectsInvalidParametersWithTheirName) {
  auto p = bare_mode();
  p.ingress.fixed_floor = microseconds(5);
  p.ingress.fixed_median = microseconds(4);
  try {
    ContainerStack stack(p, 1);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bridge-nat ingress: fixed_median"), std::string::npos)
        << e.what();
  }
  auto q = bare_mode();
  q.egress.tail_probability = 1.5;
  EXPECT_THROW(ContainerStack(q, 1), std::invalid_argument);
  auto r = bare_mode();
  r.cold_gap = core::Time{0};
  EXPECT_THROW(ContainerStack(r, 1), std::invalid_argument);
  EXPECT_THROW(ContainerStack(bare_mode(), 1, 0, 1), std::invalid_argument);
}

TEST(ContainerStack, RejectsOutOfRangeQueuesAndTimeGoingBackwards) {
  ContainerStack stack(bare_mode(), 1, 2, 1);
  EXPECT_THROW(stack.ingress(microseconds(1), 2), core::InvariantError);
  EXPECT_THROW(stack.egress(microseconds(1), 1), core::InvariantError);
  stack.ingress(microseconds(10), 0);
  EXPECT_THROW(stack.ingress(microseconds(9), 0), core::InvariantError);
  EXPECT_NO_THROW(stack.ingress(microseconds(9), 1));
}

TEST(ContainerStack, NetworkModeNamesRoundTrip) {
  for (auto mode : kAllNetworkModes)
    EXPECT_EQ(parse_network_mode(to_string(mode)), mode);
  EXPECT_EQ(to_string(NetworkMode::kBridgeNat), "bridge-nat");
  EXPECT_EQ(to_string(NetworkMode::kVxlanOverlay), "vxlan");
  EXPECT_FALSE(parse_network_mode("Bridge").has_value());
}

TEST(Variates, GammaHasTheRequestedMeanAndVariance) {
  auto rng = core::make_rng(4, 0);
  for (double shape : {0.5, 4.0}) {
    const int n = 200'000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double g = gamma_variate(rng, shape);
      sum += g;
      sum2 += g * g;
    }
    const double mean = sum / n;
    const double var = sum2 / n - mean * mean;
    // Gamma(k, 1): mean k, variance k, fourth central moment 3k^2 + 6k.
    EXPECT_NEAR(mean, shape, 4.0 * std::sqrt(shape / n)) << shape;
    EXPECT_NEAR(var, shape, 4.0 * std::sqrt((3 * shape * shape + 6 * shape - shape * shape) / n))
        << shape;
  }
}

TEST(Variates, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-9, 0.001, 0.02, 0.3, 0.5, 0.9, 0.999})
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-12 + 1e-9 * p);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-9);
}

}  // namespace
}  // namespace rlisim::models::container
