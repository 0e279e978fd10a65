#include "models/container/fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "models/container/variates.hpp"

namespace rlisim::models::container {
namespace {

constexpr std::size_t kMinSamples = 10;
constexpr std::size_t kQuantilePoints = 1000;
constexpr int kFloorGrid = 200;
constexpr double kTailIqrs = 10.0;    // tail threshold: median + 10 IQR, and at least
constexpr double kMinTailGap = 10.0;  // 10 µs above it (µs-resolution traces have IQR 0)
constexpr double kQueuedIqrs = 4.0;   // overlap beyond body noise that proves a wait
constexpr double kMinQueuedFraction = 0.01;

double quantile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0.0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::vector<double> sorted_copy(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

core::Time from_us(double us) {
  return core::Time{std::llround(std::max(0.0, us) * 1e6)};
}
double to_us(core::Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}

struct BodyFit {
  double floor = 0, median = 0, sigma = 0, correlation = 0;
};

/// Correlation of ln(q - f0) with z, and the least-squares line (Eigen).
BodyFit fit_line(const std::vector<double>& q, const Eigen::VectorXd& z, double f0) {
  const auto n = static_cast<Eigen::Index>(q.size());
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i)
    y[i] = std::log(q[static_cast<std::size_t>(i)] - f0);
  Eigen::MatrixXd a(n, 2);
  a.col(0).setOnes();
  a.col(1) = z;
  const Eigen::Vector2d coef = a.colPivHouseholderQr().solve(y);
  const Eigen::VectorXd yc = y.array() - y.mean();
  const Eigen::VectorXd zc = z.array() - z.mean();
  const double denom = std::sqrt(yc.squaredNorm() * zc.squaredNorm());
  BodyFit fit;
  fit.floor = f0;
  fit.median = f0 + std::exp(coef[0]);
  fit.sigma = coef[1];
  fit.correlation = denom > 0 ? yc.dot(zc) / denom : 0.0;
  return fit;
}

/// Shifted log-normal by probability-plot correlation, profiled over the floor.
BodyFit fit_body(const std::vector<double>& sorted) {
  const std::size_t m = std::min(kQuantilePoints, sorted.size());
  std::vector<double> q(m);
  Eigen::VectorXd z(static_cast<Eigen::Index>(m));
  for (std::size_t j = 0; j < m; ++j) {
    const double p = (static_cast<double>(j) + 0.5) / static_cast<double>(m);
    q[j] = quantile_sorted(sorted, p);
    z[static_cast<Eigen::Index>(j)] = normal_quantile(p);
  }
  const double xmin = sorted.front();
  if (!(xmin > 0.0) || sorted.back() <= xmin)
    return BodyFit{0.0, quantile_sorted(sorted, 0.5), 0.0, 0.0};
  // The floor lies below the smallest sample; the grid stops just short of it.
  const double top = xmin - 1e-6 * (sorted.back() - xmin);
  BodyFit best = fit_line(q, z, 0.0);
  int best_k = 0;
  for (int k = 1; k <= kFloorGrid; ++k) {
    const auto fit = fit_line(q, z, top * k / kFloorGrid);
    if (fit.correlation > best.correlation) {
      best = fit;
      best_k = k;
    }
  }
  // Golden-section refinement between the neighbouring grid points.
  double lo = top * std::max(0, best_k - 1) / kFloorGrid;
  double hi = top * std::min(kFloorGrid, best_k + 1) / kFloorGrid;
  constexpr double kPhi = 0.6180339887498949;
  for (int it = 0; it < 40; ++it) {
    const double a = hi - kPhi * (hi - lo);
    const double b = lo + kPhi * (hi - lo);
    if (fit_line(q, z, a).correlation > fit_line(q, z, b).correlation)
      hi = b;
    else
      lo = a;
  }
  const auto refined = fit_line(q, z, 0.5 * (lo + hi));
  return refined.correlation > best.correlation ? refined : best;
}

/// With a queue, the first body fit mixes in small undetected waits. Refits the body from the
/// packets that surely found the server idle: the predecessor's wait (its latency minus the
/// body's upper noise bound) plus a generous service time (mean + 3 sd) had passed.
void refit_unqueued_body(const std::vector<LatencySample>& s, const std::vector<double>& x,
                         const std::vector<char>& cold, const std::vector<char>& is_tail,
                         const std::vector<std::size_t>& previous, double body_high,
                         DirectionFit& fit) {
  auto& p = fit.params;
  const double service_high = to_us(p.service) * (1.0 + 3.0 * p.service_cv);
  std::vector<double> idle;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto prev = previous[i];
    if (cold[i] || is_tail[i] || prev == s.size() || is_tail[prev])
      continue;
    const double prev_wait = std::max(0.0, x[prev] - body_high);
    if (to_us(s[i].arrival - s[prev].arrival) > prev_wait + service_high + body_high)
      idle.push_back(x[i]);
  }
  if (idle.size() < 10 * kMinSamples)
    return;
  std::sort(idle.begin(), idle.end());
  const auto bf = fit_body(idle);
  p.fixed_floor = from_us(bf.floor);
  p.fixed_median = from_us(bf.median);
  p.fixed_sigma = std::max(0.0, bf.sigma);
  fit.body_correlation = bf.correlation;
}

double robust_sd(const std::vector<double>& sorted) {
  return (quantile_sorted(sorted, 0.75) - quantile_sorted(sorted, 0.25)) / 1.3489795;
}

// The samples in arrival order, their latencies in µs less the tracing inflation, whether each
// found its CPU cold, and the previous sample on the same CPU (the sample count if none).
struct ArrivalSeries {
  std::vector<LatencySample> s;
  std::vector<double> x;
  std::vector<char> cold;
  std::vector<std::size_t> previous;
};

ArrivalSeries arrival_series(std::span<const LatencySample> input, const FitOptions& options) {
  ArrivalSeries a;
  a.s.assign(input.begin(), input.end());
  auto& s = a.s;
  std::stable_sort(s.begin(), s.end(),
                   [](const auto& l, const auto& r) { return l.arrival < r.arrival; });
  const std::size_t n = s.size();
  a.x.resize(n);
  a.cold.assign(n, 0);
  a.previous.assign(n, n);
  std::map<std::uint32_t, std::size_t> last_on_cpu;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i].latency.count() < 0) {
      throw std::invalid_argument(
          fmt::format("fit_direction: sample {} has a negative latency", i));
    }
    a.x[i] = to_us(s[i].latency) / options.tracing_inflation;
    const auto it = last_on_cpu.find(s[i].cpu);
    a.cold[i] = it == last_on_cpu.end() || s[i].arrival - s[it->second].arrival >= options.cold_gap;
    if (it != last_on_cpu.end())
      a.previous[i] = it->second;
    last_on_cpu[s[i].cpu] = i;
  }
  return a;
}

struct Spread {
  double median = 0, iqr = 0;
};

// The body's location and spread before any queue: hot packets after the longest gaps
// (the top fifth), which are the least likely to have waited. Without any, the hot packets'.
Spread quiet_body(const ArrivalSeries& a, Spread hot) {
  const std::size_t n = a.s.size();
  std::vector<double> gaps;
  for (std::size_t i = 0; i < n; ++i) {
    if (!a.cold[i] && a.previous[i] != n)
      gaps.push_back(to_us(a.s[i].arrival - a.s[a.previous[i]].arrival));
  }
  const double gap_cut = quantile_sorted(sorted_copy(gaps), 0.8);
  std::vector<double> isolated;
  for (std::size_t i = 0; i < n; ++i) {
    if (!a.cold[i] && a.previous[i] != n &&
        to_us(a.s[i].arrival - a.s[a.previous[i]].arrival) >= gap_cut)
      isolated.push_back(a.x[i]);
  }
  std::sort(isolated.begin(), isolated.end());
  if (isolated.empty())
    return hot;
  return {quantile_sorted(isolated, 0.5),
          quantile_sorted(isolated, 0.75) - quantile_sorted(isolated, 0.25)};
}

// A hot packet waited if it could not have left before its predecessor even with a body
// cost of `body_median` plus `noise`.
std::vector<char> queued_packets(const ArrivalSeries& a, double body_median, double noise) {
  const std::size_t n = a.s.size();
  std::vector<char> queued(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto p = a.previous[i];
    if (a.cold[i] || p == n)
      continue;
    const double depart_prev = to_us(a.s[p].arrival) + a.x[p];
    queued[i] = to_us(a.s[i].arrival) + body_median + noise < depart_prev;
  }
  return queued;
}

// Sets the fixed body cost from a shifted log-normal fit; a degenerate (constant) body, whose
// median is at its floor, becomes a constant cost.
void set_body(DirectionFit& fit, const BodyFit& bf) {
  auto& p = fit.params;
  p.fixed_floor = from_us(bf.floor);
  p.fixed_median = from_us(bf.median);
  p.fixed_sigma = std::max(0.0, bf.sigma);
  fit.body_correlation = bf.correlation;
  if (p.fixed_median <= p.fixed_floor) {
    p.fixed_floor = core::Time{0};
    p.fixed_sigma = 0;
  }
}

// The body from the hot packets that neither waited nor fell in the tail, or from the cold
// ones when the hot are too few; then the cold start's extra cost over that body.
void fit_body_and_cold_start(DirectionFit& fit, std::vector<double>& body,
                             std::vector<double>& cold_body) {
  auto& p = fit.params;
  std::sort(body.begin(), body.end());
  fit.body_identified = body.size() >= kMinSamples;
  if (fit.body_identified)
    set_body(fit, fit_body(body));
  std::sort(cold_body.begin(), cold_body.end());
  if (!fit.body_identified && cold_body.size() >= kMinSamples) {
    fit.body_identified = true;
    fit.cold_folded_into_body = true;
    set_body(fit, fit_body(cold_body));
  }
  const double body_median = quantile_sorted(body, 0.5);
  fit.cold_identified = cold_body.size() >= 3 && fit.body_identified && !fit.cold_folded_into_body;
  if (fit.cold_identified) {
    p.cold_extra = from_us(quantile_sorted(cold_body, 0.5) - body_median);
    const double extra_var = std::pow(robust_sd(cold_body), 2) - std::pow(robust_sd(body), 2);
    p.cold_jitter_sd = from_us(std::sqrt(std::max(0.0, extra_var)));
  }
}

// A log-normal tail from the excess of the tail packets over their median, in a share of all
// `n` packets.
void fit_tail(DirectionFit& fit, std::vector<double>& tail_excess, std::size_t n) {
  auto& p = fit.params;
  std::sort(tail_excess.begin(), tail_excess.end());
  fit.tail_identified = tail_excess.size() >= 3;
  if (fit.tail_identified && tail_excess.front() > 0.0) {
    p.tail_probability = static_cast<double>(tail_excess.size()) / static_cast<double>(n);
    p.tail_median = from_us(quantile_sorted(tail_excess, 0.5));
    const double log_iqr =
        std::log(quantile_sorted(tail_excess, 0.75)) - std::log(quantile_sorted(tail_excess, 0.25));
    p.tail_sigma = log_iqr / 1.3489795;
  } else {
    fit.tail_identified = false;
  }
}

// Service time from queued pairs: departure spacing = the predecessor's service (plus the
// difference of two body costs).
void fit_service(DirectionFit& fit, const ArrivalSeries& a, const std::vector<char>& queued,
                 const std::vector<char>& is_tail, const FitOptions& options) {
  auto& p = fit.params;
  const std::size_t n = a.s.size();
  std::vector<double> spacing;
  for (std::size_t i = 0; i < n; ++i) {
    const auto prev = a.previous[i];
    if (!queued[i] || prev == n || is_tail[i] || is_tail[prev] || a.cold[prev])
      continue;
    spacing.push_back((to_us(a.s[i].arrival) + a.x[i]) - (to_us(a.s[prev].arrival) + a.x[prev]));
  }
  fit.service_pairs = spacing.size();
  if (spacing.size() >= options.min_service_pairs &&
      static_cast<double>(spacing.size()) >= kMinQueuedFraction * static_cast<double>(fit.hot)) {
    double mean = 0, var = 0;
    for (double v : spacing)
      mean += v / static_cast<double>(spacing.size());
    for (double v : spacing)
      var += (v - mean) * (v - mean) / static_cast<double>(spacing.size() - 1);
    // Var(F) of the shifted log-normal body.
    const double body_scale = to_us(p.fixed_median - p.fixed_floor);
    const double s2 = p.fixed_sigma * p.fixed_sigma;
    const double body_var = body_scale * body_scale * std::exp(s2) * (std::exp(s2) - 1.0);
    if (mean > 0.0) {
      fit.service_identified = true;
      p.service = from_us(mean);
      p.service_cv = std::sqrt(std::max(0.0, var - 2.0 * body_var)) / mean;
    }
  }
}

// Goodness of fit: the fitted model driven by the data's own arrivals and CPUs.
void compare_with_model(DirectionFit& fit, const ArrivalSeries& a, const FitOptions& options) {
  const std::size_t n = a.s.size();
  ModeParams mode;
  mode.mode = NetworkMode::kBridgeNat;
  mode.egress = fit.params;
  mode.ingress = fit.params;
  mode.cold_gap = options.cold_gap;
  std::map<std::uint32_t, std::uint32_t> dense;
  for (const auto& sample : a.s)
    dense.emplace(sample.cpu, static_cast<std::uint32_t>(dense.size()));
  ContainerStack stack(mode, options.seed, 1, static_cast<std::uint32_t>(dense.size()));
  std::vector<double> model(n), data = a.x;
  for (std::size_t i = 0; i < n; ++i)
    model[i] = to_us(stack.egress(a.s[i].arrival, dense[a.s[i].cpu]).total());
  fit.ks_distance = ks_distance(data, model);
  fit.data_median = from_us(quantile_sorted(data, 0.5));
  fit.model_median = from_us(quantile_sorted(model, 0.5));
}

}  // namespace

double ks_distance(std::span<double> a, std::span<double> b) {
  if (a.empty() || b.empty())
    return 1.0;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  double d = 0;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x)
      ++i;
    while (j < b.size() && b[j] <= x)
      ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return d;
}

DirectionFit fit_direction(std::span<const LatencySample> input, const FitOptions& options) {
  if (input.size() < kMinSamples) {
    throw std::invalid_argument(fmt::format("fit_direction: expected at least {} samples, got {}",
                                            kMinSamples, input.size()));
  }
  if (!std::isfinite(options.tracing_inflation) || options.tracing_inflation < 0.1) {
    throw std::invalid_argument(fmt::format(
        "fit_direction: tracing_inflation must be >= 0.1, got {}", options.tracing_inflation));
  }
  if (options.cold_gap.count() <= 0)
    throw std::invalid_argument("fit_direction: cold_gap must be positive");

  const ArrivalSeries a = arrival_series(input, options);
  const auto& x = a.x;
  const auto& cold = a.cold;
  const std::size_t n = a.s.size();

  DirectionFit fit;
  fit.samples = n;
  std::vector<double> hot_all, cold_all;
  for (std::size_t i = 0; i < n; ++i)
    (cold[i] ? cold_all : hot_all).push_back(x[i]);
  fit.cold = cold_all.size();
  fit.hot = hot_all.size();
  const auto hot_sorted = sorted_copy(hot_all);
  const auto cold_sorted = sorted_copy(cold_all);
  const double hot_median = quantile_sorted(hot_sorted, 0.5);
  const double hot_iqr = quantile_sorted(hot_sorted, 0.75) - quantile_sorted(hot_sorted, 0.25);
  const double cold_median = quantile_sorted(cold_sorted, 0.5);
  const double cold_iqr = quantile_sorted(cold_sorted, 0.75) - quantile_sorted(cold_sorted, 0.25);
  const double hot_threshold = options.tail_threshold.count() > 0
                                   ? to_us(options.tail_threshold) / options.tracing_inflation
                                   : hot_median + std::max(kTailIqrs * hot_iqr, kMinTailGap);
  const double cold_threshold =
      options.tail_threshold.count() > 0
          ? hot_threshold
          : cold_median + std::max(kTailIqrs * std::max(hot_iqr, cold_iqr), kMinTailGap);

  // A hot packet waited if the overlap with its predecessor exceeds the body's own noise.
  const Spread quiet = quiet_body(a, {hot_median, hot_iqr});
  const double noise = kQueuedIqrs * quiet.iqr;
  const std::vector<char> queued = queued_packets(a, quiet.median, noise);

  std::vector<double> body, cold_body, tail_excess;
  std::vector<char> is_tail(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    is_tail[i] = !queued[i] && x[i] > (cold[i] ? cold_threshold : hot_threshold);
    if (is_tail[i])
      tail_excess.push_back(x[i] - (cold[i] ? cold_median : hot_median));
    else if (cold[i])
      cold_body.push_back(x[i]);
    else if (!queued[i])
      body.push_back(x[i]);
  }
  fit.tail = tail_excess.size();

  fit_body_and_cold_start(fit, body, cold_body);
  fit_tail(fit, tail_excess, n);
  fit_service(fit, a, queued, is_tail, options);
  if (fit.service_identified)
    refit_unqueued_body(a.s, x, cold, is_tail, a.previous, quiet.median + noise, fit);
  compare_with_model(fit, a, options);
  return fit;
}

}  // namespace rlisim::models::container
