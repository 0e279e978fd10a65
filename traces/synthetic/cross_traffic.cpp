#include "traces/synthetic/cross_traffic.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::traces {

void validate(const CrossTrafficConfig& c, std::string_view what) {
  if (c.rate.value == 0 || c.rate.value > kMaxTrafficRateBps) {
    throw core::ConfigError(
        fmt::format("{}.rate = {} b/s: expected a rate in (0, 1 Tb/s] (about 230 M packets/s of "
                    "540 B; beyond that a run would not finish)",
                    what, c.rate.value));
  }
  if (c.duration < kMinTrafficDuration) {
    throw core::ConfigError(fmt::format("{}.duration = {}: expected a duration >= 1 ns", what,
                                        core::format_duration(c.duration)));
  }
  if (c.start_offset.count() < 0) {
    throw core::ConfigError(fmt::format("{}.start_offset = {}: expected a time >= 0", what,
                                        core::format_duration(c.start_offset)));
  }
  if (c.flows < 1 || c.flows > 65536) {
    throw core::ConfigError(
        fmt::format("{}.flows = {}: expected an integer in [1, 65536]", what, c.flows));
  }
  if (c.protocol != 6 && c.protocol != 17) {
    throw core::ConfigError(
        fmt::format("{}.protocol = {}: expected 6 (TCP) or 17 (UDP)", what, c.protocol));
  }
  const std::uint32_t headers = c.protocol == 6 ? 40 : 28;
  if (c.size_mix.min_bytes() < headers) {
    throw core::ConfigError(fmt::format(
        "{}.size_mix: {} has {} B packets but protocol {} needs at least {} B of headers; use "
        "SizeMix::with_min_size({})",
        what, c.size_mix.describe(), c.size_mix.min_bytes(), c.protocol, headers, headers));
  }
}

std::vector<core::FlowKey> cross_traffic_keys(std::uint64_t seed, std::uint32_t flows,
                                              std::uint8_t protocol) {
  std::vector<core::FlowKey> keys;
  keys.reserve(flows);
  for (std::uint32_t i = 0; i < flows; ++i) {
    const std::uint64_t h = core::mix64(core::mix64(seed ^ 0x63726f7373ULL) + i);
    const auto host_src = static_cast<std::uint32_t>(h & 0xffff);
    const auto host_dst = static_cast<std::uint32_t>((h >> 16) & 0xffff);
    const auto src_port = static_cast<std::uint16_t>(1024 + (h >> 32) % 64512);
    const auto dst_port = static_cast<std::uint16_t>(1024 + (h >> 48) % 64512);
    keys.push_back(core::FlowKey::ipv4(0xc6120000u | host_src, 0xc6130000u | host_dst, src_port,
                                       dst_port, protocol));
  }
  return keys;
}

void fill_cross_packet(core::Packet& out, double arrival_ps, const SizeMix& mix,
                       std::mt19937_64& rng, const std::vector<core::FlowKey>& keys,
                       std::uint64_t seq) {
  out.arrival = core::Time{static_cast<std::int64_t>(std::floor(arrival_ps))};
  out.wire_bytes = mix.sample(rng);
  const auto key =
      keys.size() == 1
          ? 0
          : static_cast<std::size_t>(core::uniform01(rng) * static_cast<double>(keys.size()));
  out.flow = keys[key];
  out.kind = core::PacketKind::kCross;
  out.source = 0;
  out.seq = seq;
}

}  // namespace rlisim::traces
