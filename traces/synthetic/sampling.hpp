#pragma once
// Portable sampling helpers for the synthetic sources: normal quantile, van der Corput points,
// Pareto scale from a mean. All are pure functions, deterministic across platforms up to libm.

#include <cstdint>
#include <random>

#include "sim/core/normal.hpp"

namespace rlisim::traces {

using core::normal_cdf;
using core::normal_quantile;

/// A uniform variate in the open interval (0, 1): core::uniform01 shifted by half a step, so
/// that quantile functions with poles at 0 and 1 stay finite.
double uniform_open01(std::mt19937_64& rng);

/// The base-2 van der Corput point of index n (the bits of n mirrored after the binary point),
/// in [0, 1) with 53 significant bits. Any 2^k consecutive indices starting at a multiple of
/// 2^k put exactly one point in each interval [j / 2^k, (j + 1) / 2^k).
double van_der_corput(std::uint64_t n);

/// The Cranley-Patterson rotation frac(x + shift), for x and shift in [0, 1). A uniformly
/// random shift makes every rotated point exactly uniform on its own, while the set keeps the
/// low discrepancy of the unshifted sequence.
double rotate01(double x, double shift);

/// The Pareto scale x_m for which an (untruncated) Pareto with shape `alpha` > 1 has `mean`:
/// x_m = mean * (alpha - 1) / alpha.
double pareto_scale_for_mean(double alpha, double mean);

/// An (untruncated) Pareto variate with shape `alpha` and scale `x_m`, by inversion of one
/// uniform: x_m * (1 - u)^(-1 / alpha).
double pareto_variate(std::mt19937_64& rng, double alpha, double x_m);

}  // namespace rlisim::traces
