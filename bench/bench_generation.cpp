// Synthetic trace generation throughput: the CAIDA-like FlowGenerator alone, and generation
// plus PcapWriter to a temporary file. Items are packets, bytes are wire bytes.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "traces/synthetic/flow_generator.hpp"
#include "traces/synthetic/poisson_source.hpp"
#include "traces/writer/pcap_writer.hpp"

namespace {

using rlisim::core::Packet;
using rlisim::traces::FlowGenerator;
using rlisim::traces::SyntheticTrafficConfig;

// Profile by index: 0 default, 1 chic, 2 sanj; duration in ms from the second argument; flow
// model from `model_arg` if given (0 tcp, 1 paced).
SyntheticTrafficConfig config_for(const benchmark::State& state, int model_arg = -1) {
  static constexpr const char* kNames[] = {"default", "chic", "sanj"};
  SyntheticTrafficConfig c = rlisim::traces::profile(kNames[state.range(0)]);
  c.duration = rlisim::core::milliseconds(state.range(1));
  if (model_arg >= 0 && state.range(model_arg) == 1)
    c.flow_model = rlisim::traces::FlowModel::kPaced;
  return c;
}

std::string label(const SyntheticTrafficConfig& c) {
  return c.name + " " + std::string(rlisim::traces::to_string(c.flow_model));
}

std::string temp_pcap(const char* suffix) {
  return (std::filesystem::temp_directory_path() /
          ("rlisim_bench_" + std::to_string(::getpid()) + suffix))
      .string();
}

void BM_FlowGenerator(benchmark::State& state) {
  const SyntheticTrafficConfig c = config_for(state, 2);
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    FlowGenerator g(c);
    Packet p;
    while (g.next(p)) {
      ++packets;
      bytes += p.wire_bytes;
    }
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetLabel(label(c));
}
// 1 s and 10 s: the warm-up (flows drawn from -10 s) weighs on short traces. Third argument:
// 0 tcp (the profiles' model), 1 paced.
BENCHMARK(BM_FlowGenerator)
    ->Args({0, 1000, 0})
    ->Args({1, 1000, 0})
    ->Args({2, 1000, 0})
    ->Args({1, 10000, 0})
    ->Args({1, 1000, 1})
    ->Args({1, 10000, 1})
    ->Unit(benchmark::kMillisecond);

void BM_FlowGeneratorToPcap(benchmark::State& state) {
  const SyntheticTrafficConfig c = config_for(state);
  const std::string path = temp_pcap(state.range(2) ? ".pcap.gz" : ".pcap");
  rlisim::traces::WriterOptions options;
  options.gzip_level = 1;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    FlowGenerator g(c);
    rlisim::traces::PcapWriter w(path, options);
    Packet p;
    while (g.next(p))
      w.write(p);
    w.close();
    packets += w.packets();
    bytes += w.wire_bytes();
  }
  std::remove(path.c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetLabel(label(c) + (state.range(2) ? " gzip-1" : " plain"));
}
BENCHMARK(BM_FlowGeneratorToPcap)
    ->Args({1, 1000, 0})
    ->Args({1, 1000, 1})
    ->Unit(benchmark::kMillisecond);

void BM_PoissonSource(benchmark::State& state) {
  rlisim::traces::CrossTrafficConfig c;
  c.rate = rlisim::core::BitsPerSecond{1'000'000'000};
  c.duration = rlisim::core::seconds(1);
  c.flows = 16;
  std::uint64_t packets = 0;
  for (auto _ : state) {
    rlisim::traces::PoissonSource s(c);
    Packet p;
    while (s.next(p))
      ++packets;
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}
BENCHMARK(BM_PoissonSource)->Unit(benchmark::kMillisecond);

}  // namespace
