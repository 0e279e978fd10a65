#include "traces/synthetic/flow_generator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/units.hpp"
#include "traces/synthetic/sampling.hpp"

namespace rlisim::traces {
namespace {

constexpr double kPsPerSecond = 1e12;
constexpr std::uint64_t kSrcSalt = 0x5352435f50524546ULL;  // "SRC_PREF"
constexpr std::uint64_t kDstSalt = 0x4453545f50524546ULL;  // "DST_PREF"

// (time, flow index): the heap order, and the tie-break rule for equal packet times.
template <typename E>
bool earlier(const E& a, const E& b) {
  return a.time_ps != b.time_ps ? a.time_ps < b.time_ps : a.flow_index < b.flow_index;
}

std::uint16_t ephemeral_port(std::mt19937_64& rng) {
  return static_cast<std::uint16_t>(1024 + rng() % 64512);
}

// Wire size of a packet without payload: IPv4 + TCP headers (the generator's keys are IPv4).
constexpr std::uint32_t kTcpHeaderBytes = 40;

// Per-flow draw indices of the kTcp model (counter-based, so a flow's attributes are a function
// of the seed and its index alone, whether or not earlier flows were discarded).
enum Draw : std::uint64_t {
  kDrawSize = 1,
  kDrawRounding,
  kDrawClass,
  kDrawProtocol,
  kDrawRtt,
  kDrawAccess,
  kDrawRwnd,
  kDrawAppLimited,
  kDrawAppRate,
  kDrawUdpKind,
  kDrawSchedule,
};

}  // namespace

FlowGenerator::FlowGenerator(SyntheticTrafficConfig config)
    : config_((validate(config), std::move(config))),
      sizes_(config_.flow_size),
      arrival_rng_(core::make_rng(config_.seed, 1)),
      flow_rng_(core::make_rng(config_.seed, 2)),
      packet_rng_(core::make_rng(config_.seed, 3)) {
  auto shift_rng = core::make_rng(config_.seed, 4);
  shift_ = core::uniform01(shift_rng);
  key_salt_ = core::mix64(config_.seed ^ 0x6b65795f73616c74ULL);
  mean_bits_ = 8.0 * config_.size_mix.mean_bytes();
  if (config_.flow_model == FlowModel::kTcp)
    set_up_tcp_model();
  flows_per_second_ =
      static_cast<double>(config_.rate.value) / (mean_bits_ * sizes_.mean_packets());
  mean_interarrival_ps_ = kPsPerSecond / flows_per_second_;
  max_flow_duration_ps_ = static_cast<double>(config_.pacing.max_flow_duration.count());
  // A little slack over the exact slowest spacing keeps the early discard conservative under
  // floating-point rounding.
  slowest_gap_ps_ = mean_bits_ / config_.pacing.min_bps * kPsPerSecond * (1 + 1e-9);
  end_ps_ = config_.duration.count();
  // Warm-up: the flow process starts one maximal flow duration before 0.
  next_arrival_ps_ =
      -max_flow_duration_ps_ + core::exponential(arrival_rng_, mean_interarrival_ps_);
}

void FlowGenerator::set_trains(Flow& f, double gap_ps, std::uint32_t train, double peak_gap_ps) {
  f.train = train;
  if (train == 1) {
    f.train_gap_ps = gap_ps;
    f.intra_gap_ps = gap_ps;
  } else {
    f.train_gap_ps = gap_ps * train;
    f.intra_gap_ps = std::min(gap_ps, peak_gap_ps);
  }
}

std::int64_t FlowGenerator::packet_time(const Flow& f, std::uint64_t i) const {
  if (f.train == 1) {
    return f.start_ps + static_cast<std::int64_t>(static_cast<double>(i) * f.train_gap_ps);
  }
  const std::uint64_t q = i / f.train;
  const std::uint64_t r = i % f.train;
  return f.start_ps + static_cast<std::int64_t>(static_cast<double>(q) * f.train_gap_ps +
                                                static_cast<double>(r) * f.intra_gap_ps);
}

std::uint64_t FlowGenerator::first_index_at_or_after_zero(const Flow& f) const {
  if (f.start_ps >= 0)
    return 0;
  const double need = -static_cast<double>(f.start_ps);
  double guess = 0;
  if (f.train == 1) {
    guess = std::ceil(need / f.train_gap_ps);
  } else {
    double q = std::floor(need / f.train_gap_ps);
    double r = std::ceil((need - q * f.train_gap_ps) / f.intra_gap_ps);
    if (r >= f.train) {
      q += 1;
      r = 0;
    }
    guess = q * f.train + r;
  }
  std::uint64_t i =
      guess >= static_cast<double>(f.packets) ? f.packets : static_cast<std::uint64_t>(guess);
  // The closed form can be off by one through floating-point rounding: settle it exactly.
  while (i > 0 && packet_time(f, i - 1) >= 0)
    --i;
  while (i < f.packets && packet_time(f, i) < 0)
    ++i;
  return i;
}

void FlowGenerator::set_up_tcp_model() {
  const SizeMix& mix = config_.size_mix;
  std::vector<SizeMix::Entry> data;
  for (const SizeMix::Entry& e : mix.entries()) {
    if (e.wire_bytes > kTcpHeaderBytes)
      data.push_back(e);
  }
  if (data.empty()) {
    throw core::ConfigError(fmt::format(
        "size_mix: {} has no packet larger than {} B, so flow_model = \"tcp\" has no data "
        "segment size to draw; use a mix with payload-carrying sizes or flow_model = \"paced\"",
        mix.describe(), kTcpHeaderBytes));
  }
  data_mix_ = SizeMix(std::move(data), mix.name() + "-data");
  rwnd_log_ratio_ = std::log(config_.tcp.rwnd_max_bytes / config_.tcp.rwnd_min_bytes);
  data_mean_bits_ = 8.0 * data_mix_.mean_bytes();
  // Header-only packets per flow: ACK streams are all header-only; a TCP data flow has a
  // SYN-ACK and, with two packets or more, a FIN. Choose the ACK streams' share of flows so
  // that header-only packets keep the mix's share h:  a E[K] + (1 - a) tau c = h E[K].
  const double k = sizes_.mean_packets();
  const double tau = config_.tcp_fraction;
  const double control = 1.0 + sizes_.probability_at_least(2);
  const double header_share = mix.probability(kTcpHeaderBytes);
  ack_stream_share_ = 0;
  if (config_.tcp.ack_streams && k > tau * control)
    ack_stream_share_ =
        std::clamp((header_share * k - tau * control) / (k - tau * control), 0.0, 1.0 - 1e-9);
  // The mean packet size actually produced (the mix's mean unless the mix has too few
  // header-only packets for the control packets), so that flow arrivals hit the rate.
  const double a = ack_stream_share_;
  const double bytes_per_flow =
      a * k * kTcpHeaderBytes +
      (1 - a) * (tau * control * kTcpHeaderBytes + (k - tau * control) * data_mix_.mean_bytes());
  mean_bits_ = 8.0 * bytes_per_flow / k;
}

double FlowGenerator::flow_uniform(std::uint64_t index, std::uint64_t draw) const {
  const std::uint64_t bits =
      core::mix64(key_salt_ ^ core::mix64(index * 0x9e3779b97f4a7c15ULL + draw));
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

double FlowGenerator::flow_normal(std::uint64_t index, std::uint64_t draw) const {
  return core::normal_quantile_approx(flow_uniform(index, draw));
}

double FlowGenerator::app_rate_bps(std::uint64_t index, std::uint64_t draw, std::uint64_t packets,
                                   double mean_bits) const {
  const FlowPacingConfig& pacing = config_.pacing;
  const double rate =
      std::clamp(pacing.median_bps * std::exp(pacing.sigma * flow_normal(index, draw)),
                 pacing.min_bps, pacing.max_bps);
  // A quarter of the maximal duration: the application's exponential clock can take several
  // times its mean (one spacing exceeds 4 means with probability e^-4 = 1.8 %).
  return std::max(rate, fitting_rate_bps(static_cast<double>(packets) * mean_bits, 0.25));
}

double FlowGenerator::fitting_rate_bps(double bits, double share) const {
  return bits * kPsPerSecond / (share * max_flow_duration_ps_);
}

double FlowGenerator::bulk_duration_bound(std::uint64_t packets, double rtt_ps,
                                          std::uint32_t ack_every, double floor_bps) const {
  // TcpSchedule without an application limit: opening packets take `open` round trips, then
  // every round sends at least w0 units (cwnd never falls below the initial window, the
  // receive window never below rwnd_min), a round lasts at most rtt + its units x unit gap,
  // and the unit gap is largest at the slowest access rate a connection can get.
  const TcpFlowConfig& c = config_.tcp;
  const double spp = std::max<std::uint32_t>(1, ack_every);
  const double open = ack_every == 0 ? 1 : 2;
  const double rwnd_min_segments =
      std::clamp(std::floor(c.rwnd_min_bytes / data_mix_.mean_bytes()), 1.0, 4e9);
  const double w0 =
      std::max(1.0, std::floor(std::min<double>(c.initial_window, rwnd_min_segments) / spp));
  const auto units = static_cast<double>(packets);
  const double rounds = std::ceil(units / w0);
  const double unit_gap_ps =
      spp * data_mean_bits_ / std::max(c.access_min_bps, floor_bps) * kPsPerSecond;
  // Relative and absolute slack cover the schedule's floating-point rounding.
  return ((open + rounds) * rtt_ps + (units + 1) * unit_gap_ps) * (1 + 1e-9) + 1;
}

TcpScheduleParams FlowGenerator::tcp_schedule_params(std::uint64_t index, double rtt_ps,
                                                     double floor_bps, double data_segments,
                                                     bool ack_stream, bool app_limited) const {
  const TcpFlowConfig& c = config_.tcp;
  const double access_bps = std::max(
      std::clamp(c.access_median_bps * std::exp(c.access_sigma * flow_normal(index, kDrawAccess)),
                 c.access_min_bps, c.access_max_bps),
      floor_bps);
  const double segment_bytes = data_mix_.mean_bytes();
  const double rwnd_bytes =
      std::max(c.rwnd_min_bytes * std::exp(rwnd_log_ratio_ * flow_uniform(index, kDrawRwnd)),
               floor_bps / 8 * rtt_ps / kPsPerSecond);
  const double bdp_segments = access_bps * rtt_ps / kPsPerSecond / data_mean_bits_;
  TcpScheduleParams p;
  p.rtt_ps = rtt_ps;
  p.segment_gap_ps = data_mean_bits_ / access_bps * kPsPerSecond;
  p.initial_window = c.initial_window;
  p.receive_window =
      static_cast<std::uint32_t>(std::clamp(std::floor(rwnd_bytes / segment_bytes), 1.0, 4e9));
  p.ssthresh = static_cast<std::uint32_t>(std::clamp(std::floor(c.ssthresh_bdp * bdp_segments),
                                                     static_cast<double>(c.initial_window), 4e9));
  p.ack_every = ack_stream ? c.ack_every : 0;
  p.rto_ps = std::max(static_cast<double>(c.rto_min.count()), 2 * rtt_ps);
  p.random_key = core::mix64(key_salt_ ^ core::mix64(index + kDrawSchedule));
  if (app_limited) {
    // The application produces app_burst_bytes on average every burst / rate: the flow's
    // data (for an ACK stream, the opposite direction's data) at the drawn flow rate.
    const double rate = app_rate_bps(index, kDrawAppRate, static_cast<std::uint64_t>(data_segments),
                                     data_mean_bits_);
    p.burst_segments_mean = std::max(1.0, c.app_burst_bytes / segment_bytes);
    p.idle_mean_ps = p.burst_segments_mean * data_mean_bits_ / rate * kPsPerSecond;
  }
  return p;
}

void FlowGenerator::admit_modelled_flow(std::int64_t start_ps, std::uint64_t index) {
  const double u = config_.size_sampling == SizeSampling::kStratified
                       ? rotate01(van_der_corput(index), shift_)
                       : flow_uniform(index, kDrawSize);
  const std::uint64_t packets = sizes_.packets(u, flow_uniform(index, kDrawRounding));
  const bool ack_stream = flow_uniform(index, kDrawClass) < ack_stream_share_;
  const bool tcp = ack_stream || flow_uniform(index, kDrawProtocol) < config_.tcp_fraction;

  Flow f;
  f.start_ps = start_ps;
  f.packets = packets;
  if (tcp) {
    const TcpFlowConfig& c = config_.tcp;
    const double rtt_ps =
        std::clamp(static_cast<double>(c.rtt_median.count()) *
                       std::exp(c.rtt_sigma * flow_normal(index, kDrawRtt)),
                   static_cast<double>(c.rtt_min.count()), static_cast<double>(c.rtt_max.count()));
    // Floors, as for paced flows: a connection's data must fit in max_flow_duration (the
    // warm-up relies on it), so its access rate and its receive window per round trip are
    // raised to at least the rate that sends them in half of it.
    const double data_segments =
        static_cast<double>(packets) * (ack_stream ? std::max<std::uint32_t>(1, c.ack_every) : 1);
    // Half the maximal duration leaves room for the round trips of slow start.
    const double floor_bps = fitting_rate_bps(data_segments * data_mean_bits_, 0.5);
    const bool app_limited = flow_uniform(index, kDrawAppLimited) < c.app_limited_fraction;
    if (start_ps < 0 && !app_limited &&
        static_cast<double>(start_ps) +
                bulk_duration_bound(packets, rtt_ps, ack_stream ? c.ack_every : 0, floor_bps) <
            0) {
      // A bulk connection certainly over before 0: discarded before its other draws (they
      // are keyed by the flow's index, so skipping them changes no other flow).
      return;
    }
    f.windowed = true;
    f.schedule = TcpSchedule(
        tcp_schedule_params(index, rtt_ps, floor_bps, data_segments, ack_stream, app_limited),
        packets, static_cast<double>(start_ps));
    if (start_ps < 0)
      f.schedule.skip_to(0);
    if (f.schedule.done() ||
        f.schedule.time_ps() - static_cast<double>(start_ps) > max_flow_duration_ps_)
      return;  // ended before 0 (or only its cut tail remains): never touches the heap
  } else {
    const UdpFlowConfig& c = config_.udp;
    const double rate = app_rate_bps(index, kDrawAppRate, packets, data_mean_bits_);
    const double gap_ps = data_mean_bits_ / rate * kPsPerSecond;
    set_trains(f, gap_ps,
               flow_uniform(index, kDrawUdpKind) < c.on_off_fraction ? c.burst_packets : 1,
               data_mean_bits_ / c.peak_bps * kPsPerSecond);
    f.next_index = first_index_at_or_after_zero(f);
    if (f.next_index >= packets)
      return;
  }
  assign_key(f, tcp ? 6 : 17);
  if (ack_stream) {
    ++ack_streams_;
  } else if (tcp) {
    // Data flow to the client: the server's port is the source.
    std::swap(f.key.src_port, f.key.dst_port);
  }
  const std::int64_t t = f.windowed ? static_cast<std::int64_t>(std::floor(f.schedule.time_ps()))
                                    : packet_time(f, f.next_index);
  if (t >= end_ps_)
    return;
  enqueue(f, index, t);
}

void FlowGenerator::enqueue(Flow& f, std::uint64_t index, std::int64_t first_time_ps) {
  std::uint32_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    flows_[slot] = f;
  } else {
    slot = static_cast<std::uint32_t>(flows_.size());
    flows_.push_back(f);
  }
  heap_push({first_time_ps, index, slot});
  ++flows_emitted_;
  max_active_ = std::max(max_active_, heap_.size());
}

void FlowGenerator::admit_flow(std::int64_t start_ps) {
  const std::uint64_t index = flows_drawn_++;
  if (config_.flow_model == FlowModel::kTcp) {
    admit_modelled_flow(start_ps, index);
    return;
  }
  const double u = config_.size_sampling == SizeSampling::kStratified
                       ? rotate01(van_der_corput(index), shift_)
                       : core::uniform01(flow_rng_);
  const double v = core::uniform01(flow_rng_);
  // Cheaper still: below a size uniform threshold (refreshed as the start time advances) the
  // flow is certainly too short to reach 0, and the quantile need not be evaluated. The check
  // is conservative and draws nothing, so it changes no output.
  if (start_ps < 0) {
    if (start_ps > warmup_threshold_until_ps_)
      refresh_warmup_threshold(start_ps);
    if (u < warmup_threshold_u_)
      return;
  }
  const std::uint64_t packets = sizes_.packets(u, v);
  const FlowPacingConfig& pacing = config_.pacing;
  // Most warm-up flows are short and end long before 0: even at the slowest rate their last
  // packet would come at start + (K - 1) E[L] 8 / min_bps. Discard those before drawing the
  // rate (the draw sequence stays a function of the flow index alone).
  if (start_ps < 0 &&
      static_cast<double>(packets - 1) * slowest_gap_ps_ < -static_cast<double>(start_ps)) {
    return;
  }
  const double z = normal_quantile(uniform_open01(flow_rng_));
  double rate =
      std::clamp(pacing.median_bps * std::exp(pacing.sigma * z), pacing.min_bps, pacing.max_bps);
  // Floor: K packets of mean size must fit in max_flow_duration (the warm-up relies on it).
  rate = std::max(rate,
                  static_cast<double>(packets) * mean_bits_ * kPsPerSecond / max_flow_duration_ps_);
  const double gap_ps = mean_bits_ / rate * kPsPerSecond;

  Flow f;
  f.start_ps = start_ps;
  f.packets = packets;
  set_trains(f, gap_ps, pacing.train_packets, mean_bits_ / pacing.train_peak_bps * kPsPerSecond);
  const std::uint64_t first = first_index_at_or_after_zero(f);
  if (first >= packets)
    return;  // ended before 0: never touches the heap
  f.next_index = first;
  // Keys are drawn for every flow alive at 0, whatever the duration, so a shorter trace is an
  // exact prefix of a longer one with the same seed.
  assign_key(f);
  const std::int64_t t = packet_time(f, first);
  if (t >= end_ps_)
    return;
  enqueue(f, index, t);
}

void FlowGenerator::refresh_warmup_threshold(std::int64_t start_ps) {
  // Valid for every start up to `until`: a flow starting then needs K - 1 >= -until /
  // slowest_gap, and K - 1 <= X, so X below that bound (u below its CDF) means it ends
  // before 0. 1e-9 of slack absorbs rounding in the quantile.
  const std::int64_t step = config_.pacing.max_flow_duration.count() / 256 + 1;
  const std::int64_t until = std::min<std::int64_t>(start_ps + step, 0);
  warmup_threshold_until_ps_ = until;
  const double x = -static_cast<double>(until) / slowest_gap_ps_;
  warmup_threshold_u_ = sizes_.cdf(x) * (1 - 1e-9);
}

std::uint32_t FlowGenerator::prefix24(std::uint64_t salt, std::uint32_t index) const {
  const std::uint64_t h = core::mix64(key_salt_ ^ salt ^ index);
  std::uint32_t first = 1 + static_cast<std::uint32_t>((h >> 16) & 0xff) % 223;
  // Skip private, loopback and benchmark space (198.18/15 carries cross traffic).
  if (first == 10 || first == 127 || first == 172 || first == 192 || first == 198)
    ++first;
  return (first << 16) | static_cast<std::uint32_t>(h & 0xffff);
}

void FlowGenerator::assign_key(Flow& f, int force_protocol) {
  // The protocol draw is made even when forced, so the stream's layout stays the same.
  const bool drawn_tcp = core::uniform01(flow_rng_) < config_.tcp_fraction;
  const bool tcp = force_protocol == 0 ? drawn_tcp : force_protocol == 6;
  const auto src_index =
      static_cast<std::uint32_t>(core::uniform01(flow_rng_) * config_.addresses.src_prefixes);
  const auto dst_index =
      static_cast<std::uint32_t>(core::uniform01(flow_rng_) * config_.addresses.dst_prefixes);
  const std::uint64_t hosts = flow_rng_();
  const std::uint32_t src = (prefix24(kSrcSalt, src_index) << 8) | (1 + (hosts & 0xffff) % 254);
  const std::uint32_t dst =
      (prefix24(kDstSalt, dst_index) << 8) | (1 + ((hosts >> 16) & 0xffff) % 254);
  const std::uint16_t src_port = ephemeral_port(flow_rng_);
  const double service = core::uniform01(flow_rng_);
  std::uint16_t dst_port = 0;
  if (tcp) {
    dst_port = service < 0.55 ? 80 : (service < 0.80 ? 443 : ephemeral_port(flow_rng_));
  } else {
    if (force_protocol == 0) {
      dst_port = service < 0.30 ? 53 : (service < 0.40 ? 123 : ephemeral_port(flow_rng_));
    } else {
      // Multi-packet UDP flows of the kTcp model are QUIC-like rather than DNS or NTP
      // exchanges, which are one or two packets long.
      dst_port = service < 0.60 ? 443 : ephemeral_port(flow_rng_);
    }
  }
  f.key = core::FlowKey::ipv4(src, dst, src_port, dst_port, tcp ? 6 : 17);
}

bool FlowGenerator::next(core::Packet& out) {
  for (;;) {
    const std::int64_t top =
        heap_.empty() ? std::numeric_limits<std::int64_t>::max() : heap_.front().time_ps;
    // Admit every flow that starts no later than the next packet: a later flow's first packet
    // comes after its start, so it cannot precede `top`.
    if (next_arrival_ps_ < static_cast<double>(end_ps_)) {
      const auto start = static_cast<std::int64_t>(std::floor(next_arrival_ps_));
      if (start <= top) {
        next_arrival_ps_ += core::exponential(arrival_rng_, mean_interarrival_ps_);
        admit_flow(start);
        continue;
      }
    }
    if (heap_.empty())
      return false;
    HeapEntry& e = heap_.front();
    Flow& f = flows_[e.slot];
    out.arrival = core::Time{e.time_ps};
    out.flow = f.key;
    out.kind = core::PacketKind::kRegular;
    out.source = 0;
    out.seq = packets_emitted_++;
    last_arrival_ps_ = e.time_ps;
    if (f.windowed) {
      out.tcp = f.schedule.mark();
      out.wire_bytes =
          (out.tcp & core::tcp_mark::kData) != 0 ? data_mix_.sample(packet_rng_) : kTcpHeaderBytes;
      wire_bytes_emitted_ += out.wire_bytes;
      f.schedule.advance();
      if (f.schedule.done()) {
        out.tcp |= core::tcp_mark::kLast;
      } else {
        // Compared as doubles first: an idle period can take the time past int64 picoseconds.
        const double next = f.schedule.time_ps();
        if (next - static_cast<double>(f.start_ps) > max_flow_duration_ps_) {
          ++flows_cut_;
          out.tcp |= core::tcp_mark::kLast;
        } else if (next < static_cast<double>(end_ps_)) {
          e.time_ps = static_cast<std::int64_t>(std::floor(next));
          sift_down(0);
          return true;
        }
      }
      free_slots_.push_back(e.slot);
      heap_pop();
      return true;
    }
    out.tcp = 0;
    out.wire_bytes = config_.flow_model == FlowModel::kTcp ? data_mix_.sample(packet_rng_)
                                                           : config_.size_mix.sample(packet_rng_);
    wire_bytes_emitted_ += out.wire_bytes;
    if (++f.next_index < f.packets) {
      const std::int64_t t = packet_time(f, f.next_index);
      if (t < end_ps_) {
        e.time_ps = t;
        sift_down(0);
        return true;
      }
    }
    free_slots_.push_back(e.slot);
    heap_pop();
    return true;
  }
}

void FlowGenerator::heap_push(HeapEntry e) {
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!earlier(e, heap_[parent]))
      break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void FlowGenerator::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  const HeapEntry e = heap_[i];
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n)
      break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child]))
      ++child;
    if (!earlier(heap_[child], e))
      break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = e;
}

void FlowGenerator::heap_pop() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty())
    sift_down(0);
}

std::string FlowGenerator::describe() const {
  return fmt::format("synthetic:{}({}, {}, seed {}{})", config_.name,
                     core::format_rate(static_cast<double>(config_.rate.value)),
                     core::format_duration(config_.duration), config_.seed,
                     config_.flow_model == FlowModel::kTcp ? ", tcp" : "");
}

std::vector<std::pair<std::string, std::uint64_t>> FlowGenerator::summary_counters() const {
  std::vector<std::pair<std::string, std::uint64_t>> counters{{"flows_drawn", flows_drawn_},
                                                              {"flows_emitted", flows_emitted_},
                                                              {"max_active_flows", max_active_},
                                                              {"packets", packets_emitted_},
                                                              {"wire_bytes", wire_bytes_emitted_}};
  if (config_.flow_model == FlowModel::kTcp) {
    counters.emplace_back("ack_streams", ack_streams_);
    counters.emplace_back("flows_cut", flows_cut_);
  }
  return counters;
}

std::optional<double> FlowGenerator::progress() const {
  return std::clamp(static_cast<double>(last_arrival_ps_) / static_cast<double>(end_ps_), 0.0, 1.0);
}

}  // namespace rlisim::traces
