// DelayAutocorrelation::add, the port diagnostics' per-packet cost in every run with an
// estimator, on the departures of an M/G/1 FIFO queue at 1.8 M packets/s and rho = 0.9 (the
// rate of the 4 Gb/s chic pcap), with the port diagnostics' lags.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "models/metrics/delay_autocorrelation.hpp"
#include "sim/core/rng.hpp"

namespace {

namespace core = rlisim::core;
using core::Time;
using rlisim::models::DelayAutocorrelation;

constexpr std::size_t kPackets = 1 << 21;

struct Departure {
  Time at;
  double delay_ps;
};

// Poisson arrivals, service times of 40/576/1500 B at 0.5/0.25/0.25 scaled to rho = 0.9 at
// 1.8 M packets/s, FIFO (Lindley recursion).
std::vector<Departure> fifo_departures() {
  auto rng = core::make_rng(7, 0);
  const double mean_gap_ps = 1e12 / 1.8e6;
  const double ps_per_byte = 0.9 * mean_gap_ps / 539.0;
  std::vector<Departure> out(kPackets);
  double arrival = 0;
  double free_at = 0;
  for (Departure& d : out) {
    arrival += core::exponential(rng, mean_gap_ps);
    const double u = core::uniform01(rng);
    const double bytes = u < 0.5 ? 40 : (u < 0.75 ? 576 : 1500);
    free_at = std::max(free_at, arrival) + bytes * ps_per_byte;
    d.at = Time{std::llround(free_at)};
    d.delay_ps = std::round(free_at - arrival);
  }
  return out;
}

void BM_DelayAutocorrelation(benchmark::State& state) {
  static const std::vector<Departure> departures = fifo_departures();
  for (auto _ : state) {
    DelayAutocorrelation r(
        {1, 10, 30, 100, 300, 1000},
        DelayAutocorrelation::log_spaced(core::microseconds(1), core::milliseconds(100), 3));
    for (const Departure& d : departures)
      r.add(d.at, d.delay_ps);
    benchmark::DoNotOptimize(r.at_time_lag(0));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * departures.size()));
}
BENCHMARK(BM_DelayAutocorrelation)->Unit(benchmark::kMillisecond);

}  // namespace
