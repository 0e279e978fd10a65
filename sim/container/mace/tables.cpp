#include "sim/container/mace/tables.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "models/container/variates.hpp"
#include "models/metrics/empirical_cdf.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::container::mace {
namespace mc = models::container;

double quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return models::sorted_quantile(v, p);
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

double NativeRtt::sample(std::mt19937_64& rng, double p_slow_override) const {
  const double p = p_slow_override >= 0 ? p_slow_override : p_slow;
  const double body = floor + scale * std::exp(sigma * mc::standard_normal(rng));
  return body + (core::uniform01(rng) < p ? slow : 0.0);
}

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

NativeRtt fig5_native(const config::MaceScenarios& s) {
  return fit_native(s.fig5_mean_us, s.fig5_mode_us, s.fig5_sd_us, s.idle_slow_native,
                    s.slow_shift_us);
}

NativeRtt hot_native(const config::MaceScenarios& s) {
  return NativeRtt{s.hot_floor_us, s.hot_scale_us, s.hot_sigma, 0.0, 0.0};
}

ReproductionRow row(std::string label, double simulated, std::string published,
                    std::optional<double> lo, std::optional<double> hi, std::string basis) {
  return ReproductionRow{std::move(label), simulated, std::move(published), lo, hi,
                         std::move(basis)};
}

ReproductionRow relative_row(std::string label, double simulated, double published, double fraction,
                             double floor_us, const std::string& basis) {
  const double half = std::max(std::fabs(published) * fraction, floor_us);
  return row(std::move(label), simulated, fmt::format("{:g}", published), published - half,
             published + half, basis);
}

mc::DirectionParams traced(mc::DirectionParams d, const config::MaceScenarios& s) {
  const auto scale = [](core::Time t, double k) {
    return core::Time{std::llround(static_cast<double>(t.count()) * k)};
  };
  d.fixed_floor = scale(d.fixed_floor, s.inflation);
  d.fixed_median = scale(d.fixed_median, s.inflation);
  d.cold_extra = scale(d.cold_extra, s.inflation);
  d.cold_jitter_sd = scale(d.cold_jitter_sd, s.inflation);
  // The tail (§2.2) was measured on traced runs already: not inflated again.
  d.service = scale(d.service, s.service_traced_ratio);
  return d;
}

mc::ModeParams with_neighbours(mc::ModeParams p, int n, int neighbours, bool traced_run,
                               const config::MaceScenarios& s) {
  if (traced_run) {
    p.egress = traced(p.egress, s);
    p.ingress = traced(p.ingress, s);
  }
  const double contention =
      (traced_run ? s.contention_traced_us : s.contention_traced_us / s.inflation) *
      std::min(neighbours, s.contention_max_neighbours);
  p.egress.fixed_floor += from_us(contention);
  p.egress.fixed_median += from_us(contention);
  p.egress.tail_probability = n <= 1 ? s.egress_tail_single : s.egress_tail_many;
  p.ingress.tail_probability = s.ingress_tail_for(n);
  return p;
}

mc::ModeParams with_idle_tail(mc::ModeParams p, double native_slow, double container_slow) {
  p.egress.tail_probability = 0;
  p.ingress.tail_probability = std::max(0.0, (container_slow - native_slow) / (1 - native_slow));
  return p;
}

}  // namespace rlisim::container::mace
