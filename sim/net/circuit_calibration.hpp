#pragma once
// A WAN circuit's one-way propagation and Weibull jitter, solved from its measured round-trip
// min, mean and 99th percentile.

#include "sim/core/time.hpp"
#include "sim/net/topology.hpp"

namespace rlisim::net {

/// Round-trip statistics of a circuit: what a ping or netperf UDP_RR run reports.
struct CircuitRtt {
  core::Time min{};
  core::Time mean{};
  core::Time p99{};
};

/// The quantile of the RTT distribution that stands for a published "min".
///
/// A published min is the smallest of N probes, and E[F(min of N)] = 1 / (N + 1) exactly for
/// any continuous F, so the min of N probes estimates the 1/(N+1) quantile. The Docker-overlay
/// study's mins come from about 1e5-1e6 netperf transactions; 1e-5 is the low end of that.
/// Why not the infimum (2 x propagation)? For shapes above about 2 the jitter sum has very
/// little mass near zero, and the min of 1e5 probes sits tens of microseconds above the
/// infimum, so calibrating to the infimum would put the simulated sample min visibly above the
/// published one. Why not the 0.1 % quantile? A 1e5-probe min lies far below it. The
/// simulated sample min of `rlisim topology rtt` (1e5 probes by default) estimates the same
/// quantile.
inline constexpr double kCircuitMinQuantile = 1e-5;

/// Shapes the calibration searches (the Weibull family's reach, see calibrate_circuit()).
inline constexpr double kCircuitMinShape = 0.3;
inline constexpr double kCircuitMaxShape = 30.0;

/// CDF of S = W1 + W2, two independent Weibull(shape k, scale 1) variates, at x >= 0.
///
/// Numeric convolution: P(S <= x) = 2 * integral_0^{x/2} f(w) F(x - w) dw - F(x/2)^2 (the
/// region {S <= x} is the union of {W1 <= x/2, S <= x} and {W2 <= x/2, S <= x}, which overlap
/// in {W1, W2 <= x/2}), by tanh-sinh quadrature, which copes with the w^(k-1) endpoint
/// singularity of shapes below 1. Deterministic (no sampling). k = 1 is the gamma(2) CDF
/// 1 - e^-x (1 + x).
/// @throws std::invalid_argument if shape <= 0 or x < 0.
double weibull_pair_cdf(double x, double shape);

/// The q-quantile of S (as weibull_pair_cdf), q in (0, 1), by bisection to 1e-12 relative.
/// @throws std::invalid_argument if q is not in (0, 1) or shape <= 0.
double weibull_pair_quantile(double q, double shape);

/// RTT statistics of a circuit whose round trip is 2 x propagation + J1 + J2, with J1, J2 two
/// independent draws of `jitter` (one per direction): min as the `min_quantile` quantile (0:
/// the infimum, 2 x propagation), mean, and the 0.99 quantile. Exact up to quadrature error.
CircuitRtt circuit_rtt(core::Time propagation, const LinkJitter& jitter,
                       double min_quantile = kCircuitMinQuantile);

/// One-way parameters of a calibrated circuit (the same in both directions).
struct CircuitCalibration {
  core::Time propagation{};
  LinkJitter jitter;
};

/// Solves propagation P and jitter (mean, shape k) so that 2P + J1 + J2 has the target min
/// (as the `min_quantile` quantile), mean and p99.
///
/// Method: the jitter is scale x W with W a unit-scale Weibull of shape k, so every RTT
/// statistic minus 2P is the scale times the same statistic of S = W1 + W2. The ratio
/// (p99 - min) / (mean - min) = (q99(S) - qmin(S)) / (E S - qmin(S)) therefore depends on k
/// only, and falls as k grows (a larger shape concentrates the jitter): bisection on log k in
/// [kCircuitMinShape, kCircuitMaxShape] matches it, with E S = 2 Gamma(1 + 1/k) and the
/// quantiles from weibull_pair_quantile(). Then scale = (mean - min) / (E S - qmin(S)) and
/// P = (min - scale qmin(S)) / 2. k is rounded to 4 decimals before the scale is computed, and
/// P and the jitter mean to whole nanoseconds, so the result is the same on every platform
/// (the rounding moves the statistics by less than 0.01 us).
/// @throws std::invalid_argument saying which condition fails: min < mean < p99 is required,
///         the ratio must lie within the family's reach for shapes in
///         [kCircuitMinShape, kCircuitMaxShape], and the implied propagation must not be
///         negative.
CircuitCalibration calibrate_circuit(const CircuitRtt& target,
                                     double min_quantile = kCircuitMinQuantile);

}  // namespace rlisim::net
