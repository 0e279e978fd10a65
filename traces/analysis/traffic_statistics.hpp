#pragma once
// Burstiness, scaling and per-flow timing statistics of any packet stream (capture or
// synthetic), computed in one streaming pass with O(1) memory per flow; plain results and
// their text, JSON and side-by-side printers.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::traces {

/// Parameters of TrafficStatistics.
struct TrafficStatisticsOptions {
  /// A packet is "in a train" when the gap to the previous or to the next packet of its own
  /// flow is at most this (inclusive). Must be >= 0.
  core::Time train_gap = core::milliseconds(1);
  /// Bin widths of the burstiness block (each > 0).
  std::vector<core::Time> burstiness_bins = {core::milliseconds(1), core::milliseconds(10),
                                             core::milliseconds(100)};
  /// Lower bounds (packets) of the per-flow classes: a class holds the flows with at least
  /// that many packets (each >= 1).
  std::vector<std::uint64_t> flow_classes = {10, 100};
};

/// Variability of the aggregate at one time scale.
///
/// Bins: bin k covers [t0 + k w, t0 + (k + 1) w), t0 the first packet's time, w the width.
/// Only the K = floor((t_last - t0) / w) complete bins inside [t0, t_last] count (empty bins
/// included); the last, partial bin (the one holding t_last) is dropped. Over those K bins,
/// with X_k the packets and B_k the wire bytes of bin k, mean and *population* variance
/// (divide by K):
///   packets_idc = Var(X) / mean(X)  (index of dispersion of counts; 1 for Poisson arrivals)
///   packets_cov = sd(X) / mean(X)   (coefficient of variation)
///   bytes_idc   = Var(B) / mean(B)  in bytes (E[S^2]/E[S] for Poisson arrivals of sizes S)
///   bytes_cov   = sd(B) / mean(B)
/// All four are absent when K < 2 or the mean is 0.
struct BurstinessAtScale {
  core::Time bin{};         ///< bin width w
  std::uint64_t bins = 0;   ///< K, complete bins
  double packets_mean = 0;  ///< mean packets per bin (0 when K = 0)
  double bytes_mean = 0;    ///< mean wire bytes per bin (0 when K = 0)
  std::optional<double> packets_idc;
  std::optional<double> packets_cov;
  std::optional<double> bytes_idc;
  std::optional<double> bytes_cov;
};

/// Hurst exponent by the aggregated-variance method over packet counts.
///
/// Base series: packets per 1 ms bin, bins as in BurstinessAtScale. Level m (m = 1, 2, 4, ...)
/// averages consecutive blocks of m base bins: X^(m)_j = (1/m) sum of bins jm .. jm + m - 1,
/// over the floor(K_1 / m) complete blocks, which are exactly the complete bins of width m ms.
/// A level is used when it has at least kMinBlocks blocks and Var(X^(m)) > 0 (population
/// variance). beta is the ordinary least-squares slope of ln Var(X^(m)) on ln m over the used
/// levels, and H = 1 + beta / 2 (0.5 for uncorrelated counts, > 0.5 for long-range
/// dependence). Absent when fewer than 3 levels are usable.
struct HurstEstimate {
  static constexpr std::uint64_t kMinBlocks = 16;
  std::optional<double> h;
  std::optional<double> beta;
  std::uint64_t levels = 0;  ///< levels used in the fit
  /// Smallest and largest m over the used levels, in ms (0 if none). Doubles: a capture
  /// spanning years has levels beyond the int64 picosecond range of core::Time.
  double min_scale_ms = 0;
  double max_scale_ms = 0;
};

/// p10, p50, p90 and p99 by linear_quantile().
struct FlowQuantiles {
  double p10 = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
};

/// Timing of the flows (5-tuples) with at least `min_packets` packets.
struct FlowClassStatistics {
  std::uint64_t min_packets = 0;
  std::uint64_t flows = 0;    ///< flows in the class
  std::uint64_t packets = 0;  ///< their packets
  /// Median over the class's flows of CoV = sd / mean of the flow's own n - 1 inter-packet
  /// gaps (population sd). Flows whose mean gap is 0 (all packets at one instant) have no CoV
  /// and are left out; absent when no flow has one.
  std::optional<double> median_gap_cov;
  std::uint64_t flows_with_gap_cov = 0;
  /// Packets in trains / `packets`: a packet is in a train when the gap to the previous or the
  /// next packet of the same flow is <= train_gap. Absent when the class is empty.
  std::optional<double> train_share;
  core::Time train_gap{};
  /// Flow duration (last - first packet) in seconds, over the class's flows.
  std::optional<FlowQuantiles> duration_s;
  /// Flow rate 8 * wire bytes / duration in bit/s, over the class's flows with duration > 0.
  std::optional<FlowQuantiles> rate_bps;
  std::uint64_t flows_with_duration = 0;  ///< flows with duration > 0 (the rate sample)
};

/// Everything TrafficStatistics computes. Plain data; print with the functions below.
struct TrafficStatisticsReport {
  std::uint64_t packets = 0;
  std::uint64_t wire_bytes = 0;
  std::uint64_t flows = 0;
  double duration_s = 0;                      ///< last - first packet
  std::vector<BurstinessAtScale> burstiness;  ///< one per TrafficStatisticsOptions bin
  HurstEstimate hurst;
  std::vector<FlowClassStatistics> flow_classes;  ///< one per TrafficStatisticsOptions class
  /// Share of all wire bytes carried by the top_flows largest flows by bytes, top_flows =
  /// max(1, ceil(flows / 100)); absent when there are no bytes.
  std::optional<double> top1pct_byte_share;
  std::uint64_t top_flows = 0;
};

/// Streaming accumulator: feed packets in time order, then report(). Per packet O(1) work
/// (about 45 integer comparisons plus one hash-map probe); memory O(flows): one fixed-size
/// record per flow (count, first/last time, bytes, Welford mean and M2 of gaps, train
/// counter), and nothing per packet or per bin. Any span of time works, including captures
/// longer than the int64 picosecond range (times are held as 128-bit picoseconds).
class TrafficStatistics {
 public:
  /// @throws std::invalid_argument on a negative train gap, a bin width <= 0 or a class of 0.
  explicit TrafficStatistics(TrafficStatisticsOptions options = {});
  ~TrafficStatistics();
  TrafficStatistics(TrafficStatistics&&) noexcept;
  TrafficStatistics& operator=(TrafficStatistics&&) noexcept;
  TrafficStatistics(const TrafficStatistics&) = delete;
  TrafficStatistics& operator=(const TrafficStatistics&) = delete;

  /// Adds a packet at `packet.arrival` (picoseconds; synthetic sources, PcapReader::next).
  /// @throws std::invalid_argument if it is earlier than the previous packet.
  void add(const core::Packet& packet);
  /// Adds a packet at an absolute capture time in ns (PcapReader::next_timestamped), for
  /// captures whose span exceeds int64 picoseconds. Do not mix time bases on one object.
  /// @throws std::invalid_argument if it is earlier than the previous packet.
  void add(const core::Packet& packet, core::TraceTime timestamp);

  /// The statistics of the packets added so far (may be called repeatedly).
  TrafficStatisticsReport report() const;

  const TrafficStatisticsOptions& options() const { return options_; }

 private:
  struct State;
  TrafficStatisticsOptions options_;
  std::unique_ptr<State> state_;
};

/// Convenience: the report of a whole packet sequence (in time order, by `arrival`).
TrafficStatisticsReport compute_traffic_statistics(std::span<const core::Packet> packets,
                                                   const TrafficStatisticsOptions& options = {});

/// Quantile q in [0, 1] of `sorted` (ascending) by linear interpolation between order
/// statistics, numpy's default ("linear", Hyndman-Fan type 7): with h = (n - 1) q and
/// i = floor(h), x[i] + (h - i) (x[i + 1] - x[i]).
/// @throws std::invalid_argument if `sorted` is empty or q is outside [0, 1].
double linear_quantile(std::span<const double> sorted, double q);

/// The "Burstiness" and "Flows" sections as text (label column 14 wide; ends with a newline).
std::string format_traffic_statistics_text(const TrafficStatisticsReport& report);

/// JSON object: {"burstiness": {"1ms": {"bin_ns", "bins", "packets_mean", "packets_idc",
/// "packets_cov", "bytes_mean", "bytes_idc", "bytes_cov"}, "10ms": ..., "100ms": ...},
/// "hurst": {"h", "beta", "levels", "min_scale_ms", "max_scale_ms", "base_bin_ms",
/// "min_blocks"}, "flow_classes": {"ge10": {"min_packets", "flows", "packets",
/// "median_gap_cov", "flows_with_gap_cov", "train_share", "train_gap_ns", "duration_s":
/// {"p10", "p50", "p90", "p99"}, "rate_bps": {...}, "flows_with_duration"}, "ge100": ...},
/// "top1pct_byte_share", "top1pct_flows"}. Absent values are null.
nlohmann::json traffic_statistics_json(const TrafficStatisticsReport& report);

/// One row per statistic (absent values "-"): "statistic | <left> | <right>", e.g. a
/// capture beside a trace generated to resemble it. Rows come from `left`'s scales and
/// classes; a scale or class missing on the right shows "-". Ends with a newline.
std::string format_traffic_statistics_comparison(const TrafficStatisticsReport& left,
                                                 const TrafficStatisticsReport& right,
                                                 std::string_view left_title = "capture",
                                                 std::string_view right_title = "generated");

}  // namespace rlisim::traces
