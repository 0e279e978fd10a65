#pragma once
// The CAIDA-like synthetic trace: Poisson flow arrivals, heavy-tailed flow sizes, paced flows,
// emitted in global time order as a stationary slice [0, duration).

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/packet.hpp"
#include "sim/core/packet_source.hpp"
#include "traces/synthetic/flow_size_distribution.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/synthetic/tcp_schedule.hpp"

namespace rlisim::traces {

/// Generates a CAIDA-like backbone trace from a SyntheticTrafficConfig.
///
/// Model (anchors.md §5): flows arrive as a Poisson process of rate
/// lambda = rate / (8 E[K] E[L]) flows/s, with E[K] the exact (closed-form) mean of the
/// truncated flow-size law and E[L] the size-mix mean; each flow's K packets have i.i.d. sizes
/// from the mix and are paced as FlowPacingConfig describes; every flow lasts at most
/// max_flow_duration. Packets are core::Packet{kind = kRegular}, IPv4 keys, protocol 6 or 17.
///
/// Stationarity: flow arrivals start at t = -max_flow_duration, so the active-flow population
/// at t = 0 is already the stationary one and the expected bit rate over any window inside
/// [0, duration) equals `rate` exactly. A flow that started before 0 jumps to its first packet
/// at or after 0 in O(1) (closed-form packet times); one that ends before 0 is discarded
/// without touching the heap. Packets at or after `duration` are cut.
///
/// Ordering and cost: active flows sit in a binary min-heap keyed by (next packet time, flow
/// index), so equal times are broken by flow index and the output is deterministic. Per packet:
/// one O(log F) sift, F = active flows, no allocation. Memory is O(F), independent of the trace
/// length. Times are integer picoseconds; a trace written with PcapWriter and read back has
/// nanosecond resolution.
///
/// Random streams (core::make_rng(seed, s)): 1 flow arrivals, 2 flow attributes (size
/// rounding, rate, protocol, addresses, ports), 3 packet sizes, 4 the stratification shift.
/// Changing the size mix therefore leaves the flow arrival times unchanged.
///
/// Accuracy of the achieved rate (measured): relative standard deviation, across 40 seeds, of
/// bytes * 8 / duration over the target, for 1 s traces (default profile at 1 Gb/s, chic at
/// 2.5 Gb/s, sanj at 2 Gb/s; every other parameter as in the profile):
///
/// | max_packets | default iid | default strat. | chic iid | chic strat. | sanj iid | sanj strat. |
/// |-------------|-------------|----------------|----------|-------------|----------|-------------|
/// | 10^4        | 2.88 %      | **1.60 %**     | 1.64 %   | **1.01 %**  | 2.67 %   | **1.25 %**  |
/// | 10^5        | 5.68 %      | 2.65 %         | 2.91 %   | 1.16 %      | 4.81 %   | 1.44 %      |
/// | 10^6        | 11.1 %      | 5.96 %         | 4.62 %   | 3.07 %      | 8.47 %   | 5.63 %      |
///
/// Longer traces help only while the tail is truncated well below what the trace samples
/// (default profile, stratified, 4 s, 20 seeds: 0.69 % / 1.49 % / 5.69 % for 10^4 / 10^5 /
/// 10^6): with 10^6 the long flows make the rate long-range dependent. Hence the defaults:
/// stratified sampling (at 10^4 it cuts the iid spread by a factor 1.6-2.1; above about
/// n^(1/alpha) packets, n the flows in play, single extreme flows dominate and stratification
/// cannot help), and max_packets = 10^4 (about 10 MB flows) rather than the 10^6 of
/// anchors.md §5, which would leave a 1 s trace 3-11 % off its target. With these defaults
/// every profile lands within about 1-1.6 % (one sd) of the request over 1 s.
///
/// Flow density (calibration target, anchors.md §4): one minute of equinix-chicago 2016-01-21
/// dirA holds 921,458 flows, about 15 k new flows/s, while a busy direction carries a few
/// hundred kpps (NYC 2018: 422 kpps), i.e. roughly 20-30 packets per flow; Harpoon's sizes
/// (anchors.md §5) are Pareto alpha 1.2 with a 5000 B minimum, about 5 packets. The Pareto
/// minimum x_m of each profile is therefore chosen (reconstructed) so that E[K] is about 23
/// packets at the profile's alpha: default is Harpoon's law, chic and sanj keep their alphas
/// and take x_m = 6 and 4 packets. Flow arrivals then run at 5-16 k/s, CAIDA-like at 2-2.5 Gb/s.
///
/// Profiles (all values reconstructed in the character of the 2008-2010 CAIDA OC-192 traces,
/// anchors.md §4: a few hundred kpps, 1-5 Gb/s, mean sizes 600-900 B; `sanj` burstier):
///
/// | parameter                 | default          | chic             | sanj             |
/// |---------------------------|------------------|------------------|------------------|
/// | rate                      | 1 Gb/s           | 2.5 Gb/s         | 2 Gb/s           |
/// | size mix 40/576/1500 B    | 30/10/60 %       | 40/10/50 %       | 45/15/40 %       |
/// | mean packet size E[L]     | 969.6 B          | 823.6 B          | 704.4 B          |
/// | packet rate               | 129 kpps         | 379 kpps         | 355 kpps         |
/// | flow size K, Pareto       | a=1.2, 5..1e4 pk | a=1.3, 6..1e4 pk | a=1.1, 4..1e4 pk |
/// | mean flow size E[K]       | 23.44 packets    | 23.19 packets    | 23.88 packets    |
/// | flow arrivals             | 5.50 k/s         | 16.4 k/s         | 14.9 k/s         |
/// | size sampling             | stratified       | stratified       | stratified       |
/// | per-flow rate median, sd  | 1 Mb/s, 1.0      | 1 Mb/s, 1.0      | 2 Mb/s, 1.2      |
/// | per-flow rate clip        | 0.1-10 Mb/s      | 0.1-10 Mb/s      | 0.1-10 Mb/s      |
/// | max flow duration         | 10 s             | 10 s             | 10 s             |
/// | packets per train, peak   | 1 (paced)        | 2 at 1 Gb/s      | 8 at 1 Gb/s      |
/// | TCP share of flows        | 90 %             | 90 %             | 85 %             |
/// | dst / src /24 pools       | 50 k / 200 k     | 50 k / 200 k     | 50 k / 200 k     |
/// | measured IDC, 1 ms bins   | 0.87             | 1.9              | 6.9              |
/// | measured IDC, 10 ms bins  | 1.3              | 2.4              | 6.5              |
/// | measured IDC, 100 ms bins | 6.5              | 11               | 21               |
///
/// (IDC: variance over mean of packet counts per bin, 4 s, seed 1; Poisson gives 1. The rate
/// sd is the ln-space sigma of the per-flow rate.) `sanj` is burstier at every scale: 8-packet
/// trains at 1 Gb/s make sub-millisecond clumps, and alpha 1.1 gives heavier flow-level
/// variation.
class FlowGenerator final : public core::PacketSource {
 public:
  /// @throws core::ConfigError if validate(config) fails.
  explicit FlowGenerator(SyntheticTrafficConfig config);

  bool next(core::Packet& out) override;
  /// "synthetic:chic(2.5 Gb/s, 1 s, seed 1)".
  std::string describe() const override;
  /// Arrival time of the last packet over the duration.
  std::optional<double> progress() const override;
  /// flows_drawn, flows_emitted, max_active_flows, packets, wire_bytes (in that order).
  std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const override;

  const SyntheticTrafficConfig& config() const { return config_; }
  const FlowSizeDistribution& flow_sizes() const { return sizes_; }
  /// lambda, flows per second (including flows that start before 0).
  double flow_arrival_rate() const { return flows_per_second_; }
  /// E[K] * E[L], bytes.
  double mean_flow_bytes() const { return sizes_.mean_packets() * config_.size_mix.mean_bytes(); }
  /// Flows drawn so far, including warm-up flows that ended before 0.
  std::uint64_t flows_drawn() const { return flows_drawn_; }
  /// Flows that contributed at least one packet in [0, duration) so far.
  std::uint64_t flows_emitted() const { return flows_emitted_; }
  std::uint64_t packets_emitted() const { return packets_emitted_; }
  /// Sum of the wire sizes of the packets emitted so far, bytes.
  std::uint64_t wire_bytes_emitted() const { return wire_bytes_emitted_; }
  std::size_t active_flows() const { return heap_.size(); }
  std::size_t max_active_flows() const { return max_active_; }

 private:
  struct Flow {
    core::FlowKey key;
    std::int64_t start_ps = 0;
    // A TCP connection or ACK stream of the kTcp model follows `schedule`; every other flow
    // (paced, UDP) has closed-form packet times from the fields below.
    bool windowed = false;
    TcpSchedule schedule;
    double train_gap_ps = 0;  // between train starts
    double intra_gap_ps = 0;  // between packets of one train
    std::uint64_t next_index = 0;
    std::uint64_t packets = 0;
    std::uint32_t train = 1;
  };
  struct HeapEntry {
    std::int64_t time_ps;
    std::uint64_t flow_index;
    std::uint32_t slot;
  };

  std::int64_t packet_time(const Flow& f, std::uint64_t i) const;
  std::uint64_t first_index_at_or_after_zero(const Flow& f) const;
  void admit_flow(std::int64_t start_ps);
  void admit_modelled_flow(std::int64_t start_ps, std::uint64_t index);
  void set_up_tcp_model();
  double flow_uniform(std::uint64_t index, std::uint64_t draw) const;
  double flow_normal(std::uint64_t index, std::uint64_t draw) const;
  double app_rate_bps(std::uint64_t index, std::uint64_t draw, std::uint64_t packets,
                      double mean_bits) const;
  double fitting_rate_bps(double bits) const;
  void enqueue(Flow& f, std::uint64_t index, std::int64_t first_time_ps);
  void refresh_warmup_threshold(std::int64_t start_ps);
  void assign_key(Flow& f, int force_protocol = 0);
  std::uint32_t prefix24(std::uint64_t salt, std::uint32_t index) const;
  void heap_push(HeapEntry e);
  void sift_down(std::size_t i);
  void heap_pop();

  SyntheticTrafficConfig config_;
  FlowSizeDistribution sizes_;
  std::mt19937_64 arrival_rng_;
  std::mt19937_64 flow_rng_;
  std::mt19937_64 packet_rng_;
  double shift_ = 0;
  double flows_per_second_ = 0;
  double mean_interarrival_ps_ = 0;
  double mean_bits_ = 0;  // E[L] * 8
  double max_flow_duration_ps_ = 0;
  double slowest_gap_ps_ = 0;  // E[L] * 8 / min_bps
  // Warm-up flows starting no later than `until` with a size uniform below `u` end before 0.
  std::int64_t warmup_threshold_until_ps_ = std::numeric_limits<std::int64_t>::min();
  double warmup_threshold_u_ = 0;
  double next_arrival_ps_ = 0;
  std::int64_t end_ps_ = 0;
  std::int64_t last_arrival_ps_ = 0;
  std::uint64_t flows_drawn_ = 0;
  std::uint64_t flows_emitted_ = 0;
  std::uint64_t packets_emitted_ = 0;
  std::uint64_t wire_bytes_emitted_ = 0;
  std::uint64_t key_salt_ = 0;
  std::size_t max_active_ = 0;
  // kTcp model: data flows draw sizes from the mix without its header-only packets, which
  // come from connection control packets and the ACK streams (a share ack_stream_share_ of
  // flows), so the packet-size mix as a whole stays the configured one.
  SizeMix data_mix_{};
  double data_mean_bits_ = 0;
  double ack_stream_share_ = 0;
  std::uint64_t ack_streams_ = 0;
  std::uint64_t flows_cut_ = 0;
  std::vector<Flow> flows_;  // slot pool
  std::vector<std::uint32_t> free_slots_;
  std::vector<HeapEntry> heap_;
};

}  // namespace rlisim::traces
