#pragma once
// Configuration of the CAIDA-like synthetic traffic generator, its validation, and the named
// profiles `default`, `chic` and `sanj`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "traces/synthetic/flow_size_distribution.hpp"
#include "traces/synthetic/size_mix.hpp"

namespace rlisim::traces {

/// Highest accepted rate of synthetic and cross traffic: 1 Tb/s, b/s. Ten times any link the
/// project models; more would only stall the run: the generator first draws the flows of a
/// warm-up as long as pacing.max_flow_duration (10 s by default), whatever the trace duration,
/// and at 1 Tb/s the default profile already draws about 55 M warm-up flows (about 1.3 G
/// packets' worth of traffic; about 3 s of CPU with the paced model, measured; the tcp model
/// spends about twice as long per warm-up flow) before the first packet.
inline constexpr std::uint64_t kMaxTrafficRateBps = 1'000'000'000'000;
/// Shortest accepted duration of synthetic and cross traffic: 1 ns, the resolution of trace
/// time (a trace written to pcap and read back).
inline constexpr core::Time kMinTrafficDuration{1'000};
/// Longest accepted duration: 100 days. The warm-up (pacing.max_flow_duration, at most a day)
/// plus the duration must stay within simulation time (int64 ps, about 106 days).
inline constexpr core::Time kMaxTrafficDuration = core::seconds(100 * 86'400);
/// Largest accepted expected number of flows a FlowGenerator draws (warm-up plus trace):
/// each costs about 50 ns even when discarded (measured at 1 Tb/s), so this bounds the
/// set-up to about a minute.
inline constexpr double kMaxExpectedFlows = 1e9;

/// How flow-size uniforms are drawn.
/// - kIid: independent core::uniform01 draws.
/// - kStratified: flow n takes frac(vdc(n) + shift), vdc the base-2 van der Corput sequence
///   and shift one seed-derived uniform (a Cranley-Patterson rotation). Each flow's size is
///   still exactly distributed as configured, but any run of consecutive flows covers the
///   distribution evenly, so the empirical mean flow size -- and hence the achieved bit rate --
///   converges far faster than with iid draws. Sizes of different flows are then dependent
///   (negatively correlated), which is harmless for a traffic model.
enum class SizeSampling : std::uint8_t { kIid, kStratified };

/// "iid" / "stratified".
std::string_view to_string(SizeSampling sampling);

/// Within-flow pacing (reconstructed, anchors.md §5). Each flow draws a rate r log-normally
/// (median `median_bps`, ln-space standard deviation `sigma`), clipped to [min_bps, max_bps],
/// then raised to the floor K * E[L] * 8 / max_flow_duration so that no flow outlasts
/// `max_flow_duration` (K packets, E[L] the size mix's mean). Packets leave in trains of
/// `train_packets`: within a train they are spaced E[L] * 8 / train_peak_bps apart (capped at
/// the even spacing), and trains start b * E[L] * 8 / r apart, so the flow's average rate is r.
/// train_packets = 1 gives evenly paced flows; larger trains mimic TCP windows sent
/// back-to-back once per round trip (ON/OFF at the packet scale).
struct FlowPacingConfig {
  double median_bps = 1e6;
  double sigma = 1.0;
  double min_bps = 1e5;
  double max_bps = 1e7;
  core::Time max_flow_duration = core::seconds(10);
  std::uint32_t train_packets = 1;
  double train_peak_bps = 1e9;
};

/// How a flow spaces its packets in time.
/// - kPaced: the rate-paced model of FlowPacingConfig (every flow evenly paced, optionally in
///   fixed trains); kept for ablations.
/// - kTcp: TCP connections send a window per round trip, back to back at their access rate,
///   and the link also carries the pure-ACK streams of connections whose data travel the
///   other way (TcpFlowConfig); UDP flows are constant-rate or ON/OFF (UdpFlowConfig).
enum class FlowModel : std::uint8_t { kPaced, kTcp };

/// "paced" / "tcp".
std::string_view to_string(FlowModel model);

/// The window-based TCP flow model (flow_model = kTcp). Each TCP connection draws a round-trip
/// time R (log-normal, clipped), an access rate A (log-normal, clipped: the bottleneck that
/// spaces its segments) and a receive window (log-uniform). Its data leave in rounds: a round
/// sends min(cwnd, rwnd, what is left) segments back to back, one segment's mean transmission
/// time at A apart, and the next round starts max(R, that window's transmission time) later.
/// cwnd starts at `initial_window`, doubles per round below ssthresh = ssthresh_bdp x the
/// access path's bandwidth-delay product (at least the initial window), then grows by one
/// segment per round; it grows only in rounds the window limited. A share of connections is
/// application-limited: their application hands over bursts (exponential size, mean
/// app_burst_bytes) as a Poisson process whose mean rate is the flow rate drawn as
/// FlowPacingConfig's per-flow rate; the connection idles between bursts and restarts from the
/// initial window after an idle period longer than the retransmission timeout
/// max(rto_min, 2 R) (RFC 2861, Linux's default).
///
/// Floors, as for paced flows: every connection's data must fit in pacing.max_flow_duration
/// (the warm-up before time 0 relies on it), so its access rate, its receive window per round
/// trip and its application rate are raised to at least the rate that sends them in half of
/// it. The rare connection that still runs longer (slow-start restarts, a long tail of idle
/// periods) is cut there and counted (summary counter flows_cut).
///
/// Parameter sources are in the profile table of flow_generator.hpp.
struct TcpFlowConfig {
  core::Time rtt_median = core::milliseconds(80);
  double rtt_sigma = 0.9;  ///< ln-space standard deviation
  core::Time rtt_min = core::milliseconds(1);
  core::Time rtt_max = core::seconds(2);
  double access_median_bps = 94e6;
  double access_sigma = 1.0;
  double access_min_bps = 10e6;
  double access_max_bps = 10e9;
  std::uint32_t initial_window = 10;  ///< segments (RFC 6928)
  double ssthresh_bdp = 0.7;
  double rwnd_min_bytes = 65'535;
  double rwnd_max_bytes = 6'291'456;
  double app_limited_fraction = 0.5;
  double app_burst_bytes = 262'144;
  core::Time rto_min = core::milliseconds(200);
  /// Segments acknowledged per pure ACK (2: delayed ACKs, RFC 1122 / 5681).
  std::uint32_t ack_every = 2;
  /// Whether the link carries the pure-ACK streams that supply the mix's header-only packets.
  bool ack_streams = true;
};

/// UDP flows under flow_model = kTcp: constant bit rate at the flow's rate (FlowPacingConfig's
/// per-flow rate), or, for a share `on_off_fraction`, ON/OFF: bursts of `burst_packets`
/// packets at `peak_bps` with the silences that keep the same mean rate.
struct UdpFlowConfig {
  double on_off_fraction = 0.5;
  std::uint32_t burst_packets = 8;
  double peak_bps = 100e6;
};

/// Flow addresses (reconstructed). Sources and destinations are drawn uniformly from pools of
/// `src_prefixes` and `dst_prefixes` distinct public-looking /24 prefixes (the pool is derived
/// from the seed by hashing, so prefixes spread over the address space), with a uniform host
/// byte in 1..254. 10/8, 127/8, 172/8, 192/8 and 198/8 are never used; 198.18.0.0/15 is kept
/// for cross traffic. TCP destination ports are 80 (55 %), 443 (25 %) or ephemeral; UDP ones
/// are 53 (30 %), 123 (10 %) or ephemeral; source ports are ephemeral (1024-65535).
struct AddressConfig {
  std::uint32_t src_prefixes = 200'000;
  std::uint32_t dst_prefixes = 50'000;
};

/// Everything the CAIDA-like FlowGenerator needs. A plain struct: fill it from TOML or start
/// from profile().
///
/// Model: flows arrive as a Poisson process of rate lambda = rate / (8 E[K] E[L]) (E[K] the
/// exact mean of the truncated flow-size law, E[L] the size-mix mean), each flow carries K
/// packets whose sizes are drawn i.i.d. from `size_mix`, paced as FlowPacingConfig says, and a
/// fraction `tcp_fraction` of flows is TCP (protocol 6), the rest UDP (17).
///
/// The defaults (max_packets 10^4, stratified sampling) and the measured rate spread behind
/// them are documented in flow_generator.hpp.
struct SyntheticTrafficConfig {
  /// Profile name, for describe() and summaries.
  std::string name = "default";
  std::uint64_t seed = 1;
  /// Target (expected) bit rate of the trace, counting wire bytes.
  core::BitsPerSecond rate{1'000'000'000};
  /// Length of the trace: packets have arrival times in [0, duration).
  core::Time duration = core::seconds(1);
  /// Flow sizes in packets. Unlike FlowSizeConfig's own default (x_m = 1 packet), the trace
  /// default is Harpoon's law (anchors.md §5: Pareto alpha 1.2, minimum 5000 B, i.e. x_m = 5
  /// packets of about 1000 B), which gives CAIDA-like flows of about 23 packets on average;
  /// see the calibration note in flow_generator.hpp.
  FlowSizeConfig flow_size{.alpha = 1.2, .min_packets = 5};
  SizeSampling size_sampling = SizeSampling::kStratified;
  SizeMix size_mix{};
  FlowPacingConfig pacing{};
  /// How flows space their packets. Profiles default to kTcp; kPaced gives the rate-paced
  /// traces, byte for byte the same for a seed so that results made with them can be
  /// reproduced.
  FlowModel flow_model = FlowModel::kTcp;
  TcpFlowConfig tcp{};
  UdpFlowConfig udp{};
  /// Fraction of flows that are TCP; the rest are UDP. Under kTcp it is the share of data
  /// flows; the pure-ACK streams are TCP as well and come on top.
  double tcp_fraction = 0.9;
  AddressConfig addresses{};
};

/// Checks every field. A rate so low that the trace is empty is valid.
/// @throws core::ConfigError naming the key as a traffic table spells it (e.g. "pacing.min")
///         and the accepted range: a rate of 0 or above kMaxTrafficRateBps, a duration below
///         kMinTrafficDuration or above kMaxTrafficDuration, bad flow-size parameters, pacing bounds out of order, a size
///         mix with packets smaller than the headers (TCP needs 40 B when tcp_fraction > 0, UDP
///         28 B when tcp_fraction < 1; see SizeMix::with_min_size), more than
///         kMaxExpectedFlows expected flows (saying which keys to change), and so on.
void validate(const SyntheticTrafficConfig& config);

/// Expected number of flows a FlowGenerator draws for `config`, warm-up included:
/// lambda * (pacing.max_flow_duration + duration) with lambda = rate / (8 E[K] E[L]) flows/s.
/// @throws core::ConfigError if the flow_size keys are invalid.
double expected_flows_drawn(const SyntheticTrafficConfig& config);

/// The named profile (see profile_names()); every parameter is listed in the profile table in
/// flow_generator.hpp.
/// @throws core::ConfigError listing the valid names if `name` is unknown.
SyntheticTrafficConfig profile(std::string_view name);

/// "default", "chic", "sanj".
std::vector<std::string_view> profile_names();

}  // namespace rlisim::traces
