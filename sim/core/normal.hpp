#pragma once
// The standard normal CDF and quantile, shared by the synthetic traffic generators and the
// container-stack model. Pure functions, deterministic across platforms up to libm.

namespace rlisim::core {

/// Standard normal CDF Phi(x).
double normal_cdf(double x);

/// Standard normal quantile Phi^-1(p) for p in (0, 1): Acklam's rational approximation refined
/// by one Halley step (relative error below 1e-14). Returns -inf / +inf at p = 0 / 1.
double normal_quantile(double p);

/// Acklam's rational approximation alone (relative error below 1.15e-9, no libm call in the
/// central 95 %): for drawing model parameters, where normal_quantile's extra digits cost an
/// erfc and an exp per draw and change nothing measurable.
double normal_quantile_approx(double p);

}  // namespace rlisim::core
