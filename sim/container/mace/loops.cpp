#include "sim/container/mace/loops.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <stdexcept>

#include "models/container/variates.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::container::mace {
namespace mc = models::container;
namespace {

using core::Time;

double to_us(Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}
Time from_us(double us) {
  return Time{std::llround(us * 1e6)};
}

enum class Step : std::uint8_t { kSend, kReply, kApp };

struct Event {
  Time at;
  std::uint64_t seq;
  int flow;
  Step step;
  bool operator>(const Event& e) const { return at != e.at ? at > e.at : seq > e.seq; }
};

}  // namespace

LoopResult run_closed_loops(const mc::ModeParams& params, const LoopConfig& c, std::uint64_t seed,
                            std::uint64_t stream) {
  if (c.flows < 1 || c.egress_cpus == 0)
    throw std::invalid_argument("run_closed_loops: flows and egress_cpus must be at least 1");
  mc::ContainerStack stack(params, seed ^ stream, 1, c.egress_cpus);
  auto rng = core::make_rng(seed, stream);
  const auto remainder = [&] {
    const auto& z = c.remainder;
    double us = z.floor_us + z.scale_us * std::exp(z.sigma * mc::standard_normal(rng));
    if (z.extra_high_us > 0)
      us += z.extra_low_us + (z.extra_high_us - z.extra_low_us) * core::uniform01(rng);
    return from_us(us);
  };
  const double app_shape = c.app.service_cv > 0 ? 1.0 / (c.app.service_cv * c.app.service_cv) : 0;
  const auto app_service = [&] {
    if (app_shape == 0)
      return from_us(c.app.service_us);
    return from_us(c.app.service_us / app_shape * mc::gamma_variate(rng, app_shape));
  };
  std::vector<Time> core_free(c.app.cores, Time{});

  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  std::vector<Time> sent(static_cast<std::size_t>(c.flows));
  std::uint64_t seq = 0;
  for (int f = 0; f < c.flows; ++f)
    events.push({core::nanoseconds(100) * f, seq++, f, Step::kSend});
  LoopResult r;
  std::size_t probe_replies = 0, recorded_replies = 0;
  Time first_recorded{-1}, last{};
  while (probe_replies < c.probes + c.warmup) {
    const Event e = events.top();
    events.pop();
    last = e.at;
    const bool recording = probe_replies >= c.warmup;
    const bool record = recording && (c.record_all || e.flow == 0);
    switch (e.step) {
      case Step::kSend: {
        sent[static_cast<std::size_t>(e.flow)] = e.at;
        const auto cpu = static_cast<std::uint32_t>(e.flow) % c.egress_cpus;
        const auto de = stack.egress(e.at, cpu).total();
        if (record)
          r.egress.push_back(to_us(de));
        events.push({e.at + de + remainder(), seq++, e.flow, Step::kReply});
        break;
      }
      case Step::kReply: {
        const auto di = stack.ingress(e.at, 0).total();
        if (record) {
          r.ingress.push_back(to_us(di));
          if (first_recorded.count() < 0)
            first_recorded = e.at;
          ++recorded_replies;
        }
        if (e.flow == 0) {
          if (recording)
            r.probe_rtt.push_back(to_us(e.at + di - sent[0]));
          ++probe_replies;
        }
        events.push({e.at + di, seq++, e.flow, c.app.cores > 0 ? Step::kApp : Step::kSend});
        break;
      }
      case Step::kApp: {
        // FCFS over identical cores: jobs arrive in time order, each takes the earliest free.
        auto it = std::min_element(core_free.begin(), core_free.end());
        const Time start = std::max(e.at, *it);
        *it = start + app_service();
        events.push({*it, seq++, e.flow, Step::kSend});
        break;
      }
    }
  }
  if (c.record_all && last > first_recorded)
    r.kpps =
        static_cast<double>(recorded_replies) / (core::to_seconds(last - first_recorded) * 1e3);
  return r;
}

}  // namespace rlisim::container::mace
