#include "traces/synthetic/synthetic_config.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/packet.hpp"

namespace rlisim::traces {
namespace {

void require(bool ok, std::string_view key, std::string_view value, std::string_view expected) {
  if (!ok)
    throw core::ConfigError(fmt::format("{} = {}: expected {}", key, value, expected));
}

std::string number(double v) {
  return fmt::format("{}", v);
}

// 40/576/1500 B trimodal mixes with the weights below: the 2009-era backbone character
// (anchors.md §4: mean sizes 600-900 B) between the 2008 trimodal and the 2018 bimodal mix.
SizeMix trimodal_mix(std::string name, double small, double medium, double large) {
  return SizeMix({{40, small}, {576, medium}, {1500, large}}, std::move(name));
}

void validate_pacing(const FlowPacingConfig& p) {
  require(std::isfinite(p.min_bps) && p.min_bps > 0, "pacing.min", number(p.min_bps),
          "a rate > 0 b/s");
  require(std::isfinite(p.max_bps) && p.max_bps >= p.min_bps, "pacing.max", number(p.max_bps),
          fmt::format("a rate >= pacing.min = {} b/s", p.min_bps));
  require(std::isfinite(p.median_bps) && p.median_bps > 0, "pacing.median", number(p.median_bps),
          "a rate > 0 b/s");
  require(std::isfinite(p.sigma) && p.sigma >= 0 && p.sigma <= 10, "pacing.sigma", number(p.sigma),
          "a number in [0, 10] (ln-space standard deviation)");
  require(p.max_flow_duration.count() > 0 && p.max_flow_duration <= core::seconds(86'400),
          "pacing.max_flow_duration", core::format_duration(p.max_flow_duration),
          "a duration in (0, 1 day]");
  require(p.train_packets >= 1 && p.train_packets <= 1'000'000, "pacing.train_packets",
          number(p.train_packets), "an integer in [1, 1000000]");
  require(std::isfinite(p.train_peak_bps) && p.train_peak_bps > 0, "pacing.train_peak",
          number(p.train_peak_bps), "a rate > 0 b/s");
}

void validate_tcp(const TcpFlowConfig& t) {
  const auto positive_time = [](core::Time v) { return v.count() > 0 && v <= core::seconds(3600); };
  require(positive_time(t.rtt_min), "tcp.rtt_min", core::format_duration(t.rtt_min),
          "a duration in (0, 1 h]");
  require(positive_time(t.rtt_max) && t.rtt_max >= t.rtt_min, "tcp.rtt_max",
          core::format_duration(t.rtt_max), "a duration in [tcp.rtt_min, 1 h]");
  require(positive_time(t.rtt_median), "tcp.rtt_median", core::format_duration(t.rtt_median),
          "a duration in (0, 1 h]");
  require(std::isfinite(t.rtt_sigma) && t.rtt_sigma >= 0 && t.rtt_sigma <= 10, "tcp.rtt_sigma",
          number(t.rtt_sigma), "a number in [0, 10] (ln-space standard deviation)");
  require(std::isfinite(t.access_min_bps) && t.access_min_bps >= 1e3 && t.access_min_bps <= 1e13,
          "tcp.access_min", number(t.access_min_bps), "a rate in [1 kb/s, 10 Tb/s]");
  require(std::isfinite(t.access_max_bps) && t.access_max_bps >= t.access_min_bps &&
              t.access_max_bps <= 1e13,
          "tcp.access_max", number(t.access_max_bps), "a rate in [tcp.access_min, 10 Tb/s]");
  require(std::isfinite(t.access_median_bps) && t.access_median_bps > 0, "tcp.access_median",
          number(t.access_median_bps), "a rate > 0 b/s");
  require(std::isfinite(t.access_sigma) && t.access_sigma >= 0 && t.access_sigma <= 10,
          "tcp.access_sigma", number(t.access_sigma),
          "a number in [0, 10] (ln-space standard deviation)");
  require(t.initial_window >= 1 && t.initial_window <= 1'000'000, "tcp.initial_window",
          number(t.initial_window), "an integer number of segments in [1, 1000000]");
  require(std::isfinite(t.ssthresh_bdp) && t.ssthresh_bdp > 0 && t.ssthresh_bdp <= 1000,
          "tcp.ssthresh_bdp", number(t.ssthresh_bdp),
          "a multiple of the bandwidth-delay product in (0, 1000]");
  require(std::isfinite(t.rwnd_min_bytes) && t.rwnd_min_bytes >= 1 && t.rwnd_min_bytes <= 1e12,
          "tcp.rwnd_min", number(t.rwnd_min_bytes), "bytes in [1, 1e12]");
  require(std::isfinite(t.rwnd_max_bytes) && t.rwnd_max_bytes >= t.rwnd_min_bytes &&
              t.rwnd_max_bytes <= 1e12,
          "tcp.rwnd_max", number(t.rwnd_max_bytes), "bytes in [tcp.rwnd_min, 1e12]");
  require(std::isfinite(t.app_limited_fraction) && t.app_limited_fraction >= 0 &&
              t.app_limited_fraction <= 1,
          "tcp.app_limited_fraction", number(t.app_limited_fraction), "a fraction in [0, 1]");
  require(std::isfinite(t.app_burst_bytes) && t.app_burst_bytes >= 1 && t.app_burst_bytes <= 1e12,
          "tcp.app_burst", number(t.app_burst_bytes), "bytes in [1, 1e12]");
  require(t.rto_min.count() >= 0 && t.rto_min <= core::seconds(3600), "tcp.rto_min",
          core::format_duration(t.rto_min), "a duration in [0, 1 h]");
  require(t.ack_every >= 1 && t.ack_every <= core::tcp_mark::kMaxAcked, "tcp.ack_every",
          number(t.ack_every), "an integer number of segments per ACK in [1, 7]");
}

void validate_udp(const UdpFlowConfig& u) {
  require(std::isfinite(u.on_off_fraction) && u.on_off_fraction >= 0 && u.on_off_fraction <= 1,
          "udp.on_off_fraction", number(u.on_off_fraction), "a fraction in [0, 1]");
  require(u.burst_packets >= 1 && u.burst_packets <= 1'000'000, "udp.burst_packets",
          number(u.burst_packets), "an integer in [1, 1000000]");
  require(std::isfinite(u.peak_bps) && u.peak_bps > 0 && u.peak_bps <= 1e13, "udp.peak",
          number(u.peak_bps), "a rate in (0, 10 Tb/s]");
}

// Every packet of the mix must hold the headers of the protocols drawn.
void validate_smallest_size(const SyntheticTrafficConfig& c) {
  const std::uint32_t smallest = c.size_mix.min_bytes();
  if (c.tcp_fraction > 0 && smallest < 40) {
    throw core::ConfigError(fmt::format(
        "size_mix: {} has {} B packets but TCP packets need at least 40 B (20 B IPv4 + 20 B "
        "TCP header); raise the mix with SizeMix::with_min_size(40) or set tcp_fraction = 0",
        c.size_mix.describe(), smallest));
  }
  if (c.tcp_fraction < 1 && smallest < 28) {
    throw core::ConfigError(fmt::format(
        "size_mix: {} has {} B packets but UDP packets need at least 28 B (20 B IPv4 + 8 B "
        "UDP header); raise the mix with SizeMix::with_min_size(28)",
        c.size_mix.describe(), smallest));
  }
}

}  // namespace

std::string_view to_string(FlowModel model) {
  return model == FlowModel::kPaced ? "paced" : "tcp";
}

std::string_view to_string(SizeSampling sampling) {
  return sampling == SizeSampling::kIid ? "iid" : "stratified";
}

double expected_flows_drawn(const SyntheticTrafficConfig& c) {
  const FlowSizeDistribution sizes(c.flow_size);
  const double flows_per_second =
      static_cast<double>(c.rate.value) / (8.0 * sizes.mean_packets() * c.size_mix.mean_bytes());
  return flows_per_second * core::to_seconds(c.pacing.max_flow_duration + c.duration);
}

void validate(const SyntheticTrafficConfig& c) {
  require(c.rate.value > 0 && c.rate.value <= kMaxTrafficRateBps, "rate",
          fmt::format("{} b/s", c.rate.value),
          "a rate in (0, 1 Tb/s] (the warm-up alone would draw too many flows above that)");
  require(c.duration >= kMinTrafficDuration && c.duration <= kMaxTrafficDuration, "duration",
          core::format_duration(c.duration), "a duration in [1 ns, 100 days]");
  // Constructing the distribution validates the flow_size.* keys.
  const FlowSizeDistribution sizes(c.flow_size);
  (void)sizes;

  validate_pacing(c.pacing);
  if (c.flow_model == FlowModel::kTcp) {
    validate_tcp(c.tcp);
    validate_udp(c.udp);
  }
  require(std::isfinite(c.tcp_fraction) && c.tcp_fraction >= 0 && c.tcp_fraction <= 1,
          "tcp_fraction", number(c.tcp_fraction), "a fraction in [0, 1]");
  validate_smallest_size(c);
  require(c.addresses.src_prefixes >= 1 && c.addresses.src_prefixes <= (1u << 24),
          "addresses.src_prefixes", number(c.addresses.src_prefixes), "an integer in [1, 2^24]");
  require(c.addresses.dst_prefixes >= 1 && c.addresses.dst_prefixes <= (1u << 24),
          "addresses.dst_prefixes", number(c.addresses.dst_prefixes), "an integer in [1, 2^24]");

  const double flows = expected_flows_drawn(c);
  if (flows > kMaxExpectedFlows) {
    throw core::ConfigError(fmt::format(
        "rate = {}, duration = {}, pacing.max_flow_duration = {}: the generator would draw "
        "about {:.3g} flows (the warm-up of pacing.max_flow_duration plus the duration, at "
        "rate / (8 * {:.4g} packets * {:.4g} B) = {:.3g} flows/s); expected at most {:.0e}: "
        "lower the rate, shorten the duration or pacing.max_flow_duration, or make flows "
        "larger (flow_size.min_packets, flow_size.alpha)",
        core::format_rate(static_cast<double>(c.rate.value)), core::format_duration(c.duration),
        core::format_duration(c.pacing.max_flow_duration), flows, sizes.mean_packets(),
        c.size_mix.mean_bytes(), flows / core::to_seconds(c.pacing.max_flow_duration + c.duration),
        kMaxExpectedFlows));
  }
}

std::vector<std::string_view> profile_names() {
  return {"default", "chic", "sanj"};
}

SyntheticTrafficConfig profile(std::string_view name) {
  SyntheticTrafficConfig c;
  if (name == "default")
    return c;
  // 2009-2011 character: slower access links than today's default.
  const auto era_2010_access = [](SyntheticTrafficConfig& p) { p.tcp.access_median_bps = 40e6; };
  if (name == "chic") {
    c.name = "chic";
    era_2010_access(c);
    c.rate = core::BitsPerSecond{2'500'000'000};
    c.flow_size.alpha = 1.3;
    c.flow_size.min_packets = 6;
    c.size_mix = trimodal_mix("chic", 0.40, 0.10, 0.50);
    c.pacing.median_bps = 1e6;
    c.pacing.train_packets = 2;
    c.tcp_fraction = 0.9;
    return c;
  }
  if (name == "sanj") {
    c.name = "sanj";
    era_2010_access(c);
    c.rate = core::BitsPerSecond{2'000'000'000};
    c.flow_size.alpha = 1.1;
    c.flow_size.min_packets = 4;
    c.size_mix = trimodal_mix("sanj", 0.45, 0.15, 0.40);
    c.pacing.median_bps = 2e6;
    c.pacing.sigma = 1.2;
    c.pacing.train_packets = 8;
    c.tcp_fraction = 0.85;
    return c;
  }
  throw core::ConfigError(
      fmt::format("synthetic traffic profile '{}' is unknown; expected one "
                  "of: {}",
                  name, fmt::join(profile_names(), ", ")));
}

}  // namespace rlisim::traces
