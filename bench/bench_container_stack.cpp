// Container stack model: packets/s through egress + ingress of the bridge+NAT parameters.

#include <vector>

#include <benchmark/benchmark.h>

#include "models/container/stack_model.hpp"
#include "sim/core/rng.hpp"

namespace {

namespace mc = rlisim::models::container;
using rlisim::core::Time;

mc::ModeParams bridge_nat() {
  mc::ModeParams p;
  p.mode = mc::NetworkMode::kBridgeNat;
  p.cold_gap = rlisim::core::milliseconds(5);
  for (auto* d : {&p.egress, &p.ingress}) {
    d->fixed_floor = rlisim::core::microseconds(3);
    d->fixed_median = rlisim::core::nanoseconds(4500);
    d->fixed_sigma = 0.3;
    d->cold_extra = rlisim::core::nanoseconds(10500);
    d->cold_jitter_sd = rlisim::core::microseconds(2);
    d->service_cv = 0.5;
    d->tail_median = rlisim::core::microseconds(200);
    d->tail_sigma = 0.15;
  }
  p.egress.service = rlisim::core::microseconds(8);
  p.egress.tail_probability = 0.004;
  p.ingress.service = rlisim::core::microseconds(10);
  p.ingress.tail_probability = 0.03;
  return p;
}

// One packet = one egress and one ingress pass; Poisson arrivals at 50 kpps (rho 0.5 on the
// ingress queue), 4 CPUs and 4 RX queues.
void BM_ContainerStackEgressIngress(benchmark::State& state) {
  constexpr std::size_t kPackets = 1 << 16;
  auto rng = rlisim::core::make_rng(1, 0);
  std::vector<Time> arrivals(kPackets);
  double t = 0;
  for (auto& a : arrivals) {
    t += rlisim::core::exponential(rng, 20e6 / 4);  // 20 µs per queue, 4 queues
    a = Time{static_cast<std::int64_t>(t)};
  }
  const Time span = arrivals.back() + rlisim::core::microseconds(20);
  mc::ContainerStack stack(bridge_nat(), 1, 4, 4);
  Time offset{};
  for (auto _ : state) {
    Time sum{};
    for (std::size_t i = 0; i < kPackets; ++i) {
      const Time at = arrivals[i] + offset;
      const auto q = static_cast<std::uint32_t>(i & 3);
      sum += stack.egress(at, q).total();
      sum += stack.ingress(at, q).total();
    }
    benchmark::DoNotOptimize(sum);
    offset += span;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPackets));
}
BENCHMARK(BM_ContainerStackEgressIngress);

}  // namespace
