#include "sim/run/mace_reproduction.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "models/container/variates.hpp"
#include "sim/core/rng.hpp"
#include "sim/run/mace_loops.hpp"

namespace rlisim::run {
namespace mc = models::container;
namespace {

using core::Time;

double to_us(Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}
Time from_us(double us) {
  return Time{std::llround(us * 1e6)};
}

double quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s / static_cast<double>(v.size());
}
double sd_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v)
    s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}
/// Mode: centre of the fullest 1-µs bin after a 9-bin moving average (the published modes sit
/// on half-microseconds, i.e. 1-µs histogram bins).
double mode_of(const std::vector<double>& v) {
  const double lo = std::floor(quantile(v, 0.001));
  const double hi = std::ceil(quantile(v, 0.999));
  const auto bins = static_cast<std::size_t>(hi - lo) + 1;
  std::vector<double> h(bins, 0.0);
  for (double x : v) {
    if (x >= lo && x < hi + 1)
      h[static_cast<std::size_t>(x - lo)] += 1;
  }
  std::size_t best = 0;
  double best_count = -1;
  for (std::size_t i = 0; i < bins; ++i) {
    double c = 0;
    for (std::size_t j = i >= 4 ? i - 4 : 0; j <= std::min(bins - 1, i + 4); ++j)
      c += h[j];
    if (c > best_count) {
      best_count = c;
      best = i;
    }
  }
  return lo + static_cast<double>(best) + 0.5;
}

/// RTT of an uninstrumented native ping: shifted log-normal body plus a slow mode.
struct NativeRtt {
  double floor = 0, scale = 1, sigma = 0, p_slow = 0, slow = 0;
  double sample(std::mt19937_64& rng, double p_slow_override = -1) const {
    const double p = p_slow_override >= 0 ? p_slow_override : p_slow;
    const double body = floor + scale * std::exp(sigma * mc::standard_normal(rng));
    return body + (core::uniform01(rng) < p ? slow : 0.0);
  }
};

/// Fits the native model to a published (mean, mode, sd) with a given slow mode: the body's
/// mean and variance are the published ones minus the slow mode's share; its shape sigma
/// solves (mean - mode) / sd of a shifted log-normal.
NativeRtt fit_native(double mean, double mode, double sd, double p_slow, double slow) {
  const double body_mean = mean - p_slow * slow;
  const double body_var = sd * sd - slow * slow * p_slow * (1 - p_slow);
  const double body_sd = std::sqrt(std::max(body_var, 1e-9));
  const double target = (body_mean - mode) / body_sd;
  const auto ratio = [](double s) {
    const double s2 = s * s;
    return (std::exp(s2 / 2) - std::exp(-s2)) / (std::exp(s2 / 2) * std::sqrt(std::expm1(s2)));
  };
  double lo = 1e-4, hi = 2.0;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ratio(mid) < target ? lo : hi) = mid;
  }
  NativeRtt n;
  n.sigma = 0.5 * (lo + hi);
  const double s2 = n.sigma * n.sigma;
  n.scale = body_sd / (std::exp(s2 / 2) * std::sqrt(std::expm1(s2)));
  n.floor = body_mean - n.scale * std::exp(s2 / 2);
  n.p_slow = p_slow;
  n.slow = slow;
  return n;
}

/// Native hot RTT (ping -i 0): median 30 µs (container.md §1.4); shape assumed.
constexpr NativeRtt kNativeHot{20.0, 10.0, 0.3, 0.0, 0.0};
constexpr double kSlowShift = 300.0;  // §2.2: slow mode about +300 µs
constexpr std::uint32_t kCpus = 8;    // Xeon D-1548: 8 cores, one RX queue per core
constexpr double kTracingInflation = 2.0;
constexpr double kServiceTraced = 16.2 / 10.0;  // §2.2: S_rx 10 untraced, 16.2 traced
/// Neighbour contention on egress, traced µs per active neighbour (§2.2: 10.1 -> 13.6 for
/// N = 1 -> 16); halved untraced like every traced segment.
constexpr double kContentionTraced = 0.22;
/// The user-space trace_pipe reader's RTT perturbation (§2.4, derived): +115-180 µs.
constexpr double kTracePipeLow = 115.0, kTracePipeHigh = 180.0;
/// Flood-ping iteration cost: user-space + syscalls + its output through the container's log
/// driver, on the host's 8 cores (model; the mean is calibrated, see r3_app_service_us).
constexpr double kAppCv = 0.5;
/// R3's calibration target: the N = 100 median shift (+48, §2.4) over the hot shift (+9).
constexpr double kR3CalibrationShift = 48.0, kR3HotShift = 9.0;
/// GRO: one skb carries at most 64 KB (the kernel's GRO limit) = 45 segments of MSS 1448.
constexpr int kGroMaxSegments = 65536 / 1448;
/// The sender's own veth pair, untraced (§2.2 segments x 0.5): egress veth 1.2, ingress veth
/// backlog 0.8.
constexpr double kVethEgress = 1.2, kVethIngress = 0.8;

/// Mean flood-ping iteration cost that makes the RX queue's P-K wait at the CPU-capped rate
/// kCpus / S_app equal the calibration shift minus the hot shift: rho = W / (W + S(1+Cs^2)/2).
double r3_app_service_us(const mc::ModeParams& p) {
  const double s = to_us(p.ingress.service);
  const double w = kR3CalibrationShift - kR3HotShift;
  const double rho = w / (w + s * (1 + p.ingress.service_cv * p.ingress.service_cv) / 2);
  return static_cast<double>(kCpus) * s / rho;
}

ReproductionRow row(std::string label, double simulated, std::string published,
                    std::optional<double> lo = std::nullopt,
                    std::optional<double> hi = std::nullopt, std::string basis = {}) {
  return ReproductionRow{std::move(label), simulated, std::move(published), lo, hi,
                         std::move(basis)};
}
/// A band of +-fraction around a published value, at least +-floor_us wide.
ReproductionRow relative_row(std::string label, double simulated, double published, double fraction,
                             double floor_us, const std::string& basis) {
  const double half = std::max(std::fabs(published) * fraction, floor_us);
  return row(std::move(label), simulated, fmt::format("{:g}", published), published - half,
             published + half, basis);
}

mc::DirectionParams traced(mc::DirectionParams d) {
  const auto scale = [](Time t, double k) {
    return Time{std::llround(static_cast<double>(t.count()) * k)};
  };
  d.fixed_floor = scale(d.fixed_floor, kTracingInflation);
  d.fixed_median = scale(d.fixed_median, kTracingInflation);
  d.cold_extra = scale(d.cold_extra, kTracingInflation);
  d.cold_jitter_sd = scale(d.cold_jitter_sd, kTracingInflation);
  // The tail (§2.2) was measured on traced runs already: not inflated again.
  d.service = scale(d.service, kServiceTraced);
  return d;
}

/// The published per-N tail probabilities (§2.2, indexed by the scenario's N) and the egress
/// contention of `neighbours` active neighbour containers, traced or not.
mc::ModeParams with_neighbours(mc::ModeParams p, int n, int neighbours, bool traced_run) {
  if (traced_run) {
    p.egress = traced(p.egress);
    p.ingress = traced(p.ingress);
  }
  const double contention =
      (traced_run ? kContentionTraced : kContentionTraced / kTracingInflation) *
      std::min(neighbours, 16);
  p.egress.fixed_floor += from_us(contention);
  p.egress.fixed_median += from_us(contention);
  p.egress.tail_probability = n <= 1 ? 0.004 : 0.025;
  p.ingress.tail_probability = n <= 4 ? 0.03 : n == 5 ? 0.05 : n <= 10 ? 0.07 : 0.13;
  return p;
}

/// Idle probes: the published RTT-level slow-mode fractions (§2.2) already hold every
/// excursion of a container RTT, so the container's base RTT takes the native fraction and
/// the stack's deferral tail is the excess, (container - native) / (1 - native), on ingress.
/// The traced per-N tail probabilities were measured under flooding load, not at idle.
mc::ModeParams with_idle_tail(mc::ModeParams p, double native_slow, double container_slow) {
  p.egress.tail_probability = 0;
  p.ingress.tail_probability = std::max(0.0, (container_slow - native_slow) / (1 - native_slow));
  return p;
}

// ---------------------------------------------------------------------------------------------
// R1: idle probes (1-5 pps), container minus native RTT quantiles.
ReproductionTable r1(const mc::ModeParams& bn, const NativeRtt& native,
                     const ReproductionOptions& o) {
  mc::ContainerStack stack(with_idle_tail(bn, 0.039, 0.040), o.seed ^ 0x11);
  auto rng = core::make_rng(o.seed, 0x12);
  std::vector<double> nat, con;
  for (std::size_t i = 0; i < o.probes; ++i) {
    const auto t = core::milliseconds(200) * static_cast<std::int64_t>(i);
    nat.push_back(native.sample(rng, 0.039));
    const double base = native.sample(rng, 0.039);
    const auto de = stack.egress(t, 0).total();
    const auto di = stack.ingress(t + de + from_us(base), 0).total();
    con.push_back(base + to_us(de + di));
  }
  ReproductionTable t{"R1", "Idle probes (5 pps, bridge+NAT): container minus native RTT", {}, {}};
  const std::string basis = "+30 +/- 3 from p1 to p90 (container.md §2.4)";
  for (double p : {0.01, 0.10, 0.90}) {
    t.rows.push_back(row(fmt::format("p{:g} shift", p * 100), quantile(con, p) - quantile(nat, p),
                         "+30 +/- 3", 27.0, 33.0, basis));
  }
  t.rows.insert(t.rows.begin() + 2,
                row("p50 shift", quantile(con, 0.5) - quantile(nat, 0.5), "+31 to +34", 31.0, 34.0,
                    "median shift 31-34 for every payload and interval"));
  t.rows.push_back(row("mean shift", mean_of(con) - mean_of(nat), "+20 to +47", 20.0, 47.0,
                       "mean shift is noisier, 20-47"));
  t.notes.push_back(
      "Native RTT: the model fitted to the Fig. 5 native row; slow mode 3.9 % "
      "native, 4.0 % container (§2.2, idle). Independent native and container runs.");
  t.notes.push_back(
      "Idle deferral tail: the container's slow-mode excess over native, (4.0 - 3.9) / 96.1 % "
      "on ingress, not the traced tails of the flooding runs (which double-counted the "
      "published RTT-level slow mode and pushed p90 up by ~10 us).");
  return t;
}

// R2: one hot flow (ping -i 0), one packet in flight.
double hot_median_shift(const mc::ModeParams& p, const ReproductionOptions& o, std::uint64_t s) {
  mc::ContainerStack stack(p, o.seed ^ s);
  auto rng = core::make_rng(o.seed, s);
  std::vector<double> nat, con;
  Time t{};
  for (std::size_t i = 0; i < o.probes; ++i) {
    nat.push_back(kNativeHot.sample(rng));
    const double net = kNativeHot.sample(rng);
    const auto de = stack.egress(t, 0).total();
    const auto di = stack.ingress(t + de + from_us(net), 0).total();
    con.push_back(net + to_us(de + di));
    t += de + from_us(net) + di;
  }
  return quantile(con, 0.5) - quantile(nat, 0.5);
}

ReproductionTable r2(const mc::ModeParams& bn, const mc::ModeParams& bridge,
                     const ReproductionOptions& o) {
  ReproductionTable t{"R2", "Hot single flow (ping -i 0): median RTT shift", {}, {}};
  const std::string basis = "published value +/- 2 (band fixed before running)";
  const double remote = hot_median_shift(bn, o, 0x21);
  t.rows.push_back(row("container to remote host", remote, "+9", 7.0, 11.0, basis));
  const double own = hot_median_shift(bridge, o, 0x22);
  t.rows.push_back(row("container to its own host", own, "+7", 5.0, 9.0, basis));
  // The C-to-C sender's own veth pair each way, hot: no cold extra, no queue, no own tail.
  mc::ModeParams one_veth = bridge;
  for (auto [d, m] :
       {std::pair{&one_veth.egress, kVethEgress}, {&one_veth.ingress, kVethIngress}}) {
    *d = mc::DirectionParams{};
    d->fixed_median = from_us(m);
    d->fixed_floor = from_us(m * 3.0 / 4.5);  // the bridge-NAT floor/median ratio
    d->fixed_sigma = bn.egress.fixed_sigma;
  }
  const double c2c = hot_median_shift(one_veth, o, 0x23);
  t.rows.push_back(row("container-to-container vs host-to-container", c2c, "+2", 0.0, 4.0, basis));
  t.notes.push_back(
      "Native hot RTT: shifted log-normal, floor 20, median 30, sigma 0.3 (median "
      "from §1.4, shape assumed).");
  t.notes.push_back(
      "Own host: the bridge mode (veth + bridge, no NAT, no NIC queue). C-to-C vs "
      "H-to-C: the sender's own veth each way, from the untraced segment estimates of §2.2 "
      "(egress veth 1.2, ingress veth backlog 0.8; floor at 2/3 of the median, sigma 0.3), "
      "no tail (the path's deferrals are in both). Was half the bridge F with its tails: 4.2.");
  return t;
}

LoopRemainder hot_remainder() {
  return LoopRemainder{kNativeHot.floor, kNativeHot.scale, kNativeHot.sigma, 0, 0};
}

ReproductionTable r3(const mc::ModeParams& bn, const ReproductionOptions& o) {
  ReproductionTable t{
      "R3", "N closed-loop flooding neighbours NAT'ed to one remote (one RX queue)", {}, {}};
  const std::vector<std::pair<int, double>> published = {{0, 9},   {1, 9},   {2, 17},  {5, 27},
                                                         {10, 33}, {20, 40}, {50, 56}, {100, 48}};
  std::vector<double> nat;
  auto rng = core::make_rng(o.seed, 0x30);
  for (std::size_t i = 0; i < o.loop_probes; ++i)
    nat.push_back(kNativeHot.sample(rng));
  const double native_median = quantile(nat, 0.5);
  const std::string basis = "published +/- 30 % (at least +/- 3), fixed before running";
  const double app_us = r3_app_service_us(bn);
  for (const auto& [n, pub] : published) {
    LoopConfig c;
    c.flows = n + 1;
    c.remainder = hot_remainder();
    c.app = AppStation{kCpus, app_us, kAppCv};
    c.egress_cpus = kCpus;
    c.probes = o.loop_probes;
    const auto res = run_closed_loops(with_neighbours(bn, n, n, false), c, o.seed,
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
  t.notes.push_back(
      "Every flow (probe + N neighbours) is a closed loop with one packet in flight: "
      "app CPU -> egress (CPU flow % 8) -> hot native RTT (median 30) -> shared RX queue "
      "(S_rx 10, CV 0.5) -> app CPU.");
  t.notes.push_back(fmt::format(
      "App CPU station: each ping iteration costs S_app = {:.1f} us (gamma, CV 0.5) on one of "
      "8 cores, so the aggregate rate is capped at 8 / S_app = {:.1f} kpps < 1 / S_rx and the "
      "RX wait saturates. S_app is calibrated to the N=100 shift (+48) through the P-K wait at "
      "the capped rate; the other N are predictions.",
      app_us, 8.0 / app_us * 1e3));
  t.notes.push_back(
      "Per-N tail probabilities and +0.11/neighbour untraced egress contention (0.22 traced) "
      "from §2.2; ingress p_tail 0.13 extrapolated beyond N = 16.");
  return t;
}

ReproductionTable r4(const mc::ModeParams& bn, const ReproductionOptions& o) {
  ReproductionTable t{"R4", "Traced replay (x2 tracing inflation, S_rx 16.2 traced)", {}, {}};
  const std::vector<std::pair<int, double>> ingress_pub = {
      {1, 8.4}, {2, 14.6}, {4, 21.4}, {8, 33.1}, {10, 49.3}, {12, 60.4}, {16, 80.3}};
  double kpps16 = 0;
  for (const auto& [n, pub] : ingress_pub) {
    LoopConfig c;
    c.flows = n;
    c.record_all = true;
    c.remainder = hot_remainder();
    c.remainder.extra_low_us = kTracePipeLow;
    c.remainder.extra_high_us = kTracePipeHigh;
    c.egress_cpus = kCpus;
    c.probes = o.loop_probes;
    const auto res = run_closed_loops(with_neighbours(bn, n, n - 1, true), c, o.seed,
                                      0x41 + static_cast<std::uint64_t>(n));
    t.rows.push_back(row(fmt::format("N={} egress median", n), quantile(res.egress, 0.5),
                         "10.1-13.6", 10.1, 13.6, "traced egress medians 10.1-13.6"));
    t.rows.push_back(relative_row(fmt::format("N={} ingress median", n), quantile(res.ingress, 0.5),
                                  pub, 0.2, 0.0, "published +/- 20 %, fixed before running"));
    t.rows.push_back(row(fmt::format("N={} throughput (kpps)", n), res.kpps, ""));
    kpps16 = res.kpps;
  }
  t.rows.push_back(
      row("saturation throughput (kpps)", kpps16, "about 61", 55.0, 67.0, "61 +/- 10 %"));
  t.notes.push_back(
      "N replaying containers in closed loop, all recorded; every stack delay x2 and the "
      "service time x1.62 (16.2 traced / 10 untraced, §2.2); egress contention 0.22 (a traced "
      "figure) per neighbour beyond the first.");
  t.notes.push_back(
      "Loop remainder: the hot native RTT (median 30) plus the user-space trace_pipe reader's "
      "perturbation, uniform 115-180 us (§2.4, derived): the traced loop is a normal-length "
      "RTT, not a hot one, so the queue saturates near N = 10, not N = 4.");
  return t;
}

ReproductionTable r5(const mc::ModeParams& bn, const NativeRtt& native,
                     const ReproductionOptions& o) {
  ReproductionTable t{"R5", "Native background TCP load on the host (idle probes, 5 pps)", {}, {}};
  struct Load {
    const char* name;
    double bps, native_slow, container_slow;
    double lo, hi;
    const char* pub;
  };
  const Load loads[] = {{"10 Mb/s", 10e6, 0.050, 0.104, 27, 33, "about +30"},
                        {"1 Gb/s", 1e9, 0.093, 0.144, 27, 33, "about +30"},
                        {"9.1 Gb/s", 9.1e9, 0.217, 0.280, 38, 45, "+38 to +45"}};
  const std::size_t probes = std::max<std::size_t>(o.probes / 10, 1000);
  const double window_ps = static_cast<double>(bn.ingress.service.count());
  std::uint64_t stream = 0x51;
  for (const auto& load : loads) {
    mc::ContainerStack stack(with_idle_tail(bn, load.native_slow, load.container_slow),
                             o.seed ^ stream);
    auto rng = core::make_rng(o.seed, stream++);
    // Background: 1500-B wire packets spread by RSS over 8 queues; the probe's queue gets 1/8.
    const double gap_ps = 1500.0 * 8 / load.bps * 1e12 * kCpus;
    std::vector<double> nat, con;
    std::size_t nat_slow = 0, con_slow = 0, skbs = 0, segments = 0;
    const double slow_threshold = native.floor + native.scale + 150.0;
    for (std::size_t i = 0; i < probes; ++i) {
      const auto t0 = core::milliseconds(200) * static_cast<std::int64_t>(i);
      const double n = native.sample(rng, load.native_slow);
      nat.push_back(n);
      nat_slow += n > slow_threshold;
      const double base = native.sample(rng, load.native_slow);
      const auto de = stack.egress(t0, 0).total();
      const Time arrive = t0 + de + from_us(base);
      // 10 ms of background before the probe's reply lets the queue reach its steady state.
      // GRO: segments arriving within one ingress service of a batch's first segment merge
      // into its skb (at most kGroMaxSegments); the skb reaches the queue with its last.
      const double end = static_cast<double>(arrive.count());
      double next = static_cast<double>((arrive - core::milliseconds(10)).count()) +
                    core::exponential(rng, gap_ps);
      while (next < end) {
        const double open = next;
        double last_segment = next;
        int merged = 1;
        next += core::exponential(rng, gap_ps);
        while (merged < kGroMaxSegments && next < end && next - open <= window_ps) {
          last_segment = next;
          ++merged;
          next += core::exponential(rng, gap_ps);
        }
        stack.host_ingress(Time{std::llround(last_segment)}, 0);
        ++skbs;
        segments += static_cast<std::size_t>(merged);
      }
      const auto di = stack.ingress(arrive, 0);
      const double rtt = base + to_us(de + di.total());
      con.push_back(rtt);
      con_slow += rtt > slow_threshold;
    }
    const double shift = quantile(con, 0.5) - quantile(nat, 0.5);
    t.rows.push_back(row(fmt::format("{} median shift", load.name), shift, load.pub, load.lo,
                         load.hi, "container.md §2.4 R5"));
    t.rows.push_back(
        row(fmt::format("{} slow-mode fraction, container (%)", load.name),
            100.0 * static_cast<double>(con_slow) / static_cast<double>(probes),
            fmt::format("{:.1f} / {:.1f}", 100 * load.native_slow, 100 * load.container_slow)));
    t.rows.push_back(row(fmt::format("{} wire packets per GRO skb", load.name),
                         skbs ? static_cast<double>(segments) / static_cast<double>(skbs) : 0.0,
                         ""));
  }
  t.notes.push_back(
      "Background TCP (1500-B wire packets, Poisson, RSS over 8 queues) occupies the probe's "
      "RX queue as host skbs: GRO merges the segments arriving within one ingress service "
      "(10 us) of a batch's first, up to 64 KB / 1448 B = 45, and each skb costs one S_rx.");
  t.notes.push_back(
      "Native traffic does not warm the container path: the probe's reply stays cold (the "
      "old model let background packets reset the cold rule, hence 24.4 at 1 Gb/s).");
  t.notes.push_back(
      "Slow-mode fractions are inputs applied at RTT level (§2.2): native fraction on the "
      "base RTT, the container excess as the stack's ingress tail; shown to check the draw.");
  return t;
}

ReproductionTable fig5(const mc::ModeParams& bn, const ReproductionOptions& o) {
  const auto native = fit_native(169.253, 156.5, 65.338, 0.039, kSlowShift);
  mc::ModeParams traced_bn = bn;
  traced_bn.egress = traced(bn.egress);
  traced_bn.ingress = traced(bn.ingress);
  mc::ContainerStack stack(traced_bn, o.seed ^ 0x61);
  auto rng = core::make_rng(o.seed, 0x62);
  // Perturbation outside the traced segments: ftrace +15-21 µs RTT at the median (§2.4), 18.
  constexpr double kPerturbation = 18.0;
  // Extra traced coverage of the longer paths: published idle path medians 53 / 63 / 103.
  constexpr double kMaxDevExtra = 63.0 - 53.0, kSyscallExtra = 103.0 - 53.0;
  std::vector<double> nat, raw, inner, maxdev, sys;
  for (std::size_t i = 0; i < o.probes; ++i) {
    const auto t = core::seconds(1) * static_cast<std::int64_t>(i);
    nat.push_back(native.sample(rng, 0.039));
    const double base = native.sample(rng, 0.040);
    const auto de = stack.egress(t, 0).total();
    const auto di = stack.ingress(t + de + from_us(base), 0).total();
    const double path = to_us(de + di);
    const double r = base + path + kPerturbation;
    raw.push_back(r);
    inner.push_back(r - path);
    maxdev.push_back(r - path - kMaxDevExtra);
    sys.push_back(r - path - kSyscallExtra);
  }
  ReproductionTable t{"Fig5", "MACE poster Fig. 5: RTT (mean, mode, sd) by method", {}, {}};
  const auto add = [&](const std::string& name, const std::vector<double>& v, double mean,
                       double mode, double sd) {
    const std::string b = "mean/mode +/- 10 %, sd +/- 20 %, fixed before running";
    t.rows.push_back(relative_row(name + " mean", mean_of(v), mean, 0.10, 0.0, b));
    t.rows.push_back(relative_row(name + " mode", mode_of(v), mode, 0.10, 0.0, b));
    t.rows.push_back(relative_row(name + " sd", sd_of(v), sd, 0.20, 0.0, b));
  };
  add("native (fitted model)", nat, 169.253, 156.5, 65.338);
  add("container raw", raw, 275.639, 231.5, 110.418);
  add("adjusted inner-dev", inner, 205.400, 177.5, 86.545);
  add("adjusted max-dev", maxdev, 204.042, 173.5, 91.751);
  add("adjusted syscalls", sys, 161.107, 132.5, 82.758);
  const double nm = mean_of(nat);
  t.rows.push_back(
      row("shape: raw - native mean", mean_of(raw) - nm, "+106.4", 0.0, 1e9, "raw above native"));
  t.rows.push_back(row("shape: syscalls-adjusted - native mean", mean_of(sys) - nm, "-8.1", -1e9,
                       0.0, "just below native"));
  const std::string shape35 = "about native + 35 (§1.3 shape), +/- 10 fixed before running";
  t.rows.push_back(row("shape: inner-dev-adjusted - native mean", mean_of(inner) - nm, "+36.1",
                       25.0, 45.0, shape35));
  t.rows.push_back(row("shape: max-dev-adjusted - native mean", mean_of(maxdev) - nm, "+34.8", 25.0,
                       45.0, shape35));
  t.rows.push_back(row("shape: container raw sd / native sd", sd_of(raw) / sd_of(nat), "1.7", 1.4,
                       2.0, "about 1.7x native (§1.3 shape), +/- 0.3 fixed before running"));
  t.notes.push_back(fmt::format(
      "Native model fitted to the native row's mean/mode/sd: shifted log-normal body (floor "
      "{:.1f}, scale {:.1f}, sigma {:.3f}) + slow mode +300 us at 3.9 % (container 4.0 %).",
      native.floor, native.scale, native.sigma));
  t.notes.push_back(
      "Raw = native + traced (egress + ingress) [F and C_cold x2, the tails as measured on "
      "traced runs, cold probes at 1 pps] + 18 us perturbation outside the traced path "
      "(ftrace +15-21 at the median).");
  t.notes.push_back(
      "inner-dev removes the traced path; max-dev 10 more and syscalls 50 more (the "
      "published idle path medians 53 / 63 / 103).");
  return t;
}

}  // namespace

bool ReproductionRow::within() const {
  return !calibration && band_low && band_high && simulated >= *band_low && simulated <= *band_high;
}

std::vector<ReproductionTable> reproduce_mace(const mc::ModeParams& bridge_nat,
                                              const mc::ModeParams& bridge,
                                              const ReproductionOptions& options) {
  mc::validate(bridge_nat);
  mc::validate(bridge);
  const auto native = fit_native(169.253, 156.5, 65.338, 0.039, kSlowShift);
  std::vector<ReproductionTable> tables;
  tables.push_back(r1(bridge_nat, native, options));
  tables.push_back(r2(bridge_nat, bridge, options));
  tables.push_back(r3(bridge_nat, options));
  tables.push_back(r4(bridge_nat, options));
  tables.push_back(r5(bridge_nat, native, options));
  tables.push_back(fig5(bridge_nat, options));
  return tables;
}

}  // namespace rlisim::run
