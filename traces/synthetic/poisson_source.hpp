#pragma once
// Poisson cross traffic: exponential packet inter-arrivals at a given bit rate.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/packet_source.hpp"
#include "traces/synthetic/cross_traffic.hpp"

namespace rlisim::traces {

/// Cross traffic with Poisson packet arrivals: packet rate lambda = rate / (8 E[L]), so the
/// expected bit rate is exactly `rate`; sizes i.i.d. from the mix; each packet takes one of
/// `flows` keys uniformly at random. Inter-arrival times are exponential (coefficient of
/// variation 1), drawn by inversion (core::exponential) in double picoseconds and floored to
/// integer picoseconds. Random streams: core::make_rng(seed, 11) for times,
/// (seed, 12) for sizes and keys. O(1) per packet, no allocation.
class PoissonSource final : public core::PacketSource {
 public:
  /// @throws core::ConfigError if validate(config, "poisson") fails.
  explicit PoissonSource(CrossTrafficConfig config);

  bool next(core::Packet& out) override;
  /// "poisson(100 Mb/s, 1 flow, seed 1)".
  std::string describe() const override;
  std::optional<double> progress() const override;
  /// packets, wire_bytes (in that order).
  std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const override;

  const CrossTrafficConfig& config() const { return config_; }
  /// lambda, packets per second.
  double packet_rate() const { return packets_per_second_; }
  const std::vector<core::FlowKey>& flow_keys() const { return keys_; }

 private:
  CrossTrafficConfig config_;
  std::vector<core::FlowKey> keys_;
  std::mt19937_64 time_rng_;
  std::mt19937_64 size_rng_;
  double packets_per_second_ = 0;
  double mean_gap_ps_ = 0;
  double next_ps_ = 0;
  double end_ps_ = 0;
  double start_ps_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t wire_bytes_ = 0;
};

}  // namespace rlisim::traces
