#pragma once
// Random streams: every component draws from its own generator, seeded from (seed, stream id).

#include <cstdint>
#include <random>

namespace rlisim::core {

/// SplitMix64 finaliser: a bijective 64-bit mix, used to derive independent seeds.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The generator for stream `stream` of experiment seed `seed`. Same inputs, same sequence, on
/// every platform (mt19937_64 is fully specified by the standard).
inline std::mt19937_64 make_rng(std::uint64_t seed, std::uint64_t stream) {
  return std::mt19937_64{mix64(mix64(seed) ^ mix64(stream + 0x632be59bd9b4e019ULL))};
}

/// Uniform double in [0, 1) with 53 random bits. Hand-rolled rather than
/// std::uniform_real_distribution because the latter's output is implementation-defined, and
/// outputs must be byte-identical across standard libraries.
inline double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Exponential variate with the given mean, by inversion (portable, unlike the std
/// distributions).
double exponential(std::mt19937_64& rng, double mean);

}  // namespace rlisim::core
