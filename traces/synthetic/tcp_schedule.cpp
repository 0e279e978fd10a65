#include "traces/synthetic/tcp_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "sim/core/packet.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::traces {

TcpSchedule::TcpSchedule(const TcpScheduleParams& params, std::uint64_t packets, double start_ps)
    : p_(params), left_(packets), time_ps_(start_ps), start_ps_(start_ps) {
  const std::uint64_t opening = p_.ack_every == 0 ? 1 : 2;
  const std::uint64_t rest = packets > opening ? packets - opening : 0;
  // After the opening packets: the units, then a FIN if any packet is left for one.
  units_left_ = rest > 0 ? rest - 1 : 0;
  segments_per_unit_ = std::max<std::uint32_t>(1, p_.ack_every);
  unit_gap_ps_ = p_.segment_gap_ps * segments_per_unit_;
  cwnd_ = p_.initial_window;
  phase_ = Phase::kSyn;
}

double TcpSchedule::draw_burst() {
  return std::max(1.0, std::round(draw_exponential(p_.burst_segments_mean)));
}

double TcpSchedule::draw_exponential(double mean) {
  const std::uint64_t bits = core::mix64(p_.random_key ^ (0x9e3779b97f4a7c15ULL * (draws_++ + 1)));
  const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
  return -mean * std::log1p(-u);
}

std::uint8_t TcpSchedule::mark() const {
  switch (phase_) {
    case Phase::kSyn:  // the data direction opens with the server's SYN-ACK
      return p_.ack_every == 0 ? core::tcp_mark::kSyn | core::tcp_mark::kPureAck
                               : core::tcp_mark::kSyn;
    case Phase::kHandshakeAck:
      return core::tcp_mark::pure_ack(0);
    case Phase::kUnits:
      return p_.ack_every == 0 ? core::tcp_mark::kData
                               : core::tcp_mark::pure_ack(segments_per_unit_);
    case Phase::kFin:
      break;
  }
  return core::tcp_mark::kFin;
}

void TcpSchedule::enter_units() {
  // Data leave one round trip after the SYN-ACK; at the other end of an ACK stream they leave
  // one round trip after its handshake ACK, and their ACKs come back through here then.
  round_start_ps_ = start_ps_ + p_.rtt_ps * (p_.ack_every == 0 ? 1 : 2);
  if (p_.burst_segments_mean > 0) {
    // The application's clock starts when the connection opens, with the burst the
    // connection was opened for.
    burst_left_ = draw_burst();
    next_burst_ps_ = start_ps_ + draw_exponential(p_.idle_mean_ps);
    next_burst_ = draw_burst();
  }
  if (units_left_ > 0) {
    phase_ = Phase::kUnits;
    start_round();
  } else {
    phase_ = Phase::kFin;
    time_ps_ = round_start_ps_;
  }
}

void TcpSchedule::start_round() {
  const std::uint64_t window = std::min<std::uint64_t>(cwnd_, p_.receive_window);
  std::uint64_t sendable = window;
  if (p_.burst_segments_mean > 0) {
    // Everything the application has handed over by now may go in this round.
    while (next_burst_ps_ <= round_start_ps_ && burst_left_ < static_cast<double>(window)) {
      burst_left_ += next_burst_;
      next_burst_ps_ += draw_exponential(p_.idle_mean_ps);
      next_burst_ = draw_burst();
    }
    sendable = std::min(window, static_cast<std::uint64_t>(std::ceil(burst_left_)));
  }
  const std::uint64_t units = std::max<std::uint64_t>(1, sendable / segments_per_unit_);
  round_units_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(units, units_left_));
  // cwnd grows only in rounds the window limited (not the data left or the application):
  // an ACK stream's window of w segments gives floor(w / d) ACKs.
  window_limited_ = sendable == window && units <= units_left_;
  unit_in_round_ = 0;
  time_ps_ = round_start_ps_;
}

void TcpSchedule::end_round() {
  const double sent = static_cast<double>(round_units_) * segments_per_unit_;
  double next = round_start_ps_ + std::max(p_.rtt_ps, round_units_ * unit_gap_ps_);
  if (window_limited_) {
    cwnd_ = cwnd_ < p_.ssthresh ? std::min<std::uint64_t>(2 * cwnd_, p_.ssthresh) : cwnd_ + 1;
    // Beyond the receive window cwnd changes nothing; the cap keeps it bounded.
    cwnd_ = std::min<std::uint64_t>(cwnd_, std::max(p_.receive_window, p_.initial_window));
  }
  if (p_.burst_segments_mean > 0) {
    burst_left_ -= sent;
    if (burst_left_ <= 0 && next_burst_ps_ > next) {
      // Nothing to send until the application hands over its next burst. The idle period
      // runs from the last segment's departure (RFC 2861).
      const double last_sent = round_start_ps_ + (round_units_ - 1) * unit_gap_ps_;
      if (next_burst_ps_ - last_sent > p_.rto_ps)
        cwnd_ = std::min<std::uint64_t>(cwnd_, p_.initial_window);
      next = next_burst_ps_;
    }
    burst_left_ = std::max(burst_left_, 0.0);
  }
  round_start_ps_ = next;
}

void TcpSchedule::advance() {
  if (left_ == 0)
    return;
  if (--left_ == 0)
    return;
  switch (phase_) {
    case Phase::kSyn:
      if (p_.ack_every != 0) {
        phase_ = Phase::kHandshakeAck;
        time_ps_ = start_ps_ + p_.rtt_ps;
      } else {
        enter_units();
      }
      return;
    case Phase::kHandshakeAck:
      enter_units();
      return;
    case Phase::kUnits:
      if (--units_left_ == 0) {
        phase_ = Phase::kFin;
        time_ps_ += unit_gap_ps_;
        return;
      }
      if (++unit_in_round_ < round_units_) {
        time_ps_ = round_start_ps_ + unit_in_round_ * unit_gap_ps_;
        return;
      }
      end_round();
      start_round();
      return;
    case Phase::kFin:
      return;
  }
}

void TcpSchedule::skip_to(double t_ps) {
  while (left_ > 0 && time_ps_ < t_ps) {
    if (phase_ != Phase::kUnits) {
      advance();
      continue;
    }
    const std::uint32_t last = round_units_ - 1;
    const double last_time = round_start_ps_ + last * unit_gap_ps_;
    std::uint32_t target = last;
    if (last_time >= t_ps) {
      // The first unit of this round at or after t: the quotient's rounding can land one
      // past it (stepped back here) or one short (settled by advance() below).
      const double j = std::ceil((t_ps - round_start_ps_) / unit_gap_ps_);
      target = static_cast<std::uint32_t>(std::clamp<double>(j, unit_in_round_, last));
      while (target > unit_in_round_ && round_start_ps_ + (target - 1) * unit_gap_ps_ >= t_ps)
        --target;
    }
    if (target > unit_in_round_) {
      const std::uint32_t k = target - unit_in_round_;
      left_ -= k;
      units_left_ -= k;
      unit_in_round_ = target;
      time_ps_ = round_start_ps_ + target * unit_gap_ps_;
    }
    if (time_ps_ < t_ps)
      advance();
  }
}

}  // namespace rlisim::traces
