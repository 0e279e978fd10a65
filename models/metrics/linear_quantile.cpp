#include "models/metrics/linear_quantile.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace rlisim::models {

LinearQuantilePosition linear_quantile_position(std::uint64_t n, double q) {
  assert(n >= 1 && q >= 0 && q <= 1);
  const double h = static_cast<double>(n - 1) * q;
  const double lower = std::floor(h);
  // h <= n - 1 in exact arithmetic; the clamp only guards counts beyond 2^53, where n - 1 is
  // not a double.
  const auto rank = std::min(static_cast<std::uint64_t>(lower), n - 1);
  return {.lower_rank = rank, .fraction = rank == n - 1 ? 0.0 : h - lower};
}

double interpolate_order_statistics(double lower, double upper, double fraction) {
  const double diff = upper - lower;
  return fraction >= 0.5 ? upper - diff * (1 - fraction) : lower + diff * fraction;
}

}  // namespace rlisim::models
