#include "traces/analysis/profile_fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/core/units.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace rlisim::traces {
namespace {

constexpr std::uint32_t kHeaderOnlyBytes = 40;
constexpr double kMinAlpha = 1.0001;  // the profile file's accepted range for pareto_alpha
constexpr double kMaxAlpha = 10.0;

enum Handshake : std::uint8_t { kNone = 0, kSynSent, kSynAckSent, kAwaitAck, kDone };

// One directional 5-tuple flow; fixed size.
struct FlowRecord {
  std::int64_t first_ns = 0;
  std::int64_t last_ns = 0;
  std::int64_t last_data_ns = -1;
  std::int64_t syn_ns = 0;  // SYN (client side) or SYN-ACK (server side) time
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  double access_log_sum = 0;
  std::uint32_t access_samples = 0;
  std::uint32_t data_packets = 0;
  // Data gaps longer than idle_gap x 2^k, k = 0..7: the pause threshold is chosen at fit
  // time, when the round-trip time is known.
  std::array<std::uint16_t, 8> pauses{};
  std::uint64_t data_bytes = 0;
  std::uint8_t protocol = 0;
  Handshake handshake = kNone;
};

using FlowTable = std::unordered_map<core::FlowKey, FlowRecord, core::FlowKeyHasher>;

core::FlowKey reversed(const core::FlowKey& k) {
  core::FlowKey r = k;
  std::swap(r.src, r.dst);
  std::swap(r.src_port, r.dst_port);
  return r;
}

// Counts the gap since the flow's previous data segment on the pause scale and, when short
// enough to be back to back, as an access-rate sample.
void add_tcp_data_segment(FlowRecord& f, std::uint32_t wire_bytes, std::int64_t t,
                          const ProfileFitOptions& options) {
  const std::int64_t gap_ns = f.last_data_ns >= 0 ? t - f.last_data_ns : -1;
  if (gap_ns > 0) {
    std::int64_t threshold_ns = options.idle_gap.count() / 1000;
    for (std::size_t k = 0; k < f.pauses.size() && gap_ns > threshold_ns; ++k) {
      f.pauses[k] = static_cast<std::uint16_t>(std::min(f.pauses[k] + 1, 0xffff));
      threshold_ns *= 2;
    }
  }
  f.data_bytes += wire_bytes;
  // Compared in ns: a gap of months in ps would overflow int64.
  if (gap_ns > 0 && gap_ns <= options.train_gap.count() / 1000) {
    f.access_log_sum += std::log(8.0 * wire_bytes / (static_cast<double>(gap_ns) * 1e-9));
    ++f.access_samples;
  }
  f.last_data_ns = t;
}

// Handshakes: SYN, SYN-ACK in the reverse direction, then the SYN side's next packet; the time
// from the SYN to that packet is a round trip.
void track_handshake(FlowTable& flows, FlowRecord& f, const core::Packet& packet, std::int64_t t,
                     std::vector<double>& handshake_rtt_s) {
  const std::uint8_t mark = packet.tcp;
  const bool syn = (mark & core::tcp_mark::kSyn) != 0;
  const bool syn_ack = syn && (mark & core::tcp_mark::kPureAck) != 0;
  if (syn && !syn_ack) {
    if (f.handshake == kNone) {
      f.handshake = kSynSent;
      f.syn_ns = t;
    }
  } else if (syn_ack) {
    if (f.handshake == kNone) {
      auto r = flows.find(reversed(packet.flow));
      if (r != flows.end() && r->second.handshake == kSynSent) {
        f.handshake = kSynAckSent;
        f.syn_ns = t;
        r->second.handshake = kAwaitAck;
      }
    }
  } else if (f.handshake == kAwaitAck) {
    auto r = flows.find(reversed(packet.flow));
    if (r != flows.end() && r->second.handshake == kSynAckSent && t > f.syn_ns)
      handshake_rtt_s.push_back(static_cast<double>(t - f.syn_ns) * 1e-9);
    f.handshake = kDone;
  }
}

std::string rate_text(double bps) {
  return core::format_rate(bps);
}

std::string ms_text(double seconds) {
  return fmt::format("{:.3g} ms", seconds * 1e3);
}

// Rounded to the microsecond, so that a printed profile reads "132773us".
core::Time seconds_to_time(double s) {
  return core::Time{static_cast<std::int64_t>(std::llround(s * 1e6)) * 1'000'000};
}

}  // namespace

struct ProfileFitter::State {
  FlowTable flows;
  std::map<std::uint32_t, std::uint64_t> sizes;
  std::vector<double> handshake_rtt_s;
  TrafficStatistics statistics;
  std::uint64_t packets = 0;
  std::uint64_t bits = 0;
  std::int64_t first_ns = 0;
  std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
  std::uint64_t header_only = 0;
  std::uint64_t pure_acks = 0;
  std::uint64_t raised = 0;  // non-header-only packets below 40 B
};

ProfileFitter::ProfileFitter(ProfileFitOptions options)
    : options_(options), state_(std::make_unique<State>()) {
  if (options_.train_gap.count() < 0)
    throw std::invalid_argument("ProfileFitter: train_gap must be >= 0");
  if (!(options_.size_min_share >= 0 && options_.size_min_share <= 1))
    throw std::invalid_argument("ProfileFitter: size_min_share must be in [0, 1]");
}

ProfileFitter::~ProfileFitter() = default;
ProfileFitter::ProfileFitter(ProfileFitter&&) noexcept = default;
ProfileFitter& ProfileFitter::operator=(ProfileFitter&&) noexcept = default;

void ProfileFitter::add(const core::Packet& packet) {
  add(packet, core::TraceTime{packet.arrival.count() / 1000});
}

void ProfileFitter::add(const core::Packet& packet, core::TraceTime timestamp) {
  State& s = *state_;
  const std::int64_t t = timestamp.count();
  if (s.packets > 0 && t < s.last_ns)
    throw std::invalid_argument("ProfileFitter: packets must be added in time order");
  s.statistics.add(packet, timestamp);
  if (s.packets == 0)
    s.first_ns = t;
  s.last_ns = t;
  ++s.packets;
  s.bits += 8ULL * packet.wire_bytes;

  const std::uint8_t mark = packet.tcp;
  const bool tcp = packet.flow.protocol == 6;
  const bool header_only = tcp && mark != 0 && (mark & core::tcp_mark::kData) == 0;
  if (header_only) {
    ++s.header_only;
    if (mark == (mark & 0xf8u) && (mark & core::tcp_mark::kPureAck) != 0)
      ++s.pure_acks;
    ++s.sizes[kHeaderOnlyBytes];
  } else {
    if (packet.wire_bytes < kHeaderOnlyBytes)
      ++s.raised;
    ++s.sizes[std::max(packet.wire_bytes, kHeaderOnlyBytes)];
  }

  auto [it, inserted] = s.flows.try_emplace(packet.flow);
  FlowRecord& f = it->second;
  if (inserted) {
    f.first_ns = t;
    f.protocol = packet.flow.protocol;
  }
  f.last_ns = t;
  ++f.packets;
  f.bytes += packet.wire_bytes;
  // Without marks (a capture read without tcp_marks, the paced model) every packet is data.
  const bool data = !tcp || mark == 0 || (mark & core::tcp_mark::kData) != 0;
  if (data) {
    ++f.data_packets;
    if (tcp)
      add_tcp_data_segment(f, packet.wire_bytes, t, options_);
  }
  if (tcp)
    track_handshake(s.flows, f, packet, t, s.handshake_rtt_s);
}

std::optional<LogNormalFit> fit_log_normal(std::span<const double> values) {
  double sum = 0;
  double sum2 = 0;
  std::uint64_t n = 0;
  LogNormalFit fit;
  fit.min = std::numeric_limits<double>::infinity();
  fit.max = 0;
  for (double v : values) {
    if (!(v > 0) || !std::isfinite(v))
      continue;
    const double l = std::log(v);
    sum += l;
    sum2 += l * l;
    ++n;
    fit.min = std::min(fit.min, v);
    fit.max = std::max(fit.max, v);
  }
  if (n < 2)
    return std::nullopt;
  const double mean = sum / static_cast<double>(n);
  const double var =
      std::max(0.0, (sum2 - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1));
  fit.median = std::exp(mean);
  fit.sigma = std::sqrt(var);
  fit.n = n;
  return fit;
}

double truncated_pareto_log_likelihood(std::uint64_t n, double sum_log_ratio, double low,
                                       double high, double alpha) {
  // sum ln f(x_i), f(x) = alpha low^alpha x^(-alpha-1) / (1 - r^alpha), written with
  // S = sum ln(x_i / low) and the constant -sum ln low moved out (it does not depend on alpha).
  const double nn = static_cast<double>(n);
  const double mass = std::isinf(high) ? 1.0 : -std::expm1(alpha * std::log(low / high));
  return nn * std::log(alpha) - (alpha + 1) * sum_log_ratio - nn * std::log(mass);
}

std::optional<double> truncated_pareto_alpha_mle(std::uint64_t n, double sum_log_ratio, double low,
                                                 double high) {
  if (!(low > 0) || !(high >= low))
    throw std::invalid_argument("truncated_pareto_alpha_mle: expected 0 < low <= high");
  if (n < 2 || !(sum_log_ratio > 0))
    return std::nullopt;
  const double nn = static_cast<double>(n);
  if (std::isinf(high))
    return nn / sum_log_ratio;
  const double ln_r = std::log(low / high);
  if (ln_r == 0)
    return std::nullopt;
  const auto score = [&](double a) {
    const double ra = std::exp(a * ln_r);
    return nn / a - sum_log_ratio + nn * ra * ln_r / (-std::expm1(a * ln_r));
  };
  double lo = 1e-6;
  double hi = 100;
  if (score(lo) <= 0)
    return lo;
  if (score(hi) >= 0)
    return hi;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (score(mid) > 0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::optional<double> truncated_pareto_alpha_mle(std::span<const double> sample, double low,
                                                 double high) {
  double sum = 0;
  for (double x : sample)
    sum += std::log(x / low);
  return truncated_pareto_alpha_mle(sample.size(), sum, low, high);
}

double truncated_pareto_alpha_standard_error(std::uint64_t n, double low, double high,
                                             double alpha) {
  const double ln_r = std::log(low / high);
  const double ra = std::exp(alpha * ln_r);
  const double info = 1.0 / (alpha * alpha) - ra * ln_r * ln_r / ((1 - ra) * (1 - ra));
  return 1.0 / std::sqrt(static_cast<double>(n) * info);
}

std::vector<SizeMix::Entry> compact_size_histogram(
    const std::map<std::uint32_t, std::uint64_t>& counts, double min_share) {
  std::uint64_t total = 0;
  for (const auto& [size, n] : counts)
    total += n;
  if (total == 0)
    return {};
  std::vector<std::pair<std::uint32_t, std::uint64_t>> kept;
  std::uint32_t most = 0;
  std::uint64_t most_n = 0;
  for (const auto& [size, n] : counts) {
    if (n > most_n) {
      most = size;
      most_n = n;
    }
    if (n > 0 && static_cast<double>(n) >= min_share * static_cast<double>(total))
      kept.emplace_back(size, 0);
  }
  if (kept.empty())
    kept.emplace_back(most, 0);
  for (const auto& [size, n] : counts) {
    // Nearest kept size: the first kept >= size, or the one before it if closer (ties: smaller).
    auto above = std::lower_bound(kept.begin(), kept.end(), size,
                                  [](const auto& e, std::uint32_t v) { return e.first < v; });
    auto target = above;
    if (above == kept.end()) {
      target = std::prev(above);
    } else if (above != kept.begin()) {
      const auto below = std::prev(above);
      if (size - below->first <= above->first - size)
        target = below;
    }
    target->second += n;
  }
  std::vector<SizeMix::Entry> out;
  for (const auto& [size, n] : kept)
    out.push_back({size, static_cast<double>(n)});
  return out;
}

std::string ProfileFit::comment(std::string_view source) const {
  std::string out = fmt::format(
      "rlisim traffic profile fitted to {} ({} packets, {} flows) by `rlisim trace gen --like`.\n"
      "Base: profile \"default\", flow_model \"tcp\". How each key was obtained:\n",
      source, packets, flows);
  for (const FitNote& n : notes)
    out += fmt::format("  {} [{}]: {}\n", n.key, n.fitted ? "fitted" : "default", n.how);
  return out;
}

namespace {

// Appends how each key of the fitted profile was obtained.
class FitNotes {
 public:
  explicit FitNotes(std::vector<FitNote>& notes) : notes_(notes) {}
  void operator()(std::string key, bool fitted, std::string how) {
    notes_.push_back({std::move(key), fitted, std::move(how)});
  }

 private:
  std::vector<FitNote>& notes_;
};

// The level k on the pause scale (gaps longer than idle_gap x 2^k, as counted per flow) that
// marks an application-limited sender: the first at least as long as idle_gap and as two round
// trips (a bulk sender waits one round trip between windows).
std::size_t application_pause_level(const std::vector<double>& handshake_rtt_s,
                                    core::Time idle_gap) {
  double pause_s = core::to_seconds(idle_gap);
  if (handshake_rtt_s.size() >= 2) {
    std::vector<double> rtts = handshake_rtt_s;
    std::nth_element(rtts.begin(), rtts.begin() + static_cast<std::ptrdiff_t>(rtts.size() / 2),
                     rtts.end());
    pause_s = std::max(pause_s, 2 * rtts[rtts.size() / 2]);
  }
  std::size_t pause_level = 0;
  while (pause_level + 1 < FlowRecord{}.pauses.size() &&
         core::to_seconds(idle_gap) * std::ldexp(1.0, static_cast<int>(pause_level)) < pause_s)
    ++pause_level;
  return pause_level;
}

// Flow-level samples, gathered in one pass over the flow table.
struct FlowSamples {
  std::uint64_t tcp_data = 0;
  std::uint64_t tcp_no_payload = 0;
  std::uint64_t udp = 0;
  std::uint64_t other = 0;
  std::uint64_t other_packets = 0;
  double min_k = std::numeric_limits<double>::infinity();
  double max_k = 0;
  std::uint64_t sized = 0;  // TCP and UDP flows
  double longest_s = 0;
  std::vector<double> flow_rates;
  std::vector<double> access;
  std::uint64_t classified = 0;  // TCP data flows long enough to classify
  std::uint64_t app_limited = 0;
  double app_bytes = 0;
  double app_bursts = 0;
};

FlowSamples sample_flows(const FlowTable& flows, const ProfileFitOptions& options,
                         std::size_t pause_level) {
  FlowSamples out;
  for (const auto& [key, f] : flows) {
    if (f.protocol != 6 && f.protocol != 17) {
      ++out.other;
      out.other_packets += f.packets;
      continue;
    }
    if (f.protocol == 6) {
      (f.data_packets > 0 ? out.tcp_data : out.tcp_no_payload) += 1;
      if (f.access_samples > 0)
        out.access.push_back(std::exp(f.access_log_sum / f.access_samples));
      if (f.data_packets >= options.rate_min_packets) {
        ++out.classified;
        if (const std::uint16_t pauses = f.pauses[pause_level]; pauses > 0) {
          ++out.app_limited;
          out.app_bytes += static_cast<double>(f.data_bytes);
          out.app_bursts += pauses + 1.0;
        }
      }
    } else {
      ++out.udp;
    }
    ++out.sized;
    const auto k = static_cast<double>(f.packets);
    out.min_k = std::min(out.min_k, k);
    out.max_k = std::max(out.max_k, k);
    const double duration_s = static_cast<double>(f.last_ns - f.first_ns) * 1e-9;
    out.longest_s = std::max(out.longest_s, duration_s);
    if (f.packets >= options.rate_min_packets && duration_s > 0)
      out.flow_rates.push_back(8.0 * static_cast<double>(f.bytes) / duration_s);
  }
  return out;
}

// Rate and duration. Every fitted time (RTTs, flow durations, pauses) lies within the span,
// so bounding the span keeps them all within simulation time.
void fit_rate_and_duration(SyntheticTrafficConfig& c, std::uint64_t bits, double span_s,
                           FitNotes& note) {
  if (span_s > core::to_seconds(kMaxTrafficDuration)) {
    throw core::ConfigError(fmt::format(
        "profile fit: the capture spans {:.6g} s from the first to the last packet, longer than "
        "a generated trace may last (100 days); if it jumps in time, shorten its gaps with a "
        "max_gap (--max-gap)",
        span_s));
  }
  if (span_s > 0) {
    c.duration = std::max(seconds_to_time(span_s), kMinTrafficDuration);
    const double bps = static_cast<double>(bits) / span_s;
    c.rate = core::BitsPerSecond{std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::llround(bps)), 1, kMaxTrafficRateBps)};
    note("rate", true,
         fmt::format("{} wire bits over the {:.6g} s between the first and last packet", bits,
                     span_s));
    note("duration", true, "the capture's span (first to last packet)");
  } else {
    note("rate", false, "the capture spans no time (one packet or one instant)");
    note("duration", false, "the capture spans no time");
  }
}

// Flow sizes. x_m is the smallest size that at least kMinSizeShare of the flows have (or
// exceed): a few stragglers below it (flows cut by the capture's ends) would otherwise set
// the lower bound and bias alpha low. Flows below it are left out of the fit.
void fit_flow_sizes(SyntheticTrafficConfig& c, const FlowTable& flows, const FlowSamples& fs,
                    const ProfileFitOptions& options, FitNotes& note) {
  std::map<std::uint64_t, std::uint64_t> size_counts;
  for (const auto& [key, f] : flows) {
    if (f.protocol == 6 || f.protocol == 17)
      ++size_counts[f.packets];
  }
  double low = 0;
  std::uint64_t below = 0;
  for (const auto& [k, n] : size_counts) {
    if (static_cast<double>(n) >= options.min_size_share * static_cast<double>(fs.sized)) {
      low = static_cast<double>(k);
      break;
    }
    below += n;
  }
  if (low == 0) {  // no size is that common: take the smallest
    low = fs.min_k;
    below = 0;
  }
  double sum_log = 0;
  std::uint64_t tail = 0;
  for (const auto& [k, n] : size_counts) {
    if (static_cast<double>(k) >= low) {
      sum_log += static_cast<double>(n) * std::log(static_cast<double>(k) / low);
      tail += n;
    }
  }
  const double max_k = fs.max_k;
  c.flow_size.model = FlowSizeModel::kPareto;
  c.flow_size.min_packets = low;
  c.flow_size.max_packets = max_k;
  const auto alpha =
      max_k > low ? truncated_pareto_alpha_mle(tail, sum_log, low, max_k) : std::nullopt;
  note("pareto_min_packets", true,
       fmt::format("smallest flow size (TCP/UDP, directional 5-tuples) held by >= {:g} % of the "
                   "{} flows; {} smaller flows (the smallest has {} packets) left out of the fit",
                   100 * options.min_size_share, fs.sized, below,
                   static_cast<std::uint64_t>(fs.min_k)));
  note("max_flow_packets", true, "largest flow (the MLE of a truncated Pareto's upper bound)");
  if (alpha) {
    c.flow_size.alpha = std::clamp(*alpha, kMinAlpha, kMaxAlpha);
    note("pareto_alpha", true,
         fmt::format("truncated-Pareto MLE (Aban-Meerschaert-Panorska, bounds {:g}..{:g} "
                     "fixed) on {} flow sizes: {:.4g}{}, standard error {:.2g}",
                     low, max_k, tail, *alpha,
                     *alpha == c.flow_size.alpha ? "" : " (clamped to the accepted [1.0001, 10])",
                     truncated_pareto_alpha_standard_error(tail, low, max_k, *alpha)));
  } else {
    c.flow_size.max_packets = std::max(max_k, low + 1);
    note("pareto_alpha", false,
         "every flow has the same size (or fewer than 2 flows): no tail to fit");
  }
}

// Protocol split and ACK streams.
void fit_protocol_split(SyntheticTrafficConfig& c, const FlowSamples& fs, std::uint64_t header_only,
                        std::uint64_t pure_acks, FitNotes& note) {
  if (fs.tcp_data + fs.udp > 0) {
    c.tcp_fraction = static_cast<double>(fs.tcp_data) / static_cast<double>(fs.tcp_data + fs.udp);
    note("tcp_fraction", true,
         fmt::format("{} TCP flows with payload / ({} + {} UDP flows); {} TCP flows without "
                     "payload are ACK streams, {} flows ({} packets) of other protocols ignored",
                     fs.tcp_data, fs.tcp_data, fs.udp, fs.tcp_no_payload, fs.other,
                     fs.other_packets));
  } else {
    note("tcp_fraction", false, "no data flow (only TCP flows without payload)");
  }
  c.tcp.ack_streams = pure_acks > header_only - pure_acks;
  note("tcp.ack_streams", true,
       fmt::format("{} of {} header-only packets are pure ACKs (no SYN, FIN or RST): {}", pure_acks,
                   header_only,
                   c.tcp.ack_streams ? "they look like ACK streams, kept on"
                                     : "mostly connection control, off"));
}

void fit_rtt(SyntheticTrafficConfig& c, const std::vector<double>& handshake_rtt_s,
             FitNotes& note) {
  if (const auto rtt = fit_log_normal(handshake_rtt_s)) {
    c.tcp.rtt_median = seconds_to_time(rtt->median);
    c.tcp.rtt_sigma = std::min(rtt->sigma, 10.0);
    c.tcp.rtt_min = std::max(seconds_to_time(rtt->min), core::microseconds(1));
    c.tcp.rtt_max = std::max(seconds_to_time(rtt->max), c.tcp.rtt_min);
    c.tcp.rtt_median = std::clamp(c.tcp.rtt_median, c.tcp.rtt_min, c.tcp.rtt_max);
    const std::string how = fmt::format(
        "log-normal fit (ln space) of {} handshake RTTs, SYN to the client's ACK after the "
        "SYN-ACK (t2 - t0): median {}, sigma {:.3g}, range {} .. {}",
        rtt->n, ms_text(rtt->median), rtt->sigma, ms_text(rtt->min), ms_text(rtt->max));
    note("tcp.rtt_median / rtt_sigma / rtt_min / rtt_max", true, how);
  } else {
    const std::string why = fmt::format(
        "{} complete handshake(s) seen in both directions; at least 2 needed (window spacing is "
        "not used: application idle periods make it ambiguous)",
        handshake_rtt_s.size());
    note("tcp.rtt_median / rtt_sigma / rtt_min / rtt_max", false, why);
  }
}

void fit_access_rate(SyntheticTrafficConfig& c, const std::vector<double>& access,
                     const ProfileFitOptions& options, FitNotes& note) {
  if (const auto a = fit_log_normal(access)) {
    // Whole bits per second, as a profile file writes them, so that the printed profile
    // generates the same trace as the fit.
    c.tcp.access_min_bps = std::round(std::clamp(a->min, 1e3, 1e13));
    c.tcp.access_max_bps = std::round(std::clamp(a->max, c.tcp.access_min_bps, 1e13));
    c.tcp.access_median_bps =
        std::round(std::clamp(a->median, c.tcp.access_min_bps, c.tcp.access_max_bps));
    c.tcp.access_sigma = std::min(a->sigma, 10.0);
    const std::string how = fmt::format(
        "log-normal fit over {} TCP flows of their mean ln(8 x bytes / gap) over consecutive "
        "data segments <= {} apart: median {}, sigma {:.3g}, range {} .. {}",
        a->n, core::format_duration(options.train_gap), rate_text(a->median), a->sigma,
        rate_text(a->min), rate_text(a->max));
    note("tcp.access_median / access_sigma / access_min / access_max", true, how);
  } else {
    const std::string why = fmt::format(
        "{} TCP flow(s) with back-to-back data segments (gap in (0, {}]); at least 2 needed",
        access.size(), core::format_duration(options.train_gap));
    note("tcp.access_median / access_sigma / access_min / access_max", false, why);
  }
}

void fit_flow_rate(SyntheticTrafficConfig& c, const std::vector<double>& flow_rates,
                   const ProfileFitOptions& options, FitNotes& note) {
  if (const auto r = fit_log_normal(flow_rates)) {
    c.pacing.min_bps = std::max(1.0, std::round(r->min));
    c.pacing.max_bps = std::max(c.pacing.min_bps, std::round(r->max));
    c.pacing.median_bps = std::round(std::clamp(r->median, c.pacing.min_bps, c.pacing.max_bps));
    c.pacing.sigma = std::min(r->sigma, 10.0);
    const std::string how = fmt::format(
        "log-normal fit of 8 x bytes / duration over {} TCP/UDP flows of >= {} packets: median "
        "{}, sigma {:.3g}, range {} .. {}",
        r->n, options.rate_min_packets, rate_text(r->median), r->sigma, rate_text(r->min),
        rate_text(r->max));
    note("pacing.median / sigma / min / max", true, how);
  } else {
    const std::string why = fmt::format(
        "{} flow(s) of >= {} packets with a duration > 0; at "
        "least 2 needed",
        flow_rates.size(), options.rate_min_packets);
    note("pacing.median / sigma / min / max", false, why);
  }
}

// Application limit: a connection whose data pause for longer than pause_s (Linux's
// minimum RTO, the pause a sender notices, and two round trips) between segments is sending
// what its application hands over, in bursts between the pauses.
void fit_application_limit(SyntheticTrafficConfig& c, const FlowSamples& fs, double pause_s,
                           const ProfileFitOptions& options, FitNotes& note) {
  if (fs.classified >= 2) {
    c.tcp.app_limited_fraction =
        static_cast<double>(fs.app_limited) / static_cast<double>(fs.classified);
    note("tcp.app_limited_fraction", true,
         fmt::format("{} of {} TCP data flows of >= {} data packets pause for more than {} "
                     "(max of {} and twice the median handshake RTT, on a doubling scale) "
                     "between data segments",
                     fs.app_limited, fs.classified, options.rate_min_packets,
                     core::format_duration(seconds_to_time(pause_s)),
                     core::format_duration(options.idle_gap)));
    if (fs.app_bursts > 0) {
      // At least one data segment: a burst is what the application hands over at once.
      double data_weight = 0;
      double data_bytes = 0;
      for (const SizeMix::Entry& e : c.size_mix.entries()) {
        if (e.wire_bytes > kHeaderOnlyBytes) {
          data_weight += e.probability;
          data_bytes += e.probability * e.wire_bytes;
        }
      }
      const double segment = data_weight > 0 ? data_bytes / data_weight : 1.0;
      c.tcp.app_burst_bytes =
          std::max(std::round(fs.app_bytes / fs.app_bursts), std::ceil(segment));
      note("tcp.app_burst", true,
           fmt::format("mean data bytes between those pauses ({:.0f} B over {:.0f} bursts)",
                       fs.app_bytes, fs.app_bursts));
    } else {
      note("tcp.app_burst", false, "no flow pauses, so no burst to measure");
    }
  } else {
    const std::string why =
        fmt::format("{} TCP data flow(s) of >= {} data packets; at least 2 needed", fs.classified,
                    options.rate_min_packets);
    note("tcp.app_limited_fraction", false, why);
    note("tcp.app_burst", false, why);
  }
}

void fit_max_flow_duration(SyntheticTrafficConfig& c, double longest_s, FitNotes& note) {
  const core::Time longest = seconds_to_time(std::ceil(longest_s * 1e3) * 1e-3);
  if (longest > c.pacing.max_flow_duration && longest <= core::seconds(86'400)) {
    c.pacing.max_flow_duration = longest;
    note("pacing.max_flow_duration", true, "the longest flow, rounded up to 1 ms");
  } else {
    note("pacing.max_flow_duration", false,
         fmt::format("the longest flow ({:.3g} s) is within the default cap", longest_s));
  }
}

}  // namespace

ProfileFit ProfileFitter::fit(std::string name) const {
  const State& s = *state_;
  ProfileFit result;
  SyntheticTrafficConfig c = profile("default");
  c.name = std::move(name);
  c.flow_model = FlowModel::kTcp;
  result.statistics = s.statistics.report();
  result.packets = s.packets;
  result.flows = s.flows.size();
  FitNotes note(result.notes);

  const std::size_t pause_level = application_pause_level(s.handshake_rtt_s, options_.idle_gap);
  const double pause_s =
      core::to_seconds(options_.idle_gap) * std::ldexp(1.0, static_cast<int>(pause_level));
  const FlowSamples fs = sample_flows(s.flows, options_, pause_level);
  if (fs.sized == 0) {
    throw core::ConfigError(fmt::format(
        "profile fit: the capture holds no TCP or UDP packet ({} packets of other protocols); "
        "nothing to fit the flow model to",
        s.packets));
  }
  fit_rate_and_duration(c, s.bits, static_cast<double>(s.last_ns - s.first_ns) * 1e-9, note);

  const auto entries = compact_size_histogram(s.sizes, options_.size_min_share);
  c.size_mix = SizeMix(entries, c.name);
  note("size_mix", true,
       fmt::format("wire-size histogram of {} packets ({} distinct sizes; {} header-only TCP "
                   "packets counted at 40 B, {} others below 40 B raised to 40), sizes with "
                   "< {:g} % of packets folded into the nearest kept size: {} sizes kept",
                   s.packets, s.sizes.size(), s.header_only, s.raised,
                   100 * options_.size_min_share, entries.size()));

  fit_flow_sizes(c, s.flows, fs, options_, note);
  fit_protocol_split(c, fs, s.header_only, s.pure_acks, note);
  fit_rtt(c, s.handshake_rtt_s, note);
  fit_access_rate(c, fs.access, options_, note);
  fit_flow_rate(c, fs.flow_rates, options_, note);
  fit_application_limit(c, fs, pause_s, options_, note);
  fit_max_flow_duration(c, fs.longest_s, note);

  const char* const kKept[][2] = {
      {"tcp.initial_window", "not identifiable without per-connection sequence analysis"},
      {"tcp.ssthresh_bdp", "needs loss and window-growth analysis"},
      {"tcp.rwnd_min / rwnd_max", "advertised windows are not decoded"},
      {"tcp.rto_min / ack_every", "protocol constants, not measured"},
      {"udp.*", "UDP burst structure is not fitted"},
      {"addresses.*", "the generator draws its own addresses"},
      {"size_sampling", "a generator setting, not a property of traffic"},
  };
  for (const auto& [key, why] : kKept)
    note(key, false, why);

  validate(c);
  result.config = std::move(c);
  return result;
}

ProfileFit fit_capture(const std::string& path, std::optional<core::TraceTime> max_gap,
                       const ProfileFitOptions& options) {
  PcapReaderOptions reader_options;
  reader_options.tcp_marks = true;
  reader_options.max_gap = max_gap;
  PcapReader reader(path, reader_options);
  ProfileFitter fitter(options);
  core::Packet packet;
  core::TraceTime ts{};
  while (reader.next_timestamped(packet, ts))
    fitter.add(packet, ts);
  std::string name = std::filesystem::path(path).stem().string();
  if (name.empty())
    name = "like";
  return fitter.fit(name);
}

}  // namespace rlisim::traces
