#include "sim/net/circuit_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <fmt/format.h>

namespace rlisim::net {
namespace {

// Unit-scale Weibull CDF, accurate for small arguments.
double weibull_cdf(double x, double shape) {
  return x <= 0 ? 0.0 : -std::expm1(-std::pow(x, shape));
}

double weibull_pdf(double x, double shape) {
  if (x <= 0)
    return 0.0;
  const double xk = std::pow(x, shape);
  return shape * xk / x * std::exp(-xk);
}

double pair_mean(double shape) {
  return 2.0 * std::tgamma(1.0 + 1.0 / shape);
}

// (p99 - min) / (mean - min) of S for shape k: the statistic the shape is solved for.
double spread_ratio(double shape, double min_quantile) {
  const double lo = min_quantile > 0 ? weibull_pair_quantile(min_quantile, shape) : 0.0;
  return (weibull_pair_quantile(0.99, shape) - lo) / (pair_mean(shape) - lo);
}

double ms(core::Time t) {
  return static_cast<double>(t.count()) * 1e-9;
}

}  // namespace

double weibull_pair_cdf(double x, double shape) {
  if (!(shape > 0) || !std::isfinite(shape))
    throw std::invalid_argument("weibull_pair_cdf: shape must be positive");
  if (!(x >= 0))
    throw std::invalid_argument("weibull_pair_cdf: x must be >= 0");
  if (x == 0)
    return 0.0;
  if (std::isinf(x))
    return 1.0;
  // One integrator per thread: its abscissa tables are built once (not const: Boost 1.74
  // declares integrate() const but defines it non-const).
  thread_local boost::math::quadrature::tanh_sinh<double> integrator;
  const double half = x / 2;
  const double inner = integrator.integrate(
      [&](double w) { return weibull_pdf(w, shape) * weibull_cdf(x - w, shape); }, 0.0, half);
  const double f_half = weibull_cdf(half, shape);
  const double p = 2.0 * inner - f_half * f_half;
  return std::clamp(p, 0.0, 1.0);
}

double weibull_pair_quantile(double q, double shape) {
  if (!(q > 0 && q < 1))
    throw std::invalid_argument("weibull_pair_quantile: q must be in (0, 1)");
  if (!(shape > 0) || !std::isfinite(shape))
    throw std::invalid_argument("weibull_pair_quantile: shape must be positive");
  double lo = 0.0;
  double hi = 1.0;
  while (weibull_pair_cdf(hi, shape) < q) {
    lo = hi;
    hi *= 2;
  }
  // Bracket from below too, so that tiny quantiles keep their relative precision.
  while (lo == 0.0 && weibull_pair_cdf(hi / 2, shape) >= q && hi > 1e-300)
    hi /= 2;
  if (lo == 0.0)
    lo = hi / 2;
  while (hi - lo > 1e-12 * hi) {
    const double mid = (lo + hi) / 2;
    (weibull_pair_cdf(mid, shape) < q ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

CircuitRtt circuit_rtt(core::Time propagation, const LinkJitter& jitter, double min_quantile) {
  const double base = 2.0 * static_cast<double>(propagation.count());
  if (!jitter.enabled())
    return CircuitRtt{2 * propagation, 2 * propagation, 2 * propagation};
  const double scale =
      static_cast<double>(jitter.mean.count()) / std::tgamma(1.0 + 1.0 / jitter.shape);
  const auto at = [&](double s) { return core::Time{std::llround(base + scale * s)}; };
  const double lo = min_quantile > 0 ? weibull_pair_quantile(min_quantile, jitter.shape) : 0.0;
  return CircuitRtt{at(lo), at(pair_mean(jitter.shape)),
                    at(weibull_pair_quantile(0.99, jitter.shape))};
}

CircuitCalibration calibrate_circuit(const CircuitRtt& target, double min_quantile) {
  if (!(min_quantile >= 0 && min_quantile < 0.5))
    throw std::invalid_argument("circuit calibration: min_quantile must be in [0, 0.5)");
  const auto stats = fmt::format("RTT min {:.4f} ms, mean {:.4f} ms, p99 {:.4f} ms", ms(target.min),
                                 ms(target.mean), ms(target.p99));
  if (!(target.min.count() >= 0 && target.min < target.mean && target.mean < target.p99)) {
    throw std::invalid_argument(fmt::format(
        "{}: a jittered circuit needs 0 <= min < mean < p99 (a circuit without jitter has "
        "min = mean = p99: give its propagation instead)",
        stats));
  }
  const double ratio = static_cast<double>((target.p99 - target.min).count()) /
                       static_cast<double>((target.mean - target.min).count());
  // The ratio falls as the shape grows: bisection on log(shape).
  const double ratio_lo = spread_ratio(kCircuitMaxShape, min_quantile);
  const double ratio_hi = spread_ratio(kCircuitMinShape, min_quantile);
  if (!(ratio > ratio_lo && ratio < ratio_hi)) {
    throw std::invalid_argument(
        fmt::format("{}: (p99 - min) / (mean - min) = {:.3f} is outside ({:.3f}, {:.3f}), what two "
                    "Weibull jitters of shape {} to {} can give",
                    stats, ratio, ratio_lo, ratio_hi, kCircuitMinShape, kCircuitMaxShape));
  }
  double lo = std::log(kCircuitMinShape);
  double hi = std::log(kCircuitMaxShape);
  while (hi - lo > 1e-7) {
    const double mid = (lo + hi) / 2;
    (spread_ratio(std::exp(mid), min_quantile) > ratio ? lo : hi) = mid;
  }
  const double shape = std::round(std::exp((lo + hi) / 2) * 1e4) / 1e4;
  const double q_lo = min_quantile > 0 ? weibull_pair_quantile(min_quantile, shape) : 0.0;
  const double scale =
      static_cast<double>((target.mean - target.min).count()) / (pair_mean(shape) - q_lo);
  const double propagation_ps = (static_cast<double>(target.min.count()) - scale * q_lo) / 2;
  if (propagation_ps < 0) {
    throw std::invalid_argument(
        fmt::format("{}: the jitter this spread needs alone exceeds the min (propagation would "
                    "be {:.4f} ms)",
                    stats, propagation_ps * 1e-9));
  }
  const auto to_ns = [](double ps) { return core::Time{std::llround(ps / 1e3) * 1000}; };
  CircuitCalibration c;
  c.propagation = to_ns(propagation_ps);
  c.jitter.shape = shape;
  c.jitter.mean = to_ns(scale * std::tgamma(1.0 + 1.0 / shape));
  return c;
}

}  // namespace rlisim::net
