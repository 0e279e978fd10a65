// FIFO port and router hot paths on pre-generated Poisson arrivals (anchor workload: 10 Gb/s,
// 40/576/1500 B at 0.5/0.25/0.25, rho = 0.9).

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include <benchmark/benchmark.h>

#include "models/truth/ground_truth.hpp"
#include "sim/core/rng.hpp"
#include "sim/net/output_port.hpp"
#include "sim/net/router.hpp"

namespace {

using rlisim::core::Time;
namespace core = rlisim::core;
namespace net = rlisim::net;

constexpr std::size_t kPackets = 1 << 20;
constexpr std::uint32_t kFlows = 100'000;

struct Arrival {
  Time arrival;
  std::uint32_t bytes;
};

// Poisson arrivals at load `rho` on a link of `rate_bps`, anchor size mix (mean 539 B).
std::vector<Arrival> poisson_arrivals(double rho, double rate_bps) {
  auto rng = core::make_rng(42, 0);
  const double mean_gap_ps = 539.0 * 8 / rate_bps * 1e12 / rho;
  std::vector<Arrival> out(kPackets);
  double t = 0;
  for (Arrival& a : out) {
    t += core::exponential(rng, mean_gap_ps);
    a.arrival = Time{std::llround(t)};
    const double u = core::uniform01(rng);
    a.bytes = u < 0.5 ? 40 : (u < 0.75 ? 576 : 1500);
  }
  return out;
}

const std::vector<Arrival>& arrivals_10g() {
  static const std::vector<Arrival> a = poisson_arrivals(0.9, 1e10);
  return a;
}

void run_port(benchmark::State& state, const net::OutputPortConfig& config,
              const std::vector<Arrival>& arrivals) {
  std::uint64_t bytes = 0;
  for (const Arrival& a : arrivals)
    bytes += a.bytes;
  for (auto _ : state) {
    net::OutputPort port(config);
    std::int64_t checksum = 0;
    for (const Arrival& a : arrivals)
      checksum += port.offer(a.arrival, a.bytes).departure.count();
    benchmark::DoNotOptimize(checksum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(arrivals.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
}

void BM_OutputPortInfiniteBuffer(benchmark::State& state) {
  run_port(state, net::OutputPortConfig{}, arrivals_10g());
}
BENCHMARK(BM_OutputPortInfiniteBuffer)->Unit(benchmark::kMillisecond);

void BM_OutputPort1000PacketBuffer(benchmark::State& state) {
  net::OutputPortConfig config;
  config.buffer.packets = 1000;
  run_port(state, config, arrivals_10g());
}
BENCHMARK(BM_OutputPort1000PacketBuffer)->Unit(benchmark::kMillisecond);

void BM_OutputPortByteBufferOc192(benchmark::State& state) {
  // A rate that needs ceil rounding (table lookup) and a byte-limited ring, overloaded.
  static const std::vector<Arrival> arrivals = poisson_arrivals(1.1, 9.95328e9);
  net::OutputPortConfig config;
  config.rate = core::BitsPerSecond{9'953'280'000ULL};
  config.buffer.bytes = 256 * 1024;
  run_port(state, config, arrivals);
}
BENCHMARK(BM_OutputPortByteBufferOc192)->Unit(benchmark::kMillisecond);

// Packets of `flows` flows chosen uniformly at random: with 100 k flows the flow table (about
// 30 MB) does not fit in cache and nearly every packet misses, the worst case; real traces
// have more locality.
const std::vector<core::Packet>& flow_packets(std::uint32_t flows) {
  static std::map<std::uint32_t, std::vector<core::Packet>> cache;
  std::vector<core::Packet>& out = cache[flows];
  if (!out.empty())
    return out;
  auto rng = core::make_rng(42, 1);
  out.resize(kPackets);
  const std::vector<Arrival>& a = arrivals_10g();
  for (std::size_t i = 0; i < kPackets; ++i) {
    const auto flow = static_cast<std::uint32_t>(rng() % flows);
    out[i].arrival = a[i].arrival;
    out[i].wire_bytes = a[i].bytes;
    out[i].flow = core::FlowKey::ipv4(0x0a000000 + flow, 0xc0000000 + flow * 2654435761u,
                                      static_cast<std::uint16_t>(1024 + flow % 50000), 443, 6);
    out[i].seq = i;
  }
  return out;
}

void run_router(benchmark::State& state, const net::RouterConfig& config, bool with_truth,
                std::uint32_t flows) {
  const std::vector<core::Packet>& packets = flow_packets(flows);
  for (auto _ : state) {
    net::Router router(config);
    rlisim::models::GroundTruth truth;
    if (with_truth)
      router.add_observer(truth);
    std::int64_t checksum = 0;
    for (const core::Packet& p : packets)
      checksum += router.process(p).egress_time.count();
    benchmark::DoNotOptimize(checksum);
    if (with_truth)
      state.counters["flows"] = static_cast<double>(truth.flow_count());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(packets.size()));
}

void BM_RouterNoObservers(benchmark::State& state) {
  net::RouterConfig config;
  config.egress[0].buffer.packets = 1000;
  run_router(state, config, false, kFlows);
}
BENCHMARK(BM_RouterNoObservers)->Unit(benchmark::kMillisecond);

void BM_RouterWithGroundTruth(benchmark::State& state) {
  net::RouterConfig config;
  config.egress[0].buffer.packets = 1000;
  config.egress[0].propagation = core::microseconds(1);
  run_router(state, config, true, static_cast<std::uint32_t>(state.range(0)));
}
BENCHMARK(BM_RouterWithGroundTruth)
    ->ArgName("flows")
    ->Arg(1000)
    ->Arg(kFlows)
    ->Unit(benchmark::kMillisecond);

void BM_RouterFourPortsPrefixHashWithGroundTruth(benchmark::State& state) {
  net::RouterConfig config;
  config.egress.resize(4);
  for (auto& port : config.egress)
    port.buffer.packets = 1000;
  config.forwarding.kind = net::ForwardingKind::kDstPrefixHash;
  run_router(state, config, true, kFlows);
}
BENCHMARK(BM_RouterFourPortsPrefixHashWithGroundTruth)->Unit(benchmark::kMillisecond);

}  // namespace
