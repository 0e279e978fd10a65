#pragma once
// Fits one direction of the container stack model to per-packet latency samples (from kernel
// traces matched along a MACE event path, or from any other per-packet measurement).
//
// Method (all fitted values are untraced after dividing by the tracing-inflation factor):
//   1. Cold/hot split by the model's gap rule: a sample is cold if no sample of this direction
//      on the same CPU arrived within cold_gap before it (the first one on a CPU is cold).
//   2. Tail: hot or cold samples above a threshold (by default the hot median plus 10 hot
//      inter-quartile ranges, at least 10 µs) are deferral excursions; p_tail is their
//      fraction, their excess over the body median is log-normal (median, and sigma from the
//      log inter-quartile range).
//   3. Body: hot, non-tail samples (excluding those that waited in a queue, see 5) fit the
//      shifted log-normal f0 + LogNormal(mu, sigma) by least squares of ln(x - f0) on normal
//      quantiles (Eigen), profiling f0 over [0, min x) by the probability-plot correlation.
//   4. C_cold: median of cold non-tail samples minus the hot median; its jitter sd from the
//      difference of robust variances (zero if no cold samples: then not identifiable).
//   5. Service: in a FIFO, a packet that arrives while its predecessor is still in service
//      leaves one service time after it. Pairs of consecutive hot, non-tail packets where the
//      second's earliest possible departure (arrival + body median) precedes the first's
//      departure give service-time observations; their mean and their variance
//      minus twice the body variance give S and its CV. Fewer than min_service_pairs such
//      pairs: "not identifiable from this trace" (service 0, no queue).
//   6. Goodness of fit: the Kolmogorov-Smirnov distance between the data and the fitted model
//      driven by the same arrival times (ContainerStack, fixed seed).

#include <cstdint>
#include <span>
#include <string>

#include "models/container/stack_model.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models::container {

/// One packet's latency through one direction.
struct LatencySample {
  core::Time arrival{};   ///< when the packet entered the direction (start event)
  core::Time latency{};   ///< end minus start
  std::uint32_t cpu = 0;  ///< the CPU (egress) or RX queue (ingress) that handled it
};

struct FitOptions {
  core::Time cold_gap = core::milliseconds(5);  ///< g0 of the gap rule
  /// Traced latencies are divided by this (container.md §1.4: tracing inflates about 2x).
  double tracing_inflation = 1.0;
  /// Tail threshold; 0 means automatic (hot median + 10 hot inter-quartile ranges, >= 10 µs).
  core::Time tail_threshold{};
  /// Minimum queued pairs for the service time to count as identifiable.
  std::size_t min_service_pairs = 30;
  /// Seed of the model run behind the KS distance.
  std::uint64_t seed = 1;
};

struct DirectionFit {
  DirectionParams params;
  std::size_t samples = 0, cold = 0, hot = 0, tail = 0, service_pairs = 0;
  bool body_identified = false;     ///< at least 10 hot body samples
  bool cold_identified = false;     ///< at least 3 cold body samples
  bool tail_identified = false;     ///< at least 3 tail samples
  bool service_identified = false;  ///< at least min_service_pairs queued pairs
  /// No hot packets (e.g. idle probes only): the body was fitted to the cold packets, so F
  /// holds F + C_cold and cold_extra is 0 (the two are not separable from such a trace).
  bool cold_folded_into_body = false;
  double body_correlation = 0;               ///< probability-plot correlation of the body fit
  double ks_distance = 0;                    ///< sup |F_data - F_model| over all samples
  core::Time data_median{}, model_median{};  ///< medians (after the inflation correction)
};

/// Fits one direction.
/// @throws std::invalid_argument if there are fewer than 10 samples, the inflation factor is
/// below 0.1 (or not finite), cold_gap is not positive, or a latency is negative.
DirectionFit fit_direction(std::span<const LatencySample> samples, const FitOptions& options);

/// The Kolmogorov-Smirnov distance between two samples (sorted in place).
double ks_distance(std::span<double> a, std::span<double> b);

}  // namespace rlisim::models::container
