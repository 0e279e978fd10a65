#pragma once
// Flow sizes in packets: truncated Pareto or truncated lognormal, with exact moments.

#include <cstdint>
#include <string>
#include <string_view>

namespace rlisim::traces {

/// The family of the flow-size distribution.
enum class FlowSizeModel : std::uint8_t { kPareto, kLognormal };

/// "pareto" / "lognormal".
std::string_view to_string(FlowSizeModel model);

/// Parameters of the flow-size distribution, in packets. Both families are truncated to
/// [min_packets, max_packets] (conditioning, not clipping: the density is renormalised).
struct FlowSizeConfig {
  FlowSizeModel model = FlowSizeModel::kPareto;
  /// Pareto shape. anchors.md §5: alpha 1.1-1.5 fits Internet flow sizes; 1.2 is Harpoon's.
  double alpha = 1.2;
  /// Lower bound of the support: the Pareto scale x_m, and the lognormal's lower truncation.
  double min_packets = 1.0;
  /// Upper truncation; K never exceeds ceil(max_packets). flow_generator.hpp documents why the
  /// default is 10^4 rather than 10^6.
  double max_packets = 1e4;
  /// Lognormal location and scale of ln(packets) (before truncation). The defaults (median
  /// 2 packets, sigma 1.5) give a mean near that of the default Pareto.
  double lognormal_mu = 0.6931471805599453;
  double lognormal_sigma = 1.5;
};

/// A flow-size distribution. quantile() maps a uniform to a continuous size X in
/// [min_packets, max_packets]; packets() turns X into an integer count K by randomised
/// rounding (K = floor(X) + 1 with probability frac(X)), so E[K] = E[X] exactly and the
/// analytic mean of the truncated continuous law is also the mean packet count.
class FlowSizeDistribution {
 public:
  /// @throws core::ConfigError naming the offending `flow_size.*` key if a parameter is out of
  ///         range (alpha <= 0, min_packets < 1, max_packets < min_packets or > 2^53,
  ///         sigma <= 0, or non-finite values).
  explicit FlowSizeDistribution(const FlowSizeConfig& config);

  /// The continuous size X with P(X <= x) = u, for u in [0, 1).
  double quantile(double u) const;
  /// P(X <= x) of the continuous law (0 below the support, 1 above).
  double cdf(double x) const;
  /// The packet count for size uniform `u` and rounding uniform `v`, both in [0, 1).
  std::uint64_t packets(double u, double v) const {
    const double x = quantile(u);
    const double whole = static_cast<double>(static_cast<std::uint64_t>(x));
    return static_cast<std::uint64_t>(whole) + (v < x - whole ? 1 : 0);
  }

  /// P(K >= n) of the packet count (numerical integration over [n - 1, n), error < 1e-6).
  double probability_at_least(std::uint64_t n) const;
  /// E[K] = E[X], exact for the truncated law (closed form).
  double mean_packets() const { return mean_; }
  /// E[X^2] of the continuous law (closed form). E[K^2] exceeds it by E[f(1 - f)] <= 1/4,
  /// f = frac(X), from the rounding.
  double continuous_second_moment() const { return second_moment_; }
  const FlowSizeConfig& config() const { return config_; }
  /// "pareto(alpha=1.2, 1..10000 packets, mean 5.12)".
  std::string describe() const;

 private:
  FlowSizeConfig config_;
  double mean_ = 0;
  double second_moment_ = 0;
  // Pareto: 1 - (L/H)^alpha; lognormal: Phi at the two truncation points.
  double pareto_mass_ = 1;
  double cdf_low_ = 0;
  double cdf_high_ = 1;
};

}  // namespace rlisim::traces
