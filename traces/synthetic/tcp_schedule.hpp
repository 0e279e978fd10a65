#pragma once
// The packet times of one open-loop TCP connection as a link in its path sees them: windows
// sent back to back once per round trip, or the pure-ACK stream those windows clock.

#include <cstdint>

namespace rlisim::traces {

/// Everything one connection's schedule needs (drawn per flow by the FlowGenerator).
struct TcpScheduleParams {
  /// Round-trip time, picoseconds (> 0).
  double rtt_ps = 0;
  /// Spacing of back-to-back segments: one mean data segment's transmission time at the
  /// connection's access rate, picoseconds (> 0).
  double segment_gap_ps = 0;
  std::uint32_t initial_window = 10;  ///< segments, >= 1
  std::uint32_t ssthresh = 0xffffffff;
  std::uint32_t receive_window = 0xffffffff;  ///< segments, >= 1
  /// 0: the data direction (one packet per segment). d >= 1: the pure-ACK stream of a
  /// connection whose data travel the other way, one ACK per d segments.
  std::uint32_t ack_every = 0;
  /// Application limit: mean burst in segments (0: bulk, never application-limited).
  double burst_segments_mean = 0;
  /// Mean spacing of the application's bursts, picoseconds.
  double idle_mean_ps = 0;
  /// Idle periods longer than this restart from the initial window, picoseconds.
  double rto_ps = 2e11;
  /// Seeds the connection's own draws (burst sizes, idle periods).
  std::uint64_t random_key = 0;
};

/// Schedule of one connection of `packets` packets starting at `start_ps`, advanced packet by
/// packet. Memory is O(1) whatever its length; draws come from a counter-based stream keyed by
/// params.random_key, so a connection's schedule depends on nothing else.
///
/// Packets, in order:
/// - Data direction (ack_every = 0): a SYN-ACK at the start, then the data segments from one
///   round trip later, then a FIN right after the last segment.
/// - ACK stream (ack_every = d): a SYN at the start, the handshake's ACK one round trip later,
///   then one ACK per d data segments of the opposite direction, from two round trips after
///   the start (when the first window has crossed), spaced as those segments are, then a FIN.
/// With fewer packets than that the connection stops early (1 packet: the opening one only;
/// a FIN needs at least one packet after the opening ones).
///
/// Rounds: round r sends n_r = min(cwnd, receive_window, left, burst left) segments (in ACK
/// units for an ACK stream: n_r / d ACKs, at least one), segment_gap_ps x d apart; the next
/// round starts max(rtt, n_r x gap) after it, so a window that takes longer than a round
/// trip to send becomes a continuous stream at the access rate. cwnd doubles below ssthresh
/// (capped at it) and then grows by one segment per round, in rounds where the window was the
/// limit (not the data left or the application). An application-limited connection sends what
/// its application hands over: a first burst when the connection opens, then one burst at
/// each point of a Poisson process of mean spacing idle_mean_ps (bursts exponential, mean
/// burst_segments_mean, at least one segment). A round sends whatever has been handed over by
/// its start, up to the window; with nothing left the connection idles until the next burst,
/// and an idle period (from its last departure) over rto_ps sets cwnd back to
/// min(cwnd, initial_window) (RFC 2861). So the application's rate is the connection's
/// long-run rate unless the network is slower.
class TcpSchedule {
 public:
  TcpSchedule() = default;
  TcpSchedule(const TcpScheduleParams& params, std::uint64_t packets, double start_ps);

  bool done() const { return left_ == 0; }
  /// Time of the current packet, picoseconds. @pre !done()
  double time_ps() const { return time_ps_; }
  /// core::tcp_mark flags of the current packet. @pre !done()
  std::uint8_t mark() const;
  /// Moves to the next packet (done() after the last).
  void advance();
  /// Moves to the first packet at or after `t_ps` (done() if none), skipping whole rounds at
  /// a time: O(rounds) rather than O(packets).
  void skip_to(double t_ps);
  /// Packets not yet emitted, the current one included.
  std::uint64_t packets_left() const { return left_; }

 private:
  enum class Phase : std::uint8_t { kSyn, kHandshakeAck, kUnits, kFin };
  void enter_units();
  void start_round();
  void end_round();
  double draw_exponential(double mean);
  double draw_burst();

  TcpScheduleParams p_{};
  std::uint64_t left_ = 0;        // packets left, the current one included
  std::uint64_t units_left_ = 0;  // data segments (or ACKs) left, the current one included
  double time_ps_ = 0;
  double start_ps_ = 0;
  double round_start_ps_ = 0;
  double unit_gap_ps_ = 0;
  double burst_left_ = 0;     // segments handed over by the application, not yet sent
  double next_burst_ps_ = 0;  // when the application hands over its next burst
  double next_burst_ = 0;     // that burst's size, segments
  std::uint64_t cwnd_ = 0;
  std::uint32_t round_units_ = 0;
  std::uint32_t unit_in_round_ = 0;
  std::uint64_t draws_ = 0;
  std::uint32_t segments_per_unit_ = 1;
  bool window_limited_ = false;
  Phase phase_ = Phase::kSyn;
};

}  // namespace rlisim::traces
