#pragma once
// RLI receiver: per-packet delay estimates interpolated between reference packets, per flow.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/estimator.hpp"
#include "models/flow_estimator.hpp"
#include "models/flow_index.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models::rli {

/// How a regular packet's delay is estimated from the references around it. Only linear
/// interpolation is described by the paper (stated principle; the formula is reconstructed);
/// the others are ablations.
enum class Interpolation : std::uint8_t {
  kLinear,   ///< D_L + (D_R - D_L) (a - A_L) / (A_R - A_L)
  kLeft,     ///< D_L (no buffering)
  kNearest,  ///< the delay of the reference closer in arrival time (ties: left)
  kMean,     ///< (D_L + D_R) / 2
};

/// Packets before the first or after the last surviving reference.
enum class BoundaryPolicy : std::uint8_t {
  kNearest,  ///< use that single reference's delay (counted)
  kExclude,  ///< give them no estimate (counted)
};

/// Measurement imperfections, all off by default. The sender clock is the simulation clock;
/// the receiver clock reads t + offset + drift_ppm * 1e-6 * t. Each side truncates its
/// timestamps down to a multiple of its resolution (0: exact).
struct ClockModel {
  core::Time sender_resolution{};
  core::Time receiver_resolution{};
  core::Time offset{};
  double drift_ppm = 0;
};

struct ReceiverConfig {
  /// Its name in the outputs ("rli"; a second receiver on the same references needs another).
  std::string name = "rli";
  Interpolation interpolation = Interpolation::kLinear;
  BoundaryPolicy boundary = BoundaryPolicy::kNearest;
  /// Most packets waiting for their right reference, per port (>= 1). Beyond it a packet is
  /// estimated from the left reference alone (counted), so state stays bounded by "packets of
  /// one reference interval + one record per flow".
  std::uint32_t buffer_limit = 1u << 20;
  ClockModel clock;
  /// Ports measured; empty = every port.
  std::vector<PortId> ports;
  /// Add each packet's own serialisation time minus the reference's, (s_p - s_ref) * 8 / C,
  /// to its interpolated delay. The paper's receiver does not: a reference's delay includes
  /// its own (short) transmission, so without this a large packet's delay is underestimated
  /// and a small one's overestimated by up to (1500 - 64) B at the link rate. Needs
  /// link_rates_bps.
  bool serialization_correction = false;
  /// With serialization_correction: each reference leaves right behind the packet that
  /// triggered it (1-in-n policies), so its delay includes that packet's whole transmission,
  /// a sample of the queue biased up by one service time. Subtract the transmission time of
  /// the packet that left just before the reference. The run sets this for static and
  /// adaptive policies (not periodic).
  bool references_follow_trigger = false;
  /// Link rate of each port in bit/s, by port index (the run fills it in after utilization
  /// targeting); needed by serialization_correction.
  std::vector<std::uint64_t> link_rates_bps;

  bool measures(PortId port) const {
    return ports.empty() || std::find(ports.begin(), ports.end(), port) != ports.end();
  }
};

/// The three per-flow counters of RLI (stated: three counters; which three is reconstructed):
/// N, S = sum of estimates, Q = sum of squared estimates. They are kept shifted by the flow's
/// first estimate K (S' = sum (d - K), Q' = sum (d - K)^2), which is the same information
/// (S = N K + S', Q = Q' + 2 K S' + N K^2) without the cancellation of Q/N - (S/N)^2 when the
/// spread is much smaller than the mean. Picoseconds.
struct FlowEstimate {
  std::uint64_t packets = 0;
  double shift = 0;
  double shifted_sum = 0;
  double shifted_sum_sq = 0;

  void add(double d) {
    if (packets == 0)
      shift = d;
    const double x = d - shift;
    ++packets;
    shifted_sum += x;
    shifted_sum_sq += x * x;
  }
  double mean() const { return packets ? shift + shifted_sum / static_cast<double>(packets) : NAN; }
  /// Population standard deviation (as the truth is computed).
  double stddev() const {
    if (packets == 0)
      return NAN;
    const double n = static_cast<double>(packets);
    const double m = shifted_sum / n;
    return std::sqrt(std::max(0.0, shifted_sum_sq / n - m * m));
  }
  /// The unshifted counters S and Q.
  double sum() const { return static_cast<double>(packets) * shift + shifted_sum; }
  double sum_sq() const {
    return shifted_sum_sq + 2 * shift * shifted_sum + static_cast<double>(packets) * shift * shift;
  }
};

struct ReceiverCounters {
  std::uint64_t references = 0;       ///< references received
  std::uint64_t references_lost = 0;  ///< sequence-number gaps
  std::uint64_t packets = 0;          ///< regular packets seen at measured ports
  std::uint64_t estimated = 0;        ///< packets that got an estimate
  std::uint64_t interpolated = 0;     ///< between two references
  std::uint64_t before_first = 0;     ///< before the first reference (nearest or excluded)
  std::uint64_t after_last = 0;       ///< after the last reference (nearest or excluded)
  std::uint64_t excluded = 0;         ///< no estimate (boundary policy "exclude")
  std::uint64_t across_gap = 0;       ///< interpolated across one or more lost references
  std::uint64_t buffer_overflow = 0;  ///< estimated from the left reference (buffer full)
  std::uint64_t out_of_bracket = 0;   ///< clamped to the bracket (non-FIFO timing)
  std::uint64_t peak_buffer = 0;      ///< largest number of packets waiting, any port
};

/// The egress side of RLI (SIGCOMM 2010, see reference_policy.hpp). For each measured port it
/// separates reference packets (kind kReference, carrying their send time as p.arrival and a
/// sequence number as p.seq) from the rest; each reference gives an exact delay sample
/// D_k = A_k - S_k in the receiver's and sender's clocks. A regular packet arriving at the
/// receiver at a, with surviving references L and R around it (A_L <= a <= A_R), is estimated
/// per `interpolation` and added to its flow's counters. A lost reference (a gap in sequence
/// numbers) simply widens the interval. Packets wait (flow index, a) in a per-port buffer until
/// their right reference arrives; nothing else of the trace is kept.
///
/// Assumptions: FIFO ports (delay locality holds between neighbours in time), references and
/// regular packets share the queue. Error: exact when the delay is linear in time between
/// references; otherwise the interpolation error (spikes between references are invisible).
class RliReceiver final : public FlowEstimator {
 public:
  /// @throws std::invalid_argument on an invalid configuration.
  explicit RliReceiver(const ReceiverConfig& config = {});

  std::string_view name() const override { return config_.name; }
  /// Counts the references entering the router: they are what RLI adds to the traffic. The
  /// router injects references only for the ports RLI measures, so every one counts, dropped
  /// or not.
  void on_ingress(const core::Packet& p, FlowId flow) override {
    (void)flow;
    if (p.kind == core::PacketKind::kReference) {
      ++injected_packets_;
      injected_bytes_ += p.wire_bytes;
    }
  }
  void on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) override;
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override {
    (void)p;
    (void)flow;
    (void)port;
  }
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const { flows_.prefetch(flow); }
  /// Settles the packets after the last reference (boundary policy). Further observations
  /// are an error.
  void finalize() override;
  /// A flow is final once none of its packets waits for a right reference: through the
  /// arrival of the earliest packet still waiting at any port.
  core::Time settled_through() const override;
  void release_flow(FlowId flow) override;

  const ReceiverConfig& config() const { return config_; }
  const ReceiverCounters& receiver_counters() const { return counters_; }
  /// The flow's estimate, or null if none of its packets reached a measured port.
  const FlowEstimate* find(FlowId flow) const;
  const FlowEstimate* find(const core::FlowKey& key) const;
  /// Bytes of receiver state: per-flow counters and keys, plus the peak buffer.
  std::uint64_t state_bytes() const;

  // FlowEstimator: the counters' mean and std of every flow with an estimate.
  using FlowEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId flow) const override;
  bool estimates_std() const override { return true; }
  /// State as state_bytes(); export is one record per flow (a 48 B NetFlow v5 record plus the
  /// two 8 B delay sums); injected: the references seen at the ingress tap.
  EstimatorCost cost() const override;
  std::vector<NamedCounter> counters() const override;

  /// The receiver's timestamp of true time t (clock model applied).
  core::Time receiver_clock(core::Time t) const;
  /// The sender's timestamp of true time t.
  core::Time sender_clock(core::Time t) const;

 private:
  struct Waiting {
    FlowId flow;
    std::uint32_t wire_bytes;
    std::int64_t at;  // receiver timestamp, ps
    // The ingress time, which a receiver does not have: the simulation uses it to tell when a
    // flow's estimate is final (settled_through).
    core::Time arrival;
  };
  // What a receiver holds per waiting packet: flow index, size and timestamp.
  static constexpr std::uint64_t kWaitingBytes = 16;
  struct Reference {
    std::int64_t at = 0;     // receiver timestamp A_k
    std::int64_t delay = 0;  // D_k = A_k - S_k
    std::uint64_t seq = 0;
  };
  struct PortState {
    bool measured = false;
    // Serialisation correction: ps per byte at the port's rate (0: off), and the size of the
    // latest reference.
    double ps_per_byte = 0;
    std::uint32_t reference_bytes = 0;
    std::uint32_t previous_bytes = 0;  // the packet that left last (the trigger, for 1-in-n)
    bool has_left = false;
    Reference left;
    std::vector<Waiting> waiting;
  };
  PortState* port_state(PortId port);
  void on_reference(PortState& s, const core::Packet& p, core::Time egress_time);
  void settle_between(PortState& s, const Reference& right);
  void settle_single(PortState& s, double delay);
  void add_estimate(FlowId flow, double delay);
  // The packet's own transmission time minus the reference's (0 unless corrected).
  static double own_time_correction(const PortState& s, std::uint32_t wire_bytes) {
    return s.ps_per_byte * (static_cast<double>(wire_bytes) - s.reference_bytes);
  }
  double estimate(const Reference& l, const Reference& r, std::int64_t at);

  ReceiverConfig config_;
  std::vector<PortState> ports_;
  // Every id up to the largest seen; `seen` marks the flows a measured port carried (the state
  // a real receiver would hold).
  struct Slot {
    FlowEstimate estimate;
    bool seen = false;
  };
  FlowArray<Slot> flows_;
  std::uint64_t seen_flows_ = 0;
  std::uint64_t estimated_flows_ = 0;  // flows with an estimate
  ReceiverCounters counters_;
  std::uint64_t injected_packets_ = 0;
  std::uint64_t injected_bytes_ = 0;
  bool finalized_ = false;
};

}  // namespace rlisim::models::rli
