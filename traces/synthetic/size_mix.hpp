#pragma once
// Packet-size mixes: discrete distributions over wire sizes, sampled in O(1) by an alias table.

#include <cstdint>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rlisim::traces {

/// A discrete distribution over IP wire sizes (bytes, the pcap `len`), e.g. the bimodal CAIDA
/// 2018 mix. Sampling uses Walker's alias table: one uniform variate, O(1) per draw, exact
/// probabilities (up to double rounding).
///
/// Named mixes (anchors.md §4, §5):
///
/// | name        | sizes (B)       | probabilities      | mean (B) | source                   |
/// |-------------|-----------------|--------------------|----------|--------------------------|
/// | `caida2018` | 40 / 576 / 1500 | 0.30 / 0.10 / 0.60 | 969.6    | 2018 bimodal (default)   |
/// | `trimodal`  | 40 / 576 / 1500 | 0.50 / 0.25 / 0.25 | 539      | 2008-like, benchmark mix |
/// | `imix`      | 40 / 576 / 1500 | 7 : 4 : 1          | 340.33   | "simple IMIX"            |
///
/// Every size lies in [kMinWireBytes, kMaxWireBytes]: an IPv4 packet is at least its 20-byte
/// header, and the IPv4 total-length field caps it at 65535.
class SizeMix {
 public:
  static constexpr std::uint32_t kMinWireBytes = 20;
  static constexpr std::uint32_t kMaxWireBytes = 65535;

  /// One support point of the distribution.
  struct Entry {
    std::uint32_t wire_bytes = 0;
    /// Probability (after normalisation) of this size.
    double probability = 0;
  };

  /// The default mix, `caida2018`.
  SizeMix();
  /// Builds a mix from (size, weight) pairs. Weights are normalised to sum to 1 (weights
  /// within 1e-9 of that already are kept exactly, so a printed mix reads back unchanged);
  /// equal sizes are merged; zero-weight entries are dropped.
  /// @throws core::ConfigError if `entries` is empty, a size is outside [20, 65535], a weight
  ///         is negative or not finite, or all weights are zero.
  explicit SizeMix(std::vector<Entry> entries, std::string name = "custom");

  /// The named mix `name` (see the table above).
  /// @throws core::ConfigError naming the valid names if `name` is unknown.
  static SizeMix named(std::string_view name);
  /// The names accepted by named(), in documentation order.
  static std::vector<std::string_view> names();

  /// The empirical mix of a histogram (wire size -> packet count), e.g. from `rlisim trace
  /// stats` on a real capture.
  /// @throws core::ConfigError if the histogram is empty, has only zero counts, or holds a size
  ///         outside [20, 65535].
  static SizeMix from_histogram(const std::map<std::uint32_t, std::uint64_t>& counts);
  /// The empirical mix of observed wire sizes (one entry per packet).
  /// @throws core::ConfigError as from_histogram().
  static SizeMix from_sizes(std::span<const std::uint32_t> sizes);

  /// A copy with every size below `min_bytes` raised to `min_bytes` (probabilities carried
  /// over). Use it before feeding a trace-derived mix to a TCP generator, whose packets need
  /// 40 bytes of headers; note that it raises the mean.
  /// @throws core::ConfigError if `min_bytes` is outside [20, 65535].
  SizeMix with_min_size(std::uint32_t min_bytes) const;

  /// Maps a uniform variate u in [0, 1) to a size. Deterministic: same u, same size.
  std::uint32_t sample(double u) const {
    const double scaled = u * static_cast<double>(alias_.size());
    std::size_t column = static_cast<std::size_t>(scaled);
    if (column >= alias_.size())
      column = alias_.size() - 1;
    const AliasColumn& c = alias_[column];
    return (scaled - static_cast<double>(column)) < c.keep ? c.size : c.other;
  }
  /// Draws one size from `rng` (one core::uniform01 draw).
  std::uint32_t sample(std::mt19937_64& rng) const;

  /// E[L] in bytes.
  double mean_bytes() const { return mean_; }
  /// E[L^2] in bytes^2 (for the Pollaczek-Khinchine oracle: E[S^2] = 64 E[L^2] / C^2).
  double second_moment_bytes2() const { return second_moment_; }
  /// Var[L] in bytes^2.
  double variance_bytes2() const { return second_moment_ - mean_ * mean_; }
  std::uint32_t min_bytes() const { return entries_.front().wire_bytes; }
  std::uint32_t max_bytes() const { return entries_.back().wire_bytes; }
  /// The support, sorted by size, probabilities summing to 1.
  const std::vector<Entry>& entries() const { return entries_; }
  /// Probability of exactly `wire_bytes` (0 if not in the support).
  double probability(std::uint32_t wire_bytes) const;
  /// The mix's name if it is a named one or was built by from_histogram/from_sizes, else
  /// "custom".
  const std::string& name() const { return name_; }
  /// "caida2018 (3 sizes, mean 969.6 B)".
  std::string describe() const;

 private:
  struct AliasColumn {
    double keep = 1;  // probability of keeping `size` in this column
    std::uint32_t size = 0;
    std::uint32_t other = 0;
  };
  void build();

  std::vector<Entry> entries_;
  std::vector<AliasColumn> alias_;
  double mean_ = 0;
  double second_moment_ = 0;
  std::string name_ = "custom";
};

}  // namespace rlisim::traces
