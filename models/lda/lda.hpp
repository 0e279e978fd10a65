#pragma once
// LDA, the Lossy Difference Aggregator: aggregate delay mean, std and loss of one router from
// hashed timestamp-sum buckets at its two taps, applied to every flow as a baseline for RLI.

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "models/flow_estimator.hpp"
#include "models/flow_index.hpp"
#include "models/packet_hash.hpp"
#include "sim/core/int128.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models::lda {

/// Which banks an interval's estimate uses.
enum class BankChoice : std::uint8_t {
  kMostUsable,  ///< the bank with the most usable packets (reported, OPA); ties: lowest index
  kCombine,     ///< every bank's usable buckets pooled (rlisim option, see Lda)
};

/// How the standard deviation is read from the signed sums (both reconstructed).
enum class StdMethod : std::uint8_t {
  /// var = sum_j (Y_j - mean * Q_j)^2 / sum_j C_j with Q_j = sum s(x), the bucket's signed
  /// count: the signed sums of the deviations from the mean. Needs one more counter per bucket;
  /// exact (0) at constant delay and free of the M2 - mean^2 cancellation when std << mean.
  kCentered,
  /// var = max(0, sum_j Y_j^2 / sum_j C_j - mean^2), the form of estimators.md §3. Its error
  /// grows with mean^2 / var: at constant delay it reports a spurious spread.
  kSecondMoment,
};

struct LdaConfig {
  /// m, buckets per bank, >= 1 (banks * buckets <= 2^22, which bounds simulator memory).
  std::uint32_t buckets = 1024;
  /// One bank per entry: the loss rate the bank is designed for (each in [0, 1)). Ignored
  /// when `sampling` is given.
  std::vector<double> design_loss_rates = {1e-5, 1e-4, 1e-3};
  /// If non-empty: one bank per entry, with this fixed sampling probability (each in (0, 1])
  /// instead of the rule.
  std::vector<double> sampling;
  /// p_b = min(1, a * m / (L_b + 1)); a in (0, 10].
  double a = 0.5;
  /// Measurement interval T, > 0.
  core::Time interval = core::milliseconds(100);
  /// Packets per interval assumed for the first interval's sampling rule; later intervals use
  /// the sender's count of the previous interval, or of the last non-empty one after idle
  /// intervals. Both taps use the sender's p (it would travel with the in-band interval mark).
  std::uint64_t expected_packets = 100000;
  BankChoice bank_choice = BankChoice::kMostUsable;
  StdMethod std_method = StdMethod::kCentered;
  std::uint64_t seed = 1;

  /// The number of banks: sampling.size() if given, else design_loss_rates.size().
  std::size_t banks() const {
    return sampling.empty() ? design_loss_rates.size() : sampling.size();
  }
  /// @throws std::invalid_argument naming the field and the accepted range.
  void validate() const;
};

/// chosen_bank values that are not a bank index.
inline constexpr std::int32_t kNoBank = -1;    ///< no usable bucket in any bank
inline constexpr std::int32_t kAllBanks = -2;  ///< BankChoice::kCombine

/// One measurement interval [start, start + T) of ingress time, after pairing.
struct LdaInterval {
  core::Time start{};
  /// Packets at the sender tap and at the receiver tap (filed by ingress interval): the taps'
  /// plain packet counters.
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  /// Sender samples, usable packets, usable buckets (C_s == C_r >= 1) and occupied buckets
  /// (C_s >= 1) of the chosen bank(s).
  std::uint64_t sampled = 0;
  std::uint64_t usable_packets = 0;
  std::uint64_t usable_buckets = 0;
  std::uint64_t buckets = 0;
  /// Estimates over the usable packets, picoseconds (NaN when usable_packets == 0).
  double mean_ps = std::numeric_limits<double>::quiet_NaN();
  double std_ps = std::numeric_limits<double>::quiet_NaN();
  double variance_ps2 = std::numeric_limits<double>::quiet_NaN();
  /// Sampled loss of the bank with the highest sampling probability (NaN: nothing sampled).
  double loss_rate = std::numeric_limits<double>::quiet_NaN();
  std::int32_t chosen_bank = kNoBank;
};

/// The run-wide estimate: intervals pooled, weighted by their usable packets.
struct LdaAggregate {
  /// sum of usable differences / sum of usable counts over every interval (chosen banks).
  double mean_ps = std::numeric_limits<double>::quiet_NaN();
  /// The intervals' (usable packets, mean, variance) pooled by the law of total variance
  /// (the same as pooling the second moments when no interval's variance was clamped at 0).
  double std_ps = std::numeric_limits<double>::quiet_NaN();
  double variance_ps2 = std::numeric_limits<double>::quiet_NaN();
  /// Horvitz-Thompson pooled: sum_k (C_s - C_r) / p_k over sum_k C_s / p_k, per interval in
  /// the bank with the highest p_k. Exact with sampling 1.
  double loss_rate = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t usable_packets = 0;
  std::uint64_t usable_buckets = 0;
  std::uint64_t total_buckets = 0;    ///< occupied buckets of the chosen banks
  std::uint64_t sampled_packets = 0;  ///< distinct packets sampled by at least one bank
  std::uint64_t intervals = 0;
  std::uint64_t intervals_without_estimate = 0;
};

/// Run totals of one bank (all intervals, whether or not the bank was chosen).
struct LdaBankTotals {
  std::uint64_t sampled = 0;   ///< sender samples (sum C_s)
  std::uint64_t received = 0;  ///< receiver samples (sum C_r)
  std::uint64_t usable_packets = 0;
  std::uint64_t usable_buckets = 0;
  std::uint64_t occupied_buckets = 0;
};

/// Lossy Difference Aggregator (Kompella, Levchenko, Snoeren, Varghese, "Every Microsecond
/// Counts: Tracking Fine-Grain Latencies with a Lossy Difference Aggregator", SIGCOMM 2009;
/// ToN 20(3) 2012). Structure reconstructed from estimators.md §3:
///  - each tap keeps B banks x m buckets (timestamp sum TS, count C, signed timestamp sum, and
///    for StdMethod::kCentered a signed count). Bank b samples packet x iff
///    hash_selects(h_b(x), p_b), h_b(x) = mix64(packet_hash(x, seed') ^ key_b) with seed' and
///    the bank keys derived from `seed` (one pass over the packet's invariant fields per tap,
///    then one mix per bank: a third of the cost of a packet_hash per bank, with banks still
///    sampling independently), the same p at both taps, and adds it to bucket g_b(x) in [0, m)
///    with sign s_b(x);
///  - per interval the sender ships its arrays; a bucket is usable iff C_s == C_r (no packet
///    of it lost); mean = sum_usable (TS_r - TS_s) / sum_usable C (reported);
///  - sampling rule p_b = min(1, a m / (L_b + 1)), L_b = design loss rate x packets (reported,
///    OPA: a = 0.5, banks for 1e-5, 1e-4, 1e-3);
///  - std from signed sums Y_j = sum s (t_r - t_s) = sum s d (reconstructed, see StdMethod).
///
/// Placement: one LDA per router, sender = ingress tap (on_ingress), receiver = egress tap
/// (on_egress, any port). The sender cannot know the egress port, so all ports are measured
/// as one segment; drops never reach the receiver and are the loss. Reference packets (RLI's)
/// are ignored.
///
/// Intervals: interval k = [kT, (k+1)T) of INGRESS time. The receiver files an egress packet
/// under the interval of its ingress time, which is what a sender marking interval boundaries
/// in-band achieves on a FIFO path (LDA's no-reordering assumption; FineComb exists because
/// it fails). Under the Estimator ordering an interval is complete once a later one has
/// begun; rlisim closes interval k at the first ingress of interval >= k + 2 (two live
/// intervals, so the state is constant in trace length) and the rest in finalize().
///
/// Accuracy (reported / derived in estimators.md): for i.i.d. delays the relative standard
/// error of the mean is about CV / sqrt(U) with U the usable packets, U ~ a e^-a m / loss.
/// Banks share packets, so kCombine's pooled buckets are not independent samples: its error
/// is not CV / sqrt(sum U).
///
/// Per flow (the comparison that motivates RLI): a flow's estimate is the aggregate applied to
/// its delivered packets, sum_k n_fk mean_k / n_f over the intervals its packets entered in;
/// its variance pools the intervals' (n_fk, mean_k, var_k) by the law of total variance.
/// Packets of an interval with no usable bucket use the run aggregate (counted).
class Lda final : public FlowEstimator {
 public:
  /// Bytes per bucket per tap in the modelled hardware: 64-bit sums of timestamps relative to
  /// the interval start (TS and signed TS) and 32-bit counts (C and signed count). The
  /// simulator holds the sums in 128 bits only so that no trace can overflow them.
  static constexpr std::uint64_t kBucketStateBytes = 8 + 8 + 4 + 4;
  /// Intervals whose arrays are held at once (the open one and the one still draining).
  static constexpr std::uint64_t kLiveIntervals = 2;
  static constexpr std::uint64_t kMaxTotalBuckets = std::uint64_t{1} << 22;

  /// @throws std::invalid_argument on an invalid configuration (see LdaConfig::validate).
  explicit Lda(const LdaConfig& config = {});

  /// p = min(1, a * buckets / (design_loss_rate * packets + 1)).
  static double sampling_rule(double a, std::uint32_t buckets, double design_loss_rate,
                              std::uint64_t packets);

  std::string_view name() const override { return "lda"; }
  void on_ingress(const core::Packet& p, FlowId flow) override;
  void on_egress(const core::Packet& p, FlowId flow, PortId port, core::Time egress_time) override;
  void on_flow_start(const core::Packet& first, FlowId flow) override {
    hasher_.start_flow(first.flow, flow);
  }
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override {
    (void)p;
    (void)flow;
    (void)port;
  }
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }
  [[gnu::always_inline]] void prefetch_flow(FlowId flow) const {
    hasher_.prefetch_flow(flow);
    flows_.prefetch(flow);
  }
  /// Closes the live intervals and settles every flow. Further observations are an error.
  void finalize() override;

  /// The flow's delivered packets with the aggregate applied; nullopt if none of its packets
  /// was delivered or no interval of the run had a usable bucket. Before finalize(), only for
  /// a flow that on_flow_final settled.
  using FlowEstimator::estimate;
  std::optional<FlowDelayEstimate> estimate(FlowId flow) const override;
  bool estimates_std() const override { return true; }
  /// Through the last closed interval, so a flow is final once its intervals are. A flow
  /// with packets in an interval that had no usable bucket takes the run aggregate for them,
  /// known only at finalize(): its estimate is pending, and comes as a late estimate then,
  /// while the flow keeps only its record (about 80 B) by serial.
  core::Time settled_through() const override;
  void on_flow_final(FlowId flow) override;
  void release_flow(FlowId flow) override;
  bool estimate_pending(FlowId flow) const override;
  std::vector<LateEstimate> take_late_estimates() override;
  /// state_bytes: 2 taps x banks x m x kBucketStateBytes x kLiveIntervals (the per-flow
  /// counters are the evaluation's, not LDA's, and are not counted); export_bytes: one sender
  /// array set (banks x m x kBucketStateBytes) per interval from the first to the last.
  EstimatorCost cost() const override;
  std::vector<NamedCounter> counters() const override;

  const LdaConfig& config() const { return config_; }
  std::size_t banks() const { return banks_; }
  /// Every interval from the first packet's to the last one's, empty ones included: duration
  /// / T entries (10 for 1 s at 100 ms). Complete after finalize().
  const std::vector<LdaInterval>& intervals() const { return intervals_; }
  /// The sampling probability bank `bank` used in interval `interval` (an index into
  /// intervals()); NaN for an interval without packets.
  double sampling_probability(std::size_t interval, std::size_t bank) const;
  const std::vector<LdaBankTotals>& bank_totals() const { return bank_totals_; }
  /// Valid after finalize().
  const LdaAggregate& aggregate() const;
  /// Delivered packets whose interval had no usable bucket (estimated by the run aggregate).
  std::uint64_t fallback_packets() const { return fallback_packets_; }

 private:
  struct Bucket {
    core::Int128 ts = 0;
    core::Int128 signed_ts = 0;
    std::uint64_t count = 0;
    std::int64_t signed_count = 0;
  };
  struct Slot {
    std::int64_t index = 0;
    bool live = false;
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t sampled_any = 0;
    std::vector<double> p;       // per bank
    std::vector<Bucket> sender;  // bank-major, banks x m
    std::vector<Bucket> receiver;
  };
  // A flow's delivered packets: those settled into (n, mean, sum of squared deviations), those
  // waiting for their interval to close (at most two intervals), and those on the fallback.
  struct FlowRecord {
    std::uint64_t delivered = 0;
    std::uint64_t settled = 0;
    double mean = 0;
    double squared_deviations = 0;
    std::uint64_t fallback = 0;
    std::int64_t pending_interval[2] = {0, 0};
    std::uint64_t pending_packets[2] = {0, 0};
  };

  std::optional<FlowDelayEstimate> estimate_of(const FlowRecord& r) const;
  std::int64_t interval_of(core::Time t) const;
  Slot& slot_for_ingress(std::int64_t k);
  void open(Slot& s, std::int64_t k);
  void close(Slot& s);
  void emit_empty(std::int64_t k);
  void pair(Slot& s, LdaInterval& out);
  /// The mean and variance of the delay from the usable buckets of banks [first, last), whose
  /// summed timestamp differences are `diff`.
  void delay_moments(const Slot& s, std::size_t first, std::size_t last, core::Int128 diff,
                     LdaInterval& out) const;
  // Where a packet goes in one bank: sampled or not, and its bucket and sign.
  struct Placement {
    std::uint32_t bucket = 0;
    bool positive = false;
    bool sampled = false;
  };
  Placement place(std::uint64_t bank_hash) const;
  static void add(Bucket* bank, Placement where, std::int64_t t);
  void add_pending(FlowRecord& r, std::int64_t k);
  void settle(FlowRecord& r, std::int64_t k, std::uint64_t packets);
  /// Settles both pending entries, the older first.
  void settle_pending(FlowRecord& r);
  void compute_aggregate();

  LdaConfig config_;
  std::size_t banks_ = 0;
  std::uint32_t m_ = 0;
  std::int64_t interval_ps_ = 0;
  // The latest ingress packet's placement in each bank, which its egress reuses.
  std::vector<Placement> latest_placements_;
  PacketHasher hasher_;  // packet_hash under seed'
  std::vector<std::uint64_t> bank_keys_;
  Slot slots_[kLiveIntervals];
  bool started_ = false;
  bool finalized_ = false;
  std::int64_t first_index_ = 0;
  std::int64_t newest_ = 0;      // newest opened interval
  std::int64_t next_close_ = 0;  // next interval index to append to intervals_
  std::uint64_t rule_packets_ = 0;
  std::vector<LdaInterval> intervals_;
  std::vector<double> interval_sampling_;  // banks per interval
  std::vector<LdaBankTotals> bank_totals_;
  core::Int128 usable_diff_ = 0;
  double loss_numerator_ = 0;
  double loss_denominator_ = 0;
  std::uint64_t sampled_any_ = 0;
  // Released flows with packets on the fallback, by serial, in release order: their estimates
  // wait for the aggregate.
  std::vector<std::pair<std::uint32_t, FlowRecord>> on_fallback_;
  std::vector<LateEstimate> late_;  // not taken yet
  std::uint64_t fallback_packets_ = 0;
  LdaAggregate aggregate_;
  FlowArray<FlowRecord> flows_;  // every id up to the largest delivered
};

}  // namespace rlisim::models::lda
