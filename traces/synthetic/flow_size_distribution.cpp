#include "traces/synthetic/flow_size_distribution.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "traces/synthetic/sampling.hpp"

namespace rlisim::traces {
namespace {

// Largest count whose every integer is exact in a double.
constexpr double kMaxPackets = 9007199254740992.0;

// integral_L^H x^(e - 1) dx, stable for e near 0: L^e * expm1(e ln(H/L)) / e.
double power_integral(double e, double low, double high) {
  const double log_ratio = std::log(high / low);
  if (e == 0)
    return log_ratio;
  return std::pow(low, e) * std::expm1(e * log_ratio) / e;
}

void require(bool ok, std::string_view key, double value, std::string_view expected) {
  if (!ok) {
    throw core::ConfigError(fmt::format("flow_size.{} = {}: expected {}", key, value, expected));
  }
}

}  // namespace

std::string_view to_string(FlowSizeModel model) {
  return model == FlowSizeModel::kPareto ? "pareto" : "lognormal";
}

FlowSizeDistribution::FlowSizeDistribution(const FlowSizeConfig& config) : config_(config) {
  const double low = config.min_packets;
  const double high = config.max_packets;
  require(std::isfinite(low) && low >= 1, "min_packets", low, "a finite number >= 1");
  require(std::isfinite(high) && high >= low && high <= kMaxPackets, "max_packets", high,
          fmt::format("a number in [min_packets = {}, 2^53]", low));
  if (config.model == FlowSizeModel::kPareto) {
    const double a = config.alpha;
    require(std::isfinite(a) && a > 0 && a <= 10, "alpha", a, "a Pareto shape in (0, 10]");
    // Truncated density a L^a x^(-a-1) / mass on [L, H], mass = 1 - (L/H)^a.
    pareto_mass_ = -std::expm1(a * std::log(low / high));
    if (pareto_mass_ <= 0) {
      // Degenerate support (L == H): a point mass.
      mean_ = low;
      second_moment_ = low * low;
      return;
    }
    const double scale = a * std::pow(low, a) / pareto_mass_;
    mean_ = scale * power_integral(1 - a, low, high);
    second_moment_ = scale * power_integral(2 - a, low, high);
  } else {
    const double mu = config.lognormal_mu;
    const double sigma = config.lognormal_sigma;
    require(std::isfinite(mu), "lognormal_mu", mu, "a finite number (ln packets)");
    require(std::isfinite(sigma) && sigma > 0 && sigma <= 10, "lognormal_sigma", sigma,
            "a number in (0, 10] (ln packets)");
    const double a = (std::log(low) - mu) / sigma;
    const double b = (std::log(high) - mu) / sigma;
    cdf_low_ = normal_cdf(a);
    cdf_high_ = normal_cdf(b);
    const double mass = cdf_high_ - cdf_low_;
    if (!(mass > 1e-300) || low == high) {
      throw core::ConfigError(fmt::format(
          "flow_size: the lognormal(mu = {}, sigma = {}) puts no mass on [{}, {}] packets; "
          "expected lognormal_mu near ln of a typical flow size",
          mu, sigma, low, high));
    }
    mean_ =
        std::exp(mu + sigma * sigma / 2) * (normal_cdf(b - sigma) - normal_cdf(a - sigma)) / mass;
    second_moment_ = std::exp(2 * mu + 2 * sigma * sigma) *
                     (normal_cdf(b - 2 * sigma) - normal_cdf(a - 2 * sigma)) / mass;
  }
}

double FlowSizeDistribution::quantile(double u) const {
  const double low = config_.min_packets;
  const double high = config_.max_packets;
  double x = low;
  if (config_.model == FlowSizeModel::kPareto) {
    if (pareto_mass_ <= 0)
      return low;
    // F(x) = (1 - (L/x)^a) / mass  =>  x = L (1 - u mass)^(-1/a).
    x = low * std::pow(1.0 - u * pareto_mass_, -1.0 / config_.alpha);
  } else {
    const double p = cdf_low_ + u * (cdf_high_ - cdf_low_);
    x = std::exp(config_.lognormal_mu + config_.lognormal_sigma * normal_quantile(p));
  }
  // Rounding at the ends of the support must not leave it.
  return x < low ? low : (x > high ? high : x);
}

double FlowSizeDistribution::cdf(double x) const {
  const double low = config_.min_packets;
  if (x <= low)
    return 0.0;
  if (x >= config_.max_packets)
    return 1.0;
  double p = 0;
  if (config_.model == FlowSizeModel::kPareto) {
    if (pareto_mass_ <= 0)
      return 1.0;
    p = -std::expm1(config_.alpha * std::log(low / x)) / pareto_mass_;
  } else {
    const double z = (std::log(x) - config_.lognormal_mu) / config_.lognormal_sigma;
    p = (normal_cdf(z) - cdf_low_) / (cdf_high_ - cdf_low_);
  }
  return p < 0 ? 0.0 : (p > 1 ? 1.0 : p);
}

double FlowSizeDistribution::probability_at_least(std::uint64_t n) const {
  if (n <= 1)
    return 1.0;
  // K >= n when X >= n, or when X lies in [n - 1, n) and the rounding goes up, which it does
  // with probability X - (n - 1): integrate that over the quantiles of [n - 1, n).
  const double below = static_cast<double>(n - 1);
  const double u0 = cdf(below);
  const double u1 = cdf(below + 1);
  constexpr int kSteps = 4096;
  double partial = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double u = u0 + (u1 - u0) * (i + 0.5) / kSteps;
    partial += quantile(u) - below;
  }
  return (1.0 - u1) + partial * (u1 - u0) / kSteps;
}

std::string FlowSizeDistribution::describe() const {
  if (config_.model == FlowSizeModel::kPareto) {
    return fmt::format("pareto(alpha={}, {}..{} packets, mean {:.3f})", config_.alpha,
                       config_.min_packets, config_.max_packets, mean_);
  }
  return fmt::format("lognormal(mu={}, sigma={}, {}..{} packets, mean {:.3f})",
                     config_.lognormal_mu, config_.lognormal_sigma, config_.min_packets,
                     config_.max_packets, mean_);
}

}  // namespace rlisim::traces
