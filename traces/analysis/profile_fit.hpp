#pragma once
// Fits the synthetic generator's TCP flow model (SyntheticTrafficConfig) to a capture: size mix,
// flow sizes, protocol split, RTT, access rate, per-flow rate, rate and duration, with a note
// per parameter saying how it was fitted or why it kept its default.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"
#include "traces/analysis/traffic_statistics.hpp"
#include "traces/synthetic/size_mix.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::traces {

/// Settings of ProfileFitter.
struct ProfileFitOptions {
  /// Two consecutive data segments of a TCP flow at most this far apart are back to back: their
  /// gap gives an access-rate sample (the same threshold as TrafficStatistics' trains).
  core::Time train_gap = core::milliseconds(1);
  /// Sizes with at least this share of the packets are kept in the size mix; the others are
  /// folded into the nearest kept size (compact_size_histogram).
  double size_min_share = 0.005;
  /// A TCP data flow whose data segments pause longer than this is application-limited
  /// (tcp.app_limited_fraction), and its data between pauses are its bursts (tcp.app_burst).
  /// Default: Linux's minimum retransmission timeout, the pause after which the model
  /// restarts slow start.
  core::Time idle_gap = core::milliseconds(200);
  /// Flows with at least this many packets (and a duration > 0) give per-flow rate samples.
  std::uint64_t rate_min_packets = 10;
  /// flow_size.min_packets is the smallest flow size held by at least this share of the flows
  /// (smaller stragglers, e.g. flows cut by the capture's ends, are left out of the fit).
  double min_size_share = 0.001;
};

/// How one parameter (a profile-file key such as "tcp.rtt_median") was obtained.
struct FitNote {
  std::string key;
  bool fitted = false;  ///< false: kept at the base profile's value
  std::string how;      ///< the estimator and its sample, or why the default was kept
};

/// The result of a fit: the configuration, a note per parameter and the capture's statistics.
struct ProfileFit {
  SyntheticTrafficConfig config;
  std::vector<FitNote> notes;
  /// TrafficStatistics of the capture, computed in the same pass.
  TrafficStatisticsReport statistics;
  std::uint64_t packets = 0;
  std::uint64_t flows = 0;  ///< directional 5-tuple flows, all protocols
  /// Lines for traffic_toml's comment: what was fitted from what, one line per note.
  std::string comment(std::string_view source) const;
};

/// A log-normal fit in ln space: median exp(mean ln x), sigma the sample standard deviation
/// of ln x (divide by n - 1), and the sample's range.
struct LogNormalFit {
  double median = 0;
  double sigma = 0;
  std::uint64_t n = 0;
  double min = 0;
  double max = 0;
};

/// The log-normal fit of the positive values in `values` (others ignored); nullopt with fewer
/// than 2 positive values.
std::optional<LogNormalFit> fit_log_normal(std::span<const double> values);

/// Maximum-likelihood shape of a Pareto truncated to [low, high] with both bounds known
/// (Aban, Meerschaert and Panorska, JASA 2006): the root in alpha of the score
///   n / alpha - S + n r^alpha ln r / (1 - r^alpha) = 0,   r = low / high, S = sum ln(x_i/low),
/// found by bisection on (1e-6, 100] (the score decreases in alpha). With high = infinity it
/// is Hill's closed form n / S. Returns nullopt when n < 2 or S = 0 (all x_i = low), and the
/// lower end 1e-6 when mean ln(x/low) >= ln(high/low) / 2 (no decreasing density fits).
/// @throws std::invalid_argument if low <= 0 or high < low.
std::optional<double> truncated_pareto_alpha_mle(std::uint64_t n, double sum_log_ratio, double low,
                                                 double high);
/// The same from a sample (each value in [low, high]).
std::optional<double> truncated_pareto_alpha_mle(std::span<const double> sample, double low,
                                                 double high);
/// Log-likelihood of the truncated Pareto for a sample summarised by n and S (as above).
double truncated_pareto_log_likelihood(std::uint64_t n, double sum_log_ratio, double low,
                                       double high, double alpha);
/// Asymptotic standard error of the MLE: 1 / sqrt(n I(alpha)), with the Fisher information
/// I(alpha) = 1 / alpha^2 - r^alpha (ln r)^2 / (1 - r^alpha)^2 per observation.
double truncated_pareto_alpha_standard_error(std::uint64_t n, double low, double high,
                                             double alpha);

/// Compacts a wire-size histogram (size -> packets) into a manageable mix: sizes holding at
/// least `min_share` of all packets are kept; every other size's packets are added to the
/// nearest kept size (by bytes; on a tie, the smaller one). If no size reaches min_share, the
/// most frequent size (the smallest among equals) is the one kept. Entries are sorted by size;
/// weights are packet counts (not normalised). An empty or all-zero histogram gives {}.
std::vector<SizeMix::Entry> compact_size_histogram(
    const std::map<std::uint32_t, std::uint64_t>& counts, double min_share);

/// Streaming fitter: feed packets in time order with their capture timestamps, then fit().
/// Packets carry core::Packet::tcp marks (PcapReaderOptions::tcp_marks for captures; a
/// FlowGenerator sets them itself). Memory: one fixed-size record per directional 5-tuple flow,
/// one double per completed TCP handshake, the wire-size histogram (at most 65536 entries),
/// plus TrafficStatistics' own per-flow record; nothing per packet.
///
/// What is fitted (the base is profile("default") with flow_model tcp):
/// - rate, duration: wire bits over the span first-last packet, and that span.
/// - size_mix: the wire-size histogram (pcap `len`, link header included, as
///   `size_mix = "trace:FILE"` does), with header-only TCP packets (SYN, FIN, RST, pure ACK: no
///   payload) counted at 40 B, the model's header-only size, whatever their options and link
///   header add, and every other size below 40 B raised to 40; then compact_size_histogram.
/// - flow_size: over TCP and UDP flows (directional 5-tuples), min_packets = the smallest flow
///   size held by >= min_size_share of the flows (the smallest flow is the MLE of x_m, but one
///   flow cut short by the capture's start would set it: smaller flows are left out),
///   max_packets = the largest flow (the MLE of the upper bound), alpha by
///   truncated_pareto_alpha_mle on the packet counts >= min_packets treated as continuous
///   sizes (the generator's randomised rounding keeps E[K] = E[X]; the bias this leaves in
///   ln K is small for min_packets >= 5, larger for 1-packet minima), clamped to the profile
///   file's range [1.0001, 10]. Flows cut by the capture's ends count with what it holds.
/// - tcp_fraction: TCP data flows (some payload) over TCP data + UDP flows. TCP flows without
///   payload are pure-ACK streams (or control only); tcp.ack_streams is kept on when
///   pure ACKs outnumber the other header-only packets (SYN, FIN, RST), else off.
/// - tcp.rtt_*: from handshakes seen in both directions: SYN (t0), SYN-ACK in the reverse
///   direction (t1), then the next packet of the SYN's direction (t2, the ACK). The sample is
///   t2 - t0, the client's full round trip wherever the capture point is on the path (t1 - t0
///   is only the server side, t2 - t1 the client side). Log-normal fit; rtt_min / rtt_max =
///   the sample's range. Without two handshakes the defaults stay.
/// - tcp.access_*: per TCP flow, the mean of ln(8 * bytes of the later packet / gap) over
///   consecutive data segments at most train_gap apart (gap > 0); log-normal fit over flows,
///   access_min / access_max = the range (within [1 kb/s, 10 Tb/s]).
/// - pacing.median / sigma / min / max: ln(8 * bytes / duration) of the TCP and UDP flows with
///   >= rate_min_packets packets and duration > 0; log-normal fit and range.
/// - pacing.max_flow_duration: the longest TCP or UDP flow, if longer than the default 10 s
///   (the generator raises a flow's rate so that it fits in it).
/// Everything else (initial window, ssthresh, receive window, application bursts, UDP ON/OFF,
/// addresses) keeps the default, with the reason in its note.
class ProfileFitter {
 public:
  /// @throws std::invalid_argument on a negative train gap or min share outside [0, 1].
  explicit ProfileFitter(ProfileFitOptions options = {});
  ~ProfileFitter();
  ProfileFitter(ProfileFitter&&) noexcept;
  ProfileFitter& operator=(ProfileFitter&&) noexcept;
  ProfileFitter(const ProfileFitter&) = delete;
  ProfileFitter& operator=(const ProfileFitter&) = delete;

  /// Adds a packet at absolute capture time `timestamp` (ns).
  /// @throws std::invalid_argument if it is earlier than the previous packet.
  void add(const core::Packet& packet, core::TraceTime timestamp);
  /// Adds a packet at `packet.arrival` (ps, rounded down to ns).
  void add(const core::Packet& packet);

  /// The fitted configuration (named `name`) with its notes.
  /// @throws core::ConfigError if no TCP or UDP packet was added, or if the packets span more
  /// than kMaxTrafficDuration (a time jump: the message names max_gap).
  ProfileFit fit(std::string name) const;

 private:
  struct State;
  ProfileFitOptions options_;
  std::unique_ptr<State> state_;
};

/// Reads the capture at `path` once (PcapReader with tcp_marks and, if set, max_gap) and fits
/// it; the profile is named after the file's stem.
/// @throws core::TraceError on capture defects, core::ConfigError as ProfileFitter::fit().
ProfileFit fit_capture(const std::string& path, std::optional<core::TraceTime> max_gap = {},
                       const ProfileFitOptions& options = {});

}  // namespace rlisim::traces
