#pragma once
// The standard normal CDF and quantile, shared by the synthetic traffic generators and the
// container-stack model. Pure functions, deterministic across platforms up to libm.

namespace rlisim::core {

/// Standard normal CDF Phi(x).
double normal_cdf(double x);

/// Standard normal quantile Phi^-1(p) for p in (0, 1): Acklam's rational approximation refined
/// by one Halley step (relative error below 1e-14). Returns -inf / +inf at p = 0 / 1.
double normal_quantile(double p);

}  // namespace rlisim::core
