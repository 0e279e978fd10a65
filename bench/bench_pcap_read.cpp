// Capture read throughput: bare libpcap, PcapReader on a plain pcap and on .pcap.gz, and the
// frame decoder alone. Items are packets, so results read as packets/s.
//
// Input: a deterministic CAIDA-like raw-IP pcap (LINKTYPE_RAW, snaplen 64, IPv4 TCP/UDP over
// 65,536 flows, wire sizes 40/576/1500 B at 50/25/25 %), written once with pcap_dump into the
// temp folder outside the timed loops, plus its gzip (level 6, as published traces are).
// RLISIM_BENCH_PACKETS overrides the packet count (default 3,000,000).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/packet.hpp"
#include "sim/core/rng.hpp"
#include "traces/pcap/frame_decoder.hpp"
#include "traces/pcap/pcap_reader.hpp"

namespace {

using namespace rlisim;

constexpr int kSnaplen = 64;

struct BenchTrace {
  std::string path;
  std::string gz_path;
  std::uint64_t packets = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t gz_bytes = 0;
  std::vector<std::vector<std::uint8_t>> frames;  // a sample for the decoder benchmark

  BenchTrace() {
    const char* env = std::getenv("RLISIM_BENCH_PACKETS");
    packets = env != nullptr ? std::strtoull(env, nullptr, 10) : 3'000'000;
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem = "rlisim-bench-pcap-" + std::to_string(::getpid());
    path = (dir / (stem + ".pcap")).string();
    gz_path = (dir / (stem + ".pcap.gz")).string();
    write_pcap();
    write_gzip();
    file_bytes = std::filesystem::file_size(path);
    gz_bytes = std::filesystem::file_size(gz_path);
  }
  ~BenchTrace() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::filesystem::remove(gz_path, ec);
  }
  BenchTrace(const BenchTrace&) = delete;
  BenchTrace& operator=(const BenchTrace&) = delete;

  void write_pcap() {
    pcap_t* dead =
        pcap_open_dead_with_tstamp_precision(DLT_RAW, kSnaplen, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_dumper_t* out = pcap_dump_open(dead, path.c_str());
    if (out == nullptr)
      throw std::runtime_error("cannot write " + path);
    auto rng = core::make_rng(42, 0);
    std::int64_t ts_ns = 1'521'118'800'000'000'000;  // 2018-03-15 13:00 UTC
    std::uint8_t frame[kSnaplen] = {};
    for (std::uint64_t i = 0; i < packets; ++i) {
      const std::uint64_t r = rng();
      const std::uint32_t flow = static_cast<std::uint32_t>(r & 0xffff);
      const bool tcp = (flow % 10) < 8;
      const double u = core::uniform01(rng);
      const std::uint32_t size = u < 0.5 ? 40 : (u < 0.75 ? 576 : 1500);
      frame[0] = 0x45;
      frame[2] = static_cast<std::uint8_t>(size >> 8);
      frame[3] = static_cast<std::uint8_t>(size);
      frame[8] = 64;
      frame[9] = tcp ? 6 : 17;
      frame[12] = 10;
      frame[13] = static_cast<std::uint8_t>(flow >> 8);
      frame[14] = static_cast<std::uint8_t>(flow);
      frame[15] = 1;
      frame[16] = 192;
      frame[17] = 168;
      frame[18] = static_cast<std::uint8_t>(flow >> 4);
      frame[19] = 2;
      frame[20] = static_cast<std::uint8_t>(flow >> 3);
      frame[21] = static_cast<std::uint8_t>(flow);
      frame[22] = 0x01;
      frame[23] = 0xbb;
      ts_ns += 100 + static_cast<std::int64_t>(r >> 56) * 10;  // about 3.4 Mpps
      pcap_pkthdr h{};
      h.ts.tv_sec = ts_ns / 1'000'000'000;
      h.ts.tv_usec = (ts_ns % 1'000'000'000) / 1000;
      h.caplen = std::min<std::uint32_t>(size, kSnaplen);
      h.len = size;
      pcap_dump(reinterpret_cast<u_char*>(out), &h, frame);
      if (frames.size() < 4096)
        frames.emplace_back(frame, frame + h.caplen);
    }
    pcap_dump_close(out);
    pcap_close(dead);
  }

  void write_gzip() const {
    std::FILE* in = std::fopen(path.c_str(), "rb");
    gzFile out = gzopen(gz_path.c_str(), "wb6");
    if (in == nullptr || out == nullptr)
      throw std::runtime_error("cannot write " + gz_path);
    std::vector<char> buffer(1 << 20);
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), in)) > 0) {
      gzwrite(out, buffer.data(), static_cast<unsigned>(n));
    }
    gzclose(out);
    std::fclose(in);
  }
};

const BenchTrace& trace() {
  static const BenchTrace t;
  return t;
}

// (a) The floor: libpcap alone, no decoding.
void BM_LibpcapNextEx(benchmark::State& state) {
  const BenchTrace& t = trace();
  std::uint64_t packets = 0;
  for (auto _ : state) {
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(t.path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == nullptr) {
      state.SkipWithError(errbuf);
      return;
    }
    pcap_pkthdr* h = nullptr;
    const u_char* d = nullptr;
    std::uint64_t sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
      sum += h->len;
      ++packets;
    }
    benchmark::DoNotOptimize(sum);
    pcap_close(p);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.file_bytes));
}
BENCHMARK(BM_LibpcapNextEx)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Reads `path` to the end with PcapReader; returns the packets read.
std::uint64_t read_all(const std::string& path) {
  traces::PcapReader reader(path);
  core::Packet p;
  std::uint64_t sum = 0;
  while (reader.next(p))
    sum += p.wire_bytes + p.flow.src_port;
  benchmark::DoNotOptimize(sum);
  return reader.counters().packets;
}

// (b) PcapReader: framing check, decode to core::Packet, order check, counters.
void BM_PcapReaderPlain(benchmark::State& state) {
  const BenchTrace& t = trace();
  std::uint64_t packets = 0;
  for (auto _ : state)
    packets += read_all(t.path);
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.file_bytes));
}
BENCHMARK(BM_PcapReaderPlain)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// (c) PcapReader on .pcap.gz: gunzip on the pump thread, overlapped with parsing.
void BM_PcapReaderGzip(benchmark::State& state) {
  const BenchTrace& t = trace();
  std::uint64_t packets = 0;
  for (auto _ : state)
    packets += read_all(t.gz_path);
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.gz_bytes));
}
BENCHMARK(BM_PcapReaderGzip)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

// The decoder alone on frames already in memory (no I/O): its share of (b).
void BM_DecodeFrame(benchmark::State& state) {
  const BenchTrace& t = trace();
  const traces::DecodeOptions options;
  std::size_t i = 0;
  core::FlowKey key;
  std::uint8_t flags = 0;
  for (auto _ : state) {
    const auto& f = t.frames[i++ & 4095];
    const auto reason =
        traces::decode_frame(traces::LinkKind::kRaw, f.data(), static_cast<std::uint32_t>(f.size()),
                             1500, options, key, flags);
    benchmark::DoNotOptimize(reason);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFrame);

}  // namespace
