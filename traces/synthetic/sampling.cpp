#include "traces/synthetic/sampling.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "sim/core/rng.hpp"

namespace rlisim::traces {

double uniform_open01(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

double van_der_corput(std::uint64_t n) {
  std::uint64_t r = n;
  r = ((r >> 1) & 0x5555555555555555ULL) | ((r & 0x5555555555555555ULL) << 1);
  r = ((r >> 2) & 0x3333333333333333ULL) | ((r & 0x3333333333333333ULL) << 2);
  r = ((r >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((r & 0x0F0F0F0F0F0F0F0FULL) << 4);
  r = ((r >> 8) & 0x00FF00FF00FF00FFULL) | ((r & 0x00FF00FF00FF00FFULL) << 8);
  r = ((r >> 16) & 0x0000FFFF0000FFFFULL) | ((r & 0x0000FFFF0000FFFFULL) << 16);
  r = (r >> 32) | (r << 32);
  return static_cast<double>(r >> 11) * 0x1.0p-53;
}

double rotate01(double x, double shift) {
  const double y = x + shift;
  return y >= 1.0 ? y - 1.0 : y;
}

double pareto_scale_for_mean(double alpha, double mean) {
  return mean * (alpha - 1) / alpha;
}

double pareto_variate(std::mt19937_64& rng, double alpha, double x_m) {
  // 1 - U lies in (0, 1], so the power is finite.
  return x_m * std::pow(1.0 - core::uniform01(rng), -1.0 / alpha);
}

}  // namespace rlisim::traces
