#pragma once
// Internals of the MACE reproduction shared by its table builders: sample statistics, the
// native RTT model, row constructors, the traced and loaded parameter variants, and one
// builder per published target.

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "models/container/stack_model.hpp"
#include "sim/config/mace_scenarios.hpp"
#include "sim/container/mace/reproduction_table.hpp"
#include "sim/core/time.hpp"

namespace rlisim::container::mace {

inline double to_us(core::Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}
inline core::Time from_us(double us) {
  return core::Time{std::llround(us * 1e6)};
}

/// Sample quantile by linear interpolation (models::sorted_quantile, numpy's default), p in
/// [0, 1]. `v` non-empty.
double quantile(std::vector<double> v, double p);
double mean_of(const std::vector<double>& v);
/// Sample standard deviation (n - 1).
double sd_of(const std::vector<double>& v);
/// Mode: centre of the fullest 1-µs bin after a 9-bin moving average (the published modes sit
/// on half-microseconds, i.e. 1-µs histogram bins).
double mode_of(const std::vector<double>& v);

/// RTT of an uninstrumented native ping (µs): shifted log-normal body plus a slow mode.
struct NativeRtt {
  double floor = 0, scale = 1, sigma = 0, p_slow = 0, slow = 0;
  /// One RTT; p_slow_override >= 0 replaces p_slow.
  double sample(std::mt19937_64& rng, double p_slow_override = -1) const;
};

/// Fits the native model to a published (mean, mode, sd) with a given slow mode: the body's
/// mean and variance are the published ones minus the slow mode's share; its shape sigma
/// solves (mean - mode) / sd of a shifted log-normal.
NativeRtt fit_native(double mean, double mode, double sd, double p_slow, double slow);
/// fit_native on the scenario's Fig. 5 native row.
NativeRtt fig5_native(const config::MaceScenarios& s);
/// The scenario's hot native RTT (no slow mode).
NativeRtt hot_native(const config::MaceScenarios& s);

ReproductionRow row(std::string label, double simulated, std::string published,
                    std::optional<double> lo = std::nullopt,
                    std::optional<double> hi = std::nullopt, std::string basis = {});
/// A band of +-fraction around a published value, at least +-floor_us wide.
ReproductionRow relative_row(std::string label, double simulated, double published, double fraction,
                             double floor_us, const std::string& basis);

/// One direction as measured with tracing on: F and C_cold x inflation, the service time x
/// the traced/untraced ratio; the tail (measured on traced runs) unchanged.
models::container::DirectionParams traced(models::container::DirectionParams d,
                                          const config::MaceScenarios& s);
/// The per-N tail probabilities of the scenario N and the egress contention of `neighbours`
/// active neighbour containers, traced or not.
models::container::ModeParams with_neighbours(models::container::ModeParams p, int n,
                                              int neighbours, bool traced_run,
                                              const config::MaceScenarios& s);
/// Idle probes: the published RTT-level slow-mode fractions already hold every excursion of a
/// container RTT, so the stack's deferral tail is the container's excess over native,
/// (container - native) / (1 - native), on ingress only.
models::container::ModeParams with_idle_tail(models::container::ModeParams p, double native_slow,
                                             double container_slow);

ReproductionTable r1_idle(const models::container::ModeParams& bn, const config::MaceScenarios& s,
                          const ReproductionOptions& o);
ReproductionTable r2_hot(const models::container::ModeParams& bn,
                         const models::container::ModeParams& bridge,
                         const config::MaceScenarios& s, const ReproductionOptions& o);
ReproductionTable r3_neighbours(const models::container::ModeParams& bn,
                                const config::MaceScenarios& s, const ReproductionOptions& o);
ReproductionTable r4_traced_replay(const models::container::ModeParams& bn,
                                   const config::MaceScenarios& s, const ReproductionOptions& o);
ReproductionTable r5_background(const models::container::ModeParams& bn,
                                const config::MaceScenarios& s, const ReproductionOptions& o);
ReproductionTable fig5_methods(const models::container::ModeParams& bn,
                               const config::MaceScenarios& s, const ReproductionOptions& o);

}  // namespace rlisim::container::mace
