#pragma once
// Autocorrelation of a port's per-packet delay, at lags counted in packets and in time: how
// much a delay sample tells about the delays around it, which is what interpolating between
// reference packets (RLI) or pooling other flows' samples (Multiflow) relies on.

#include <cstdint>
#include <vector>

#include "sim/core/time.hpp"

namespace rlisim::models {

/// Sample autocorrelation of the delay sequence x_1..x_N of one port, in departure order:
///
///   r(lag) = mean over pairs (x_a - m)(x_b - m) / v
///
/// with m and v the mean and population variance of all N delays. For a lag of L packets
/// the pairs are (x_i, x_{i+L}); for a lag of tau seconds each packet b is paired with the
/// latest packet a that departed at least tau before it (none: no pair). r is NaN without a
/// pair or when v = 0 (a constant delay has no correlation structure to speak of).
///
/// Cost: O(lags) per packet; memory: the packets of the longest time lag plus the longest
/// packet lag, never the trace. Values are shifted by the first delay before they are summed,
/// so the sums stay small where delays vary little around a large mean.
class DelayAutocorrelation {
 public:
  /// Packet lags must be >= 1 (kept sorted, duplicates merged), time lags > 0 and increasing.
  /// @throws std::invalid_argument otherwise.
  DelayAutocorrelation(std::vector<std::uint32_t> packet_lags, std::vector<core::Time> time_lags);

  /// The next packet of the sequence: it departed at `departure` after a delay of `delay_ps`.
  /// Departures must not decrease.
  void add(core::Time departure, double delay_ps);

  const std::vector<std::uint32_t>& packet_lags() const { return packet_lags_; }
  const std::vector<core::Time>& time_lags() const { return time_lags_; }
  /// r at packet_lags()[i] / time_lags()[i].
  double at_packet_lag(std::size_t i) const;
  double at_time_lag(std::size_t i) const;
  /// r at any lag between the first and last measured lags, in packets or in seconds,
  /// interpolated linearly in log lag between the two measured lags around it; NaN outside.
  double at_packets(double packets) const;
  double at_time(double seconds) const;
  std::uint64_t packets() const { return n_; }

  /// Time lags from `first` to `last`, `per_decade` per decade (log-spaced).
  static std::vector<core::Time> log_spaced(core::Time first, core::Time last, int per_decade);

 private:
  struct PairSums {
    std::uint64_t pairs = 0;
    double a = 0;   // sum of the earlier values of the pairs
    double b = 0;   // ... of the later ones
    double ab = 0;  // ... of their products
  };
  double correlation(const PairSums& s) const;
  // Linear in log lag between the sorted `lags` around `x`; r of lag i from `sums[i]`.
  template <typename Lag>
  double interpolated(const std::vector<Lag>& lags, const std::vector<PairSums>& sums, double x,
                      double (*to_double)(Lag)) const;
  // Appends the newest packet's value to the history with a sentinel departure in its slot
  // and the kSentinels slots after it (see add()), making room first. Returns its slot.
  std::size_t store(double value);

  std::vector<std::uint32_t> packet_lags_;
  std::vector<core::Time> time_lags_;
  std::vector<PairSums> by_packets_;
  std::vector<PairSums> by_time_;
  // The last values, for the packet lags: max(packet_lags) + 1 of them, rounded up to a power
  // of two.
  std::vector<double> ring_;
  // Packets still needed as the earlier member of a time-lag pair, in departure order: their
  // departures and values in two arrays, slots [0, stored_), then kSentinels slots departing
  // after every limit (see add()). Plain arrays, compacted when full, rather than rings: a
  // partner search reads three neighbouring departures at once, which a ring would wrap.
  static constexpr std::size_t kSentinels = 2;
  std::vector<std::int64_t> departures_;
  std::vector<double> values_;
  std::size_t stored_ = 0;
  // Per time lag: the slot after the latest packet at least that lag before the newest
  // (0: none yet).
  std::vector<std::size_t> partner_;
  bool shifted_ = false;
  double shift_ = 0;
  std::uint64_t n_ = 0;
  double sum_ = 0;
  double sum_sq_ = 0;
};

}  // namespace rlisim::models
