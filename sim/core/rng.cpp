#include "sim/core/rng.hpp"

#include <cmath>

namespace rlisim::core {

double exponential(std::mt19937_64& rng, double mean) {
  // 1 - U lies in (0, 1], so the logarithm is finite.
  return -mean * std::log1p(-uniform01(rng));
}

}  // namespace rlisim::core
