// The closed-loop MACE targets: N flooding neighbours behind one NAT (R3) and the traced
// replay (R4), both through one shared RX queue.

#include <cstdint>

#include <fmt/format.h>

#include "sim/container/mace/loops.hpp"
#include "sim/container/mace/tables.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::container::mace {
namespace mc = models::container;
namespace {

/// Mean flood-ping iteration cost that makes the RX queue's P-K wait at the CPU-capped rate
/// cpus / S_app equal the calibration shift minus the hot shift: rho = W / (W + S(1+Cs^2)/2).
double r3_app_service_us(const mc::ModeParams& p, const config::MaceScenarios& s) {
  const double service = to_us(p.ingress.service);
  const double w = s.r3_calibration_shift_us - s.r3_hot_shift_us;
  const double rho = w / (w + service * (1 + p.ingress.service_cv * p.ingress.service_cv) / 2);
  return static_cast<double>(s.cpus) * service / rho;
}

LoopRemainder hot_remainder(const config::MaceScenarios& s) {
  return LoopRemainder{s.hot_floor_us, s.hot_scale_us, s.hot_sigma, 0, 0};
}

}  // namespace

ReproductionTable r3_neighbours(const mc::ModeParams& bn, const config::MaceScenarios& s,
                                const ReproductionOptions& o) {
  ReproductionTable t{
      "R3", "N closed-loop flooding neighbours NAT'ed to one remote (one RX queue)", {}, {}};
  const std::vector<std::pair<int, double>> published = {{0, 9},   {1, 9},   {2, 17},  {5, 27},
                                                         {10, 33}, {20, 40}, {50, 56}, {100, 48}};
  const auto native = hot_native(s);
  std::vector<double> nat;
  auto rng = core::make_rng(o.seed, 0x30);
  for (std::size_t i = 0; i < o.loop_probes; ++i)
    nat.push_back(native.sample(rng));
  const double native_median = quantile(nat, 0.5);
  const std::string basis = "published +/- 30 % (at least +/- 3), fixed before running";
  const double app_us = r3_app_service_us(bn, s);
  for (const auto& [n, pub] : published) {
    LoopConfig c;
    c.flows = n + 1;
    c.remainder = hot_remainder(s);
    c.app = AppStation{s.cpus, app_us, s.app_cv};
    c.egress_cpus = s.cpus;
    c.probes = o.loop_probes;
    const auto res = run_closed_loops(with_neighbours(bn, n, n, false, s), c, o.seed,
                                      0x31 + static_cast<std::uint64_t>(n));
    auto median_row =
        relative_row(fmt::format("N={} median shift", n),
                     quantile(res.probe_rtt, 0.5) - native_median, pub, 0.3, 3.0, basis);
    if (n == 100) {
      median_row.calibration = true;
      median_row.band_basis = "calibration: S_app set from this figure";
    }
    t.rows.push_back(median_row);
    const double p95 = quantile(res.probe_rtt, 0.95);
    if (n >= 5)
      t.rows.push_back(row(fmt::format("N={} p95 RTT", n), p95, "233-273", 233.0, 273.0,
                           "p95 reaches 233-273 once N >= 1-5 (band applied from N = 5)"));
    else
      t.rows.push_back(row(fmt::format("N={} p95 RTT", n), p95, "(233-273 once N >= 1-5)"));
  }
  t.notes.push_back(fmt::format(
      "Every flow (probe + N neighbours) is a closed loop with one packet in flight: "
      "app CPU -> egress (CPU flow % {}) -> hot native RTT (median {:g}) -> shared RX queue "
      "(S_rx {:g}, CV {:g}) -> app CPU.",
      s.cpus, s.hot_floor_us + s.hot_scale_us, to_us(bn.ingress.service), bn.ingress.service_cv));
  t.notes.push_back(fmt::format(
      "App CPU station: each ping iteration costs S_app = {:.1f} us (gamma, CV {:g}) on one of "
      "{} cores, so the aggregate rate is capped at {} / S_app = {:.1f} kpps < 1 / S_rx and the "
      "RX wait saturates. S_app is calibrated to the N=100 shift (+{:g}) through the P-K wait at "
      "the capped rate; the other N are predictions.",
      app_us, s.app_cv, s.cpus, s.cpus, static_cast<double>(s.cpus) / app_us * 1e3,
      s.r3_calibration_shift_us));
  t.notes.push_back(fmt::format(
      "Per-N tail probabilities and +{:g}/neighbour untraced egress contention ({:g} traced) "
      "from §2.2; ingress p_tail {:g} extrapolated beyond N = {}.",
      s.contention_traced_us / s.inflation, s.contention_traced_us, s.ingress_tail.back().second,
      s.ingress_tail.back().first));
  return t;
}

ReproductionTable r4_traced_replay(const mc::ModeParams& bn, const config::MaceScenarios& s,
                                   const ReproductionOptions& o) {
  ReproductionTable t{"R4",
                      fmt::format("Traced replay (x{:g} tracing inflation, S_rx {:g} traced)",
                                  s.inflation, to_us(bn.ingress.service) * s.service_traced_ratio),
                      {},
                      {}};
  const std::vector<std::pair<int, double>> ingress_pub = {
      {1, 8.4}, {2, 14.6}, {4, 21.4}, {8, 33.1}, {10, 49.3}, {12, 60.4}, {16, 80.3}};
  double kpps16 = 0;
  for (const auto& [n, pub] : ingress_pub) {
    LoopConfig c;
    c.flows = n;
    c.record_all = true;
    c.remainder = hot_remainder(s);
    c.remainder.extra_low_us = s.trace_pipe_low_us;
    c.remainder.extra_high_us = s.trace_pipe_high_us;
    c.egress_cpus = s.cpus;
    c.probes = o.loop_probes;
    const auto res = run_closed_loops(with_neighbours(bn, n, n - 1, true, s), c, o.seed,
                                      0x41 + static_cast<std::uint64_t>(n));
    auto egress_row = row(fmt::format("N={} egress median", n), quantile(res.egress, 0.5),
                          "10.1-13.6", 10.1, 13.6, "traced egress medians 10.1-13.6");
    auto ingress_row =
        relative_row(fmt::format("N={} ingress median", n), quantile(res.ingress, 0.5), pub, 0.2,
                     0.0, "published +/- 20 %, fixed before running");
    if (n == 1) {
      // F by direction is the traced N = 1 medians halved (modes.toml): not a prediction.
      for (auto* r : {&egress_row, &ingress_row}) {
        r->calibration = true;
        r->band_basis = "calibration: F by direction set from the traced N = 1 medians";
      }
    }
    t.rows.push_back(egress_row);
    t.rows.push_back(ingress_row);
    t.rows.push_back(row(fmt::format("N={} throughput (kpps)", n), res.kpps, ""));
    kpps16 = res.kpps;
  }
  t.rows.push_back(
      row("saturation throughput (kpps)", kpps16, "about 61", 55.0, 67.0, "61 +/- 10 %"));
  t.notes.push_back(fmt::format(
      "N replaying containers in closed loop, all recorded; every stack delay x{:g} and the "
      "service time x{:g} ({:g} traced / {:g} untraced, §2.2); egress contention {:g} (a traced "
      "figure) per neighbour beyond the first.",
      s.inflation, s.service_traced_ratio, to_us(bn.ingress.service) * s.service_traced_ratio,
      to_us(bn.ingress.service), s.contention_traced_us));
  t.notes.push_back(fmt::format(
      "F by direction (modes.toml): egress median {:g}, ingress {:g} untraced, the traced N = 1 "
      "medians 10.1 / 8.4 halved (§2.2); the N = 1 egress and ingress rows are therefore "
      "calibration rows.",
      to_us(bn.egress.fixed_median), to_us(bn.ingress.fixed_median)));
  t.notes.push_back(fmt::format(
      "Loop remainder: the hot native RTT (median {:g}) plus the user-space trace_pipe reader's "
      "perturbation, uniform {:g}-{:g} us (§2.4, derived): the traced loop is a normal-length "
      "RTT, not a hot one, so the queue saturates near N = 10, not N = 4.",
      s.hot_floor_us + s.hot_scale_us, s.trace_pipe_low_us, s.trace_pipe_high_us));
  return t;
}

}  // namespace rlisim::container::mace
