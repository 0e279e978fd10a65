#include "models/container/stack_model.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "models/container/variates.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models::container {
namespace {

constexpr std::array<std::string_view, 7> kModeNames = {
    "host", "bridge", "bridge-nat", "macvlan", "routed", "vxlan", "userspace-overlay"};

// Random streams of one stack: one per direction.
constexpr std::uint64_t kEgressStream = 0x65677265;
constexpr std::uint64_t kIngressStream = 0x696e6772;

core::Time to_time(double ps) {
  return core::Time{std::llround(ps)};
}

void require(bool ok, std::string_view what, std::string_view key, const std::string& expected) {
  if (!ok)
    throw std::invalid_argument(fmt::format("{}: {}: expected {}", what, key, expected));
}

bool finite_nonnegative(double v) {
  return std::isfinite(v) && v >= 0.0;
}

}  // namespace

std::string_view to_string(NetworkMode mode) {
  return kModeNames.at(static_cast<std::size_t>(mode));
}

std::optional<NetworkMode> parse_network_mode(std::string_view name) {
  for (std::size_t i = 0; i < kModeNames.size(); ++i) {
    if (kModeNames[i] == name)
      return static_cast<NetworkMode>(i);
  }
  return std::nullopt;
}

void validate(const DirectionParams& p, std::string_view what) {
  const auto nonneg = [&](core::Time t, std::string_view key) {
    require(t.count() >= 0, what, key, fmt::format("a non-negative time, got {} ps", t.count()));
  };
  nonneg(p.fixed_floor, "fixed_floor");
  nonneg(p.fixed_median, "fixed_median");
  nonneg(p.cold_extra, "cold_extra");
  nonneg(p.cold_jitter_sd, "cold_jitter_sd");
  nonneg(p.service, "service");
  nonneg(p.tail_median, "tail_median");
  require(p.fixed_median >= p.fixed_floor, what, "fixed_median", "a median >= fixed_floor");
  require(finite_nonnegative(p.fixed_sigma) && p.fixed_sigma <= 5.0, what, "fixed_sigma",
          fmt::format("a sigma in [0, 5], got {}", p.fixed_sigma));
  require(finite_nonnegative(p.service_cv) && p.service_cv <= 10.0, what, "service_cv",
          fmt::format("a coefficient of variation in [0, 10], got {}", p.service_cv));
  require(finite_nonnegative(p.tail_probability) && p.tail_probability <= 1.0, what,
          "tail_probability", fmt::format("a probability in [0, 1], got {}", p.tail_probability));
  require(finite_nonnegative(p.tail_sigma) && p.tail_sigma <= 5.0, what, "tail_sigma",
          fmt::format("a sigma in [0, 5], got {}", p.tail_sigma));
  require(p.tail_probability == 0.0 || p.tail_median.count() > 0, what, "tail_median",
          "a positive tail median when tail_probability > 0");
  // A degenerate body (median == floor) is the host mode's zero cost: it must be exactly zero.
  require(p.fixed_median > p.fixed_floor || (p.fixed_median.count() == 0 && p.fixed_sigma == 0.0),
          what, "fixed_median", "a median above fixed_floor (or median = floor = sigma = 0)");
}

void validate(const ModeParams& params) {
  const auto name = to_string(params.mode);
  validate(params.egress, fmt::format("{} egress", name));
  validate(params.ingress, fmt::format("{} ingress", name));
  require(params.cold_gap.count() > 0, name, "cold_gap", "a positive duration");
}

ContainerStack::Sampler ContainerStack::make_sampler(const DirectionParams& p) {
  Sampler s;
  s.has_body = p.fixed_median > p.fixed_floor;
  s.floor_ps = static_cast<double>(p.fixed_floor.count());
  if (s.has_body)
    s.log_body_ps = std::log(static_cast<double>((p.fixed_median - p.fixed_floor).count()));
  s.sigma = p.fixed_sigma;
  s.cold_ps = static_cast<double>(p.cold_extra.count());
  s.cold_sd_ps = static_cast<double>(p.cold_jitter_sd.count());
  s.has_queue = p.service.count() > 0;
  if (s.has_queue) {
    if (p.service_cv > 0.0) {
      // Gamma with mean S and CV c: shape 1/c^2, scale S*c^2.
      s.gamma_shape = 1.0 / (p.service_cv * p.service_cv);
      s.gamma_scale_ps = static_cast<double>(p.service.count()) * p.service_cv * p.service_cv;
    } else {
      s.gamma_scale_ps = static_cast<double>(p.service.count());  // deterministic service
    }
  }
  s.tail_p = p.tail_probability;
  if (p.tail_median.count() > 0)
    s.log_tail_ps = std::log(static_cast<double>(p.tail_median.count()));
  s.tail_sigma = p.tail_sigma;
  return s;
}

ContainerStack::ContainerStack(const ModeParams& params, std::uint64_t seed,
                               std::uint32_t rx_queues, std::uint32_t cpus)
    : params_(params),
      egress_rng_(core::make_rng(seed, kEgressStream)),
      ingress_rng_(core::make_rng(seed, kIngressStream)) {
  validate(params_);
  if (rx_queues == 0 || cpus == 0)
    throw std::invalid_argument("ContainerStack: rx_queues and cpus must be at least 1");
  egress_sampler_ = make_sampler(params_.egress);
  ingress_sampler_ = make_sampler(params_.ingress);
  egress_.resize(cpus);
  ingress_.resize(rx_queues);
}

StackDelay ContainerStack::egress(core::Time t, std::uint32_t cpu) {
  RLISIM_CHECK(cpu < egress_.size());
  return pass(egress_sampler_, egress_[cpu], egress_rng_, t);
}

StackDelay ContainerStack::ingress(core::Time t, std::uint32_t rx_queue) {
  RLISIM_CHECK(rx_queue < ingress_.size());
  return pass(ingress_sampler_, ingress_[rx_queue], ingress_rng_, t);
}

core::Time ContainerStack::host_ingress(core::Time t, std::uint32_t rx_queue) {
  RLISIM_CHECK(rx_queue < ingress_.size());
  Server& server = ingress_[rx_queue];
  RLISIM_CHECK(!server.queue_seen || t >= server.last_queue_arrival);
  server.queue_seen = true;
  server.last_queue_arrival = t;
  if (!ingress_sampler_.has_queue)
    return core::Time{};
  const core::Time start = std::max(t, server.busy_until);
  server.busy_until = start + to_time(service_ps(ingress_sampler_, ingress_rng_));
  return start - t;
}

double ContainerStack::service_ps(const Sampler& s, std::mt19937_64& rng) {
  return s.gamma_shape > 0.0 ? s.gamma_scale_ps * gamma_variate(rng, s.gamma_shape)
                             : s.gamma_scale_ps;
}

StackDelay ContainerStack::pass(const Sampler& s, Server& server, std::mt19937_64& rng,
                                core::Time t) {
  RLISIM_CHECK(!server.queue_seen || t >= server.last_queue_arrival);
  StackDelay d;
  if (s.has_body)
    d.fixed = to_time(s.floor_ps + std::exp(s.log_body_ps + s.sigma * standard_normal(rng)));

  const bool cold = !server.seen || t - server.last_arrival >= params_.cold_gap;
  if (cold && s.cold_ps > 0.0) {
    const double jitter = s.cold_sd_ps > 0.0 ? s.cold_sd_ps * standard_normal(rng) : 0.0;
    d.cold = to_time(std::max(0.0, s.cold_ps + jitter));
  }
  server.seen = true;
  server.last_arrival = t;
  server.queue_seen = true;
  server.last_queue_arrival = t;

  if (s.has_queue) {
    // Lindley: wait = max(0, previous work left at t); the server then takes this packet's
    // service on top.
    const core::Time start = std::max(t, server.busy_until);
    d.queue = start - t;
    server.busy_until = start + to_time(service_ps(s, rng));
  }

  if (s.tail_p > 0.0 && core::uniform01(rng) < s.tail_p)
    d.tail = to_time(std::exp(s.log_tail_ps + s.tail_sigma * standard_normal(rng)));
  return d;
}

}  // namespace rlisim::models::container
