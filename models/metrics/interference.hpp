#pragma once
// How injected reference packets change regular flows' latency and loss, from paired runs.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "models/metrics/empirical_cdf.hpp"

namespace rlisim::models {

/// Result of InterferenceSummary::summary(). Delays in picoseconds.
struct InterferenceStats {
  /// Flows passed to add_flow().
  std::uint64_t flows_added = 0;
  /// Flows with no delivered packet in at least one of the two runs (a mean was NaN).
  std::uint64_t not_comparable = 0;
  /// flows_added - not_comparable = positive + negative + zero.
  std::uint64_t compared = 0;
  /// delta > 0: references delayed the flow (positive interference, PI).
  std::uint64_t positive = 0;
  /// delta < 0: the flow got faster with references (negative interference, NI).
  std::uint64_t negative = 0;
  std::uint64_t zero = 0;
  /// negative / compared; NaN when nothing was compared.
  double negative_fraction = std::numeric_limits<double>::quiet_NaN();
  /// Largest |delta| and mean delta over compared flows; NaN when none.
  double max_abs_delta_ps = std::numeric_limits<double>::quiet_NaN();
  double mean_delta_ps = std::numeric_limits<double>::quiet_NaN();
  /// |delta| of the positive and of the negative flows: quantiles and CDF (summarize_sorted()).
  SampleSummary positive_abs_delta_ps;
  SampleSummary negative_abs_delta_ps;
  /// Flows (all added, comparable or not) with at least one packet that was delivered in one
  /// run and dropped in the other, and the total of such packets.
  std::uint64_t flows_with_fate_change = 0;
  std::uint64_t fate_changes = 0;
  /// Regular packets (references excluded) offered and dropped in each run.
  std::uint64_t offered_with = 0;
  std::uint64_t dropped_with = 0;
  std::uint64_t offered_without = 0;
  std::uint64_t dropped_without = 0;
  /// dropped / offered per run; NaN when nothing was offered.
  double loss_rate_with = std::numeric_limits<double>::quiet_NaN();
  double loss_rate_without = std::numeric_limits<double>::quiet_NaN();
  /// loss_rate_with - loss_rate_without; NaN when either is.
  double loss_rate_difference = std::numeric_limits<double>::quiet_NaN();
};

/// Interference of reference packets with regular traffic (estimators.md §5): two runs on
/// identical regular traffic (same trace, same seed), one with references and one without.
/// Per flow, delta = true_mean_with - true_mean_without, each over that run's delivered packets.
/// Keeps every compared flow's delta (8 B per flow) so quantiles are exact; deterministic: the
/// same calls in the same order give a bit-identical summary().
class InterferenceSummary {
 public:
  static constexpr std::size_t kDefaultCdfPoints = 101;

  /// @param cdf_points most points in each |delta| CDF, >= 2.
  /// @throws std::invalid_argument if cdf_points < 2.
  explicit InterferenceSummary(std::size_t cdf_points = kDefaultCdfPoints);

  /// Records one regular flow.
  /// @param mean_with_ps, mean_without_ps true mean delay (ps) in each run; NaN when the flow
  ///        had no delivered packet in that run, which makes it "not comparable".
  /// @param fate_changes packets of the flow delivered in one run and dropped in the other.
  /// @throws std::invalid_argument if a mean is infinite or negative. Nothing is recorded then.
  void add_flow(double mean_with_ps, double mean_without_ps, std::uint64_t fate_changes);

  /// Adds regular-packet offered and dropped counts of both runs; may be called once with the
  /// totals or once per flow or shard.
  /// @throws std::invalid_argument if dropped > offered in a run, or a total would overflow.
  void add_loss(std::uint64_t offered_with, std::uint64_t dropped_with,
                std::uint64_t offered_without, std::uint64_t dropped_without);

  /// Adds every flow and loss count of `other` after this one's.
  /// @throws std::invalid_argument if cdf_points differ or a total would overflow.
  void merge(const InterferenceSummary& other);

  /// O(n log n); does not change this object.
  InterferenceStats summary() const;

  std::size_t cdf_points() const { return cdf_points_; }

 private:
  std::size_t cdf_points_;
  /// Deltas of compared flows, in add order.
  std::vector<double> deltas_;
  std::uint64_t flows_added_ = 0;
  std::uint64_t not_comparable_ = 0;
  std::uint64_t flows_with_fate_change_ = 0;
  std::uint64_t fate_changes_ = 0;
  std::uint64_t offered_with_ = 0;
  std::uint64_t dropped_with_ = 0;
  std::uint64_t offered_without_ = 0;
  std::uint64_t dropped_without_ = 0;
};

}  // namespace rlisim::models
