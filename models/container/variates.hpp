#pragma once
// Portable random variates (normal, gamma) on core::uniform01.

#include <random>

#include "sim/core/normal.hpp"

namespace rlisim::models::container {

/// Standard normal variate by Box-Muller (two uniforms per call; the second normal is dropped
/// so that the generator state depends only on the number of calls). Portable, unlike
/// std::normal_distribution.
double standard_normal(std::mt19937_64& rng);

/// Gamma variate with the given shape (> 0) and scale 1: Marsaglia-Tsang (2000) squeeze, with
/// the boost U^(1/shape) for shape < 1.
double gamma_variate(std::mt19937_64& rng, double shape);

using core::normal_cdf;
using core::normal_quantile;

}  // namespace rlisim::models::container
