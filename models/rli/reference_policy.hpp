#pragma once
// RLI sender: when to inject a reference packet (static 1-in-n, periodic, adaptive to load).

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/core/units.hpp"

namespace rlisim::models::rli {

/// Reference Latency Interpolation (Lee, Duffield, Kompella, "Not All Microseconds are Equal:
/// Fine-Grained Per-Flow Measurements with Reference Latency Interpolation", SIGCOMM 2010).
///
/// The sender side injects timestamped reference packets into the same FIFO as the regular
/// traffic it measures (stated). Which policy decides *when* is only partly known:
///  - static 1-in-n: one reference after every n regular packets bound for the egress. It
///    enters the FIFO at the same instant as the n-th packet, behind it, so on a lightly loaded
///    link it waits for that packet's transmission while most regular packets find the queue
///    empty: a positive bias of about one packet time that a real injector would share;
///  - periodic: one reference every `period` (optionally jittered; an rlisim addition);
///  - adaptive: n follows the egress utilization measured over a window, through a table.
///    The paper's rule, thresholds, window and even its direction are unknown to us
///    (reconstructed); 1-in-10 and 1-in-300 are the rates it is reported to suggest. Both
///    readings ship as presets (see preset_table()).
enum class PolicyKind : std::uint8_t { kStatic, kPeriodic, kAdaptive };

/// One row of the adaptive table: at utilization >= `utilization`, inject 1 in `n`.
struct UtilizationStep {
  double utilization = 0;
  std::uint32_t n = 100;
};

struct ReferencePolicyConfig {
  PolicyKind kind = PolicyKind::kStatic;
  /// Static policy: regular packets per reference, >= 1.
  std::uint32_t n = 100;
  /// Periodic policy: time between references, > 0.
  core::Time period = core::microseconds(100);
  /// Periodic policy: each gap is period * (1 + jitter * U), U uniform in [-1, 1); in [0, 1).
  double jitter = 0;
  /// Adaptive policy: rows sorted by strictly increasing utilization, the first at 0; n >= 1.
  std::vector<UtilizationStep> table;
  /// Adaptive policy: false = step function (the row with the largest threshold <= u);
  /// true = piecewise linear in u between rows (n rounded to the nearest integer).
  bool interpolate = false;
  /// Adaptive policy: utilization is measured over consecutive windows of this length, > 0.
  core::Time window = core::milliseconds(1);
  /// Adaptive policy: weight of the newest window in an exponential average, in (0, 1];
  /// 1 uses the last window alone.
  double ewma_weight = 1.0;
  /// Cap on reference bytes as a fraction of all bytes sent to the egress (references
  /// included), in (0, 1]; 1 means no cap. A reference that would exceed it is skipped
  /// (counted).
  double max_byte_share = 1.0;
  /// Size of a reference packet on the wire, in bytes, >= 1 (64 B by default: reconstructed).
  std::uint32_t reference_bytes = 64;
  /// Seed of the periodic jitter.
  std::uint64_t seed = 1;
};

/// The named adaptive tables. "fewer-at-high-load" (preset A, references where they are cheap):
/// n = 10 below 30 % load, 30 to 50 %, 100 to 70 %, 300 above. "more-at-high-load" (preset B,
/// references where delay moves): the reverse, 300 falling to 10. "A" and "B" are aliases.
/// @throws std::invalid_argument for an unknown name (the message lists the known ones).
std::vector<UtilizationStep> preset_table(std::string_view name);
/// The full name of a preset ("A" -> "fewer-at-high-load"); other names are returned as given.
std::string canonical_preset_name(std::string_view name);
/// The preset names, for messages and help.
std::vector<std::string> preset_names();

/// @throws std::invalid_argument naming the first field that is out of range.
void validate(const ReferencePolicyConfig& config);

/// n for utilization `u` under `config`'s table (adaptive policy).
std::uint32_t n_for_utilization(const ReferencePolicyConfig& config, double u);

/// What the sender did, for overhead accounting.
struct SenderCounters {
  std::uint64_t regular_packets = 0;  ///< regular packets bound for the egress
  std::uint64_t egress_packets = 0;   ///< every packet bound for the egress, references included
  std::uint64_t egress_bytes = 0;
  std::uint64_t references = 0;  ///< references injected
  std::uint64_t reference_bytes = 0;
  std::uint64_t skipped_by_cap = 0;  ///< references the byte-share cap suppressed
  std::uint64_t n_changes = 0;       ///< adaptive: times n changed
  std::uint64_t windows = 0;         ///< adaptive: utilization windows closed
};

/// The decision logic of one reference generator (one ingress-egress pair). Engine-free: the
/// injector in sim/net tells it about packets and asks it what to do.
///
/// Protocol, with times non-decreasing across calls:
///  - periodic policy: before a packet arriving at t, while next_due() <= t, call take_due()
///    and inject a reference at the returned time if it says so;
///  - for every packet bound for the egress: on_packet(t, bytes, regular); for a regular packet
///    the return value says whether a reference follows it immediately (count-based policies).
///  - after injecting a reference: on_reference(t).
class ReferenceSender {
 public:
  /// `link_rate` is the egress rate, for utilization.
  /// @throws std::invalid_argument if the config is invalid or the rate is 0.
  ReferenceSender(const ReferencePolicyConfig& config, core::BitsPerSecond link_rate);

  /// Periodic policy: when the next reference is due; nullopt for count-based policies.
  std::optional<core::Time> next_due() const { return next_due_; }
  /// Periodic policy: consumes the due reference and schedules the next one. Returns true if
  /// the reference is to be sent (false when the byte-share cap suppresses it).
  bool take_due();
  /// A packet bound for the egress. Returns true if a reference should follow it (count-based
  /// policies, regular packets only, and within the cap).
  bool on_packet(core::Time arrival, std::uint32_t wire_bytes, bool regular);
  /// A reference was injected at `t`.
  void on_reference(core::Time t);

  /// The current 1-in-n (static: constant; adaptive: per the last window; periodic: 0).
  std::uint32_t current_n() const { return n_; }
  /// The last measured utilization (adaptive), NaN before the first window closes.
  double utilization() const { return utilization_; }
  const SenderCounters& counters() const { return counters_; }
  const ReferencePolicyConfig& config() const { return config_; }

 private:
  bool within_cap() const;
  void advance_windows(core::Time t);

  ReferencePolicyConfig config_;
  double link_bits_per_window_ = 0;
  std::mt19937_64 rng_;
  std::optional<core::Time> next_due_;
  std::uint32_t n_ = 0;
  std::uint32_t since_reference_ = 0;
  core::Time window_end_{};
  std::uint64_t window_bytes_ = 0;
  double utilization_;
  SenderCounters counters_;
};

}  // namespace rlisim::models::rli
