#include "models/container/variates.hpp"

#include <cmath>
#include <numbers>

#include "sim/core/rng.hpp"

namespace rlisim::models::container {

double standard_normal(std::mt19937_64& rng) {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const double u1 = 1.0 - core::uniform01(rng);
  const double u2 = core::uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double gamma_variate(std::mt19937_64& rng, double shape) {
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a).
    const double u = 1.0 - core::uniform01(rng);
    return gamma_variate(rng, shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = standard_normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = core::uniform01(rng);
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2)
      return d * v;
    if (u > 0.0 && std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v)))
      return d * v;
  }
}

}  // namespace rlisim::models::container
