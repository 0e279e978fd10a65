// End-to-end throughput: `rlisim run` on an uncompressed pcap (reader -> router -> ground
// truth), against a bare libpcap read of the same file in the same benchmark run.
//
// The trace (CAIDA-like, chic profile, 4 Gb/s for 10 s: about 6 M packets and 270 k flows)
// is generated once, outside every timed region, into $RLISIM_BENCH_DIR (default /tmp).

#include <cstdlib>
#include <filesystem>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <pcap/pcap.h>

#include "sim/config/experiment_config.hpp"
#include "sim/net/router.hpp"
#include "sim/run/rli_run.hpp"
#include "sim/run/scenario.hpp"
#include "traces/pcap/pcap_reader.hpp"
#include "traces/synthetic/synthetic_config.hpp"
#include "traces/writer/write_synthetic_trace.hpp"

namespace {

using namespace rlisim;

struct BenchTrace {
  std::string path;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  double duration_s = 0;
};

const BenchTrace& bench_trace() {
  static const BenchTrace trace = [] {
    const char* dir = std::getenv("RLISIM_BENCH_DIR");
    BenchTrace t;
    t.path = (std::filesystem::path(dir ? dir : "/tmp") / "rlisim_bench_e2e.pcap").string();
    auto config = traces::profile("chic");
    config.seed = 2024;
    config.rate = core::BitsPerSecond{4'000'000'000};
    config.duration = core::seconds(10);
    const auto summary = traces::write_synthetic_trace(config, t.path);
    t.packets = summary.packets;
    t.bytes = summary.wire_bytes;
    t.duration_s = core::to_seconds(summary.duration);
    return t;
  }();
  return trace;
}

void BM_LibpcapReadOnly(benchmark::State& state) {
  const auto& t = bench_trace();
  std::uint64_t packets = 0;
  for (auto _ : state) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(t.path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
      state.SkipWithError(err);
      return;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    std::uint64_t sum = 0;
    while (pcap_next_ex(p, &header, &data) == 1) {
      sum += header->len;
      ++packets;
    }
    benchmark::DoNotOptimize(sum);
    pcap_close(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}
BENCHMARK(BM_LibpcapReadOnly)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_PcapReaderDecode(benchmark::State& state) {
  const auto& t = bench_trace();
  std::uint64_t packets = 0;
  for (auto _ : state) {
    traces::PcapReader reader(t.path);
    core::Packet p;
    while (reader.next(p))
      ++packets;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}
BENCHMARK(BM_PcapReaderDecode)->Unit(benchmark::kMillisecond)->Iterations(3);

// The same pipeline without any observer: reader + router only. The difference to
// BM_EndToEndRun is the cost of exact per-flow ground truth.
void BM_ReaderAndRouterOnly(benchmark::State& state) {
  const auto& t = bench_trace();
  const double rate = static_cast<double>(t.bytes) * 8.0 / t.duration_s / 0.9;
  net::RouterConfig config;
  config.egress[0].rate = core::BitsPerSecond{static_cast<std::uint64_t>(rate)};
  config.egress[0].buffer.packets = 1000;
  std::uint64_t packets = 0;
  for (auto _ : state) {
    traces::PcapReader reader(t.path);
    net::Router router(config);
    core::Packet p;
    while (reader.next(p))
      router.process(p);
    packets += router.packets();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}
BENCHMARK(BM_ReaderAndRouterOnly)->Unit(benchmark::kMillisecond)->Iterations(3);

// A single FIFO port at 90 % utilization (rate fixed from the known offered load, so no
// survey pre-pass is timed), 1000-packet buffer, exact per-flow ground truth; `extra` adds
// TOML tables. Returns the last run's result.
run::RunResult run_bench_config(benchmark::State& state, const std::string& extra,
                                const run::RunOptions& options = {}) {
  const auto& t = bench_trace();
  const double rate = static_cast<double>(t.bytes) * 8.0 / t.duration_s / 0.9;
  const auto text = fmt::format(
      "seed = 1\n[[source]]\nkind = \"pcap\"\npath = \"{}\"\n"
      "[[router.port]]\nrate = {:.0f}\nbuffer_packets = 1000\npropagation = \"1us\"\n{}",
      t.path, rate, extra);
  const auto config = config::parse_config(text, "bench.toml");
  std::uint64_t packets = 0;
  run::RunResult result;
  for (auto _ : state) {
    result = run::run_experiment(config, options);
    packets += result.packets;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  return result;
}

void BM_EndToEndRun(benchmark::State& state) {
  const bool quantiles = state.range(0) != 0;
  const auto result = run_bench_config(state, fmt::format("[truth]\nquantiles = {}\n", quantiles));
  state.counters["flows"] = static_cast<double>(result.truth->flow_count());
  state.SetLabel(quantiles ? "per-flow p50/p99" : "no per-flow quantiles");
}
// Arg 1: the default (exact moments and per-flow p50/p99); arg 0: [truth] quantiles = false.
BENCHMARK(BM_EndToEndRun)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(3);

// The BM_EndToEndRun/1 run plus RLI (static 1-in-100, linear interpolation, scored against
// the truth). Arg 0: RLI alone; arg 1: with the lock-step run without references that
// measures interference (a second router and truth). The cost of RLI is the ratio of this
// time to BM_EndToEndRun/1's.
void BM_EndToEndRli(benchmark::State& state) {
  const bool interference = state.range(0) != 0;
  const auto result = run_bench_config(
      state, fmt::format("[rli]\npolicy = \"static\"\nn = 100\ninterference = {}\n", interference));
  const auto* rli = run::find_rli(result);
  state.counters["references"] = static_cast<double>(rli ? rli->score().overhead.references : 0);
  state.SetLabel(interference ? "rli + run without references" : "rli");
}
BENCHMARK(BM_EndToEndRli)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(3);

// The BM_EndToEndRun/1 run plus one baseline with its defaults, scored against the truth
// (arg: 0 LDA, 1 naive NetFlow, 2 Multiflow, 3 trajectory sampling, 4 all four with RLI
// static 1-in-100, as configs/compare.toml). Cost is the ratio to BM_EndToEndRun/1's time.
void BM_EndToEndBaseline(benchmark::State& state) {
  static const char* const kTables[] = {"[lda]\n", "[netflow]\n", "[multiflow]\n", "[trajectory]\n",
                                        "[lda]\n[netflow]\n[multiflow]\n[trajectory]\n"
                                        "[rli]\ninterference = false\n"};
  static const char* const kLabels[] = {"lda", "netflow", "multiflow", "trajectory",
                                        "all estimators"};
  const auto i = static_cast<std::size_t>(state.range(0));
  run_bench_config(state, kTables[i]);
  state.SetLabel(kLabels[i]);
}
BENCHMARK(BM_EndToEndBaseline)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->Iterations(3);

// BM_EndToEndBaseline/4 (arg 0) and BM_EndToEndRli/1 (arg 1) with the observers on
// `threads` threads (second arg: 1 or 2, `run --threads`), in wall-clock time: threads shorten
// a run's wall time, not its CPU time.
void BM_EndToEndThreads(benchmark::State& state) {
  static const char* const kTables[] = {
      "[lda]\n[netflow]\n[multiflow]\n[trajectory]\n[rli]\ninterference = false\n",
      "[rli]\npolicy = \"static\"\nn = 100\ninterference = true\n"};
  static const char* const kLabels[] = {"all estimators", "rli + run without references"};
  const auto i = static_cast<std::size_t>(state.range(0));
  run::RunOptions options;
  options.threads = static_cast<unsigned>(state.range(1));
  run_bench_config(state, kTables[i], options);
  state.SetLabel(fmt::format("{}, {} thread(s)", kLabels[i], options.threads));
}
BENCHMARK(BM_EndToEndThreads)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
