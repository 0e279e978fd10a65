// Kernel-trace measurement: trace files -> matcher -> statistics and MACE RTT adjustment.
#include "sim/container/measure.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>

#include <fmt/format.h>

#include "models/metrics/empirical_cdf.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/core/output_file.hpp"

namespace rlisim::container {
namespace mc = models::container;
namespace {

constexpr std::size_t kMaxDevicesSeen = 32;

/// Decimal "12.345" (milliseconds) -> ns, exactly from the digits.
std::optional<std::int64_t> parse_ms(std::string_view s) {
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 9 || frac.size() > 6)
    return std::nullopt;
  std::int64_t ns = 0;
  for (char c : whole) {
    if (c < '0' || c > '9')
      return std::nullopt;
    ns = ns * 10 + (c - '0');
  }
  ns *= 1'000'000;
  std::int64_t scale = 100'000;
  for (char c : frac) {
    if (c < '0' || c > '9')
      return std::nullopt;
    ns += (c - '0') * scale;
    scale /= 10;
  }
  return ns;
}

std::optional<std::int64_t> leading_int(std::string_view s) {
  std::size_t n = 0;
  std::int64_t v = 0;
  while (n < s.size() && n < 15 && s[n] >= '0' && s[n] <= '9')
    v = v * 10 + (s[n++] - '0');
  if (n == 0)
    return std::nullopt;
  return v;
}

/// A packet kept for the summaries and the RTT adjustment (32 bytes).
struct Kept {
  std::int64_t start_ns;
  std::int64_t end_ns;
  std::int32_t start_len;
  std::int32_t end_len;
  std::uint16_t file;
  mc::Direction direction;
};

class KeepingSink : public mc::LatencySink {
 public:
  KeepingSink(std::vector<Kept>& kept, core::OutputFile* csv, MeasuredPacketSink* forward,
              const std::string& file_name, std::uint16_t file)
      : kept_(kept), csv_(csv), forward_(forward), file_name_(file_name), file_(file) {}
  void on_packet(const mc::PacketLatency& p) override {
    kept_.push_back({p.start_ns, p.end_ns, static_cast<std::int32_t>(p.start_len),
                     static_cast<std::int32_t>(p.end_len), file_, p.direction});
    if (csv_)
      csv_->print("{},{},{},{},{},{},{},{},{},{:x},{}\n", mc::to_string(p.direction), p.start_ns,
                  p.end_ns, p.latency_ns(), p.cpu, p.end_cpu, p.pid, p.start_len, p.end_len, p.key,
                  file_name_);
    if (forward_)
      forward_->on_packet(p, file_);
  }

 private:
  std::vector<Kept>& kept_;
  core::OutputFile* csv_;
  MeasuredPacketSink* forward_;
  const std::string& file_name_;
  std::uint16_t file_;
};

std::optional<mc::PathEvent> path_event_of(traces::KernelEventKind k, const mc::EventPath& path) {
  using K = traces::KernelEventKind;
  using E = mc::PathEvent;
  switch (k) {
    case K::kNetDevQueue:
      return E::kNetDevQueue;
    case K::kNetDevXmit:
      return E::kNetDevXmit;
    case K::kNetDevStartXmit:
      return E::kNetDevStartXmit;
    case K::kNetifReceiveSkb:
      return E::kNetifReceiveSkb;
    case K::kNapiGroFragsEntry:
    case K::kNapiGroReceiveEntry: {
      // Drivers fire one GRO event or the other (container.md §4): both stand for the path's.
      for (const auto* dp : {&path.egress, &path.ingress})
        for (const auto* pt : {&dp->start, &dp->end})
          if (pt->event == E::kNapiGroFragsEntry || pt->event == E::kNapiGroReceiveEntry)
            return pt->event;
      return k == K::kNapiGroFragsEntry ? E::kNapiGroFragsEntry : E::kNapiGroReceiveEntry;
    }
    case K::kSysEnterSendto:
      return E::kSysEnterSendto;
    case K::kSysExitRecvmsg:
    case K::kSysExitRecvmmsg:
      return E::kSysExitRecv;
    case K::kOther:
      break;
  }
  return std::nullopt;
}

struct Window {
  std::int64_t send_ns;
  std::int64_t recv_ns;
  std::uint16_t file;
};

struct Probe {
  const Kept* egress;
  const Kept* ingress;  // may be null
};

/// Probe-sized egress packets of one file in start order, each with the first probe-sized
/// ingress packet that starts after it ends and before the next probe's egress starts.
std::vector<Probe> pair_probes(const std::vector<Kept>& kept, std::uint16_t file,
                               std::int64_t ip_bytes) {
  const auto probe_sized = [ip_bytes](const Kept& k) {
    for (const std::int64_t len :
         {static_cast<std::int64_t>(k.start_len), static_cast<std::int64_t>(k.end_len)})
      if (len == ip_bytes || len == ip_bytes + 14 || len == ip_bytes + 50 || len == ip_bytes + 64 ||
          len == ip_bytes - 20)
        return true;
    return false;
  };
  std::vector<const Kept*> eg, in;
  for (const Kept& k : kept)
    if (k.file == file && probe_sized(k))
      (k.direction == mc::Direction::kEgress ? eg : in).push_back(&k);
  const auto by_start = [](const Kept* a, const Kept* b) { return a->start_ns < b->start_ns; };
  std::sort(eg.begin(), eg.end(), by_start);
  std::sort(in.begin(), in.end(), by_start);
  std::vector<Probe> probes;
  std::size_t j = 0;
  for (std::size_t i = 0; i < eg.size(); ++i) {
    const std::int64_t next =
        i + 1 < eg.size() ? eg[i + 1]->start_ns : std::numeric_limits<std::int64_t>::max();
    while (j < in.size() && in[j]->start_ns < eg[i]->end_ns)
      ++j;
    const Kept* reply = nullptr;
    if (j < in.size() && in[j]->start_ns < next)
      reply = in[j++];
    probes.push_back({eg[i], reply});
  }
  return probes;
}

}  // namespace

std::string_view to_string(ProbeMatching m) {
  switch (m) {
    case ProbeMatching::kNone:
      return "none";
    case ProbeMatching::kIcmpSequence:
      return "icmp-seq";
    case ProbeMatching::kTimeOrder:
      return "time-order";
    case ProbeMatching::kSyscallWindow:
      return "syscall-window";
  }
  return "?";
}

void check_kernel_trace_files(const std::vector<std::string>& traces) {
  for (const auto& trace : traces) {
    if (auto problem =
            core::input_file_problem(trace, "kernel trace", core::FileKinds::kRegularOrPipe))
      throw core::TraceError(*problem);
  }
}

PingLog read_ping_log(const std::string& path) {
  if (auto problem = core::input_file_problem(path, "ping log", core::FileKinds::kRegularOrPipe))
    throw core::TraceError(*problem);
  std::ifstream in(path);
  if (!in)
    throw core::TraceError(fmt::format("{}: cannot open ping log", path));
  PingLog log;
  log.path = path;
  std::string line;
  std::uint64_t n = 0;
  bool header = false;
  // ping prints lines of about a hundred bytes; anything far longer is not a ping log.
  constexpr std::size_t kMaxLineBytes = 64 << 10;
  for (core::LineRead status;
       (status = core::read_bounded_line(in, line, kMaxLineBytes)) != core::LineRead::kEnd;) {
    ++n;
    if (status == core::LineRead::kTooLong)
      throw core::TraceError(fmt::format("{}: line {}: longer than {} KiB; expected ping output",
                                         path, n, kMaxLineBytes >> 10));
    std::string_view s = line;
    if (s.substr(0, 5) == "PING ") {
      header = true;
      const auto close = s.find(") ");
      const auto open = s.find('(', close == std::string_view::npos ? 0 : close);
      if (close != std::string_view::npos && open != std::string_view::npos)
        log.ip_bytes = leading_int(s.substr(open + 1));
      continue;
    }
    if (const auto p = s.find(" packets transmitted"); p != std::string_view::npos) {
      log.transmitted = leading_int(s);
      continue;
    }
    const auto seq_pos = s.find("icmp_seq=");
    const auto time_pos = s.find(" time=");
    if (seq_pos == std::string_view::npos || time_pos == std::string_view::npos ||
        s.find("bytes from") == std::string_view::npos)
      continue;  // errors, unreachable notices, statistics
    PingReply r;
    r.line = n;
    const auto seq = leading_int(s.substr(seq_pos + 9));
    const std::string_view t = s.substr(time_pos + 6);
    const auto rtt = parse_ms(t.substr(0, t.find(' ')));
    if (!seq || !rtt)
      throw core::TraceError(fmt::format(
          "{}: line {}: cannot parse the ping reply '{}': expected icmp_seq=N ... time=X ms", path,
          n, line));
    r.seq = *seq;
    r.rtt_ns = *rtt;
    if (!s.empty() && s[0] == '[') {
      const std::string_view ts = s.substr(1, s.find(']') - 1);
      const auto dot = ts.find('.');
      const auto sec = leading_int(ts);
      // ping -D prints Unix seconds; beyond int64 nanoseconds (year 2262) the line is bad.
      constexpr std::int64_t kMaxSeconds = (INT64_MAX - 999'999'999) / 1'000'000'000;
      if (sec && (*sec < 0 || *sec > kMaxSeconds)) {
        throw core::TraceError(fmt::format(
            "{}: line {}: timestamp [{}] is outside 0 to {} s; expected the Unix time that "
            "ping -D prints",
            path, n, ts, kMaxSeconds));
      }
      if (sec && dot != std::string_view::npos) {
        std::int64_t frac = 0;
        std::int64_t scale = 100'000'000;
        for (const char c : ts.substr(dot + 1, 9)) {
          frac += (c - '0') * scale;
          scale /= 10;
        }
        r.realtime_ns = *sec * 1'000'000'000 + frac;
      }
    }
    log.replies.push_back(r);
  }
  if (!header && log.replies.empty())
    throw core::TraceError(fmt::format(
        "{}: not a ping log: no 'PING host ...' header and no reply line in {} lines", path, n));
  return log;
}

std::optional<std::string> find_ping_log(const std::string& trace_path) {
  namespace fs = std::filesystem;
  const fs::path p(trace_path);
  std::vector<fs::path> candidates;
  if (p.filename() == "trace.txt")
    candidates.push_back(p.parent_path() / "ping.txt");
  candidates.push_back(p.parent_path() / (p.stem().string() + ".ping.txt"));
  for (const auto& c : candidates)
    if (fs::is_regular_file(c))
      return c.string();
  return std::nullopt;
}

LatencyStats latency_stats(std::vector<std::int64_t>& v) {
  LatencyStats s;
  s.count = v.size();
  if (v.empty())
    return s;
  std::sort(v.begin(), v.end());
  std::vector<double> d(v.begin(), v.end());
  double sum = 0;
  for (double x : d)
    sum += x;
  s.mean = sum / static_cast<double>(d.size());
  double ss = 0;
  for (double x : d)
    ss += (x - s.mean) * (x - s.mean);
  s.sd = d.size() > 1 ? std::sqrt(ss / static_cast<double>(d.size() - 1)) : 0.0;
  s.min = d.front();
  s.max = d.back();
  const std::span<const double> sorted(d);
  s.p50 = models::sorted_quantile(sorted, 0.5);
  s.p90 = models::sorted_quantile(sorted, 0.9);
  s.p99 = models::sorted_quantile(sorted, 0.99);
  return s;
}

namespace {

core::TraceError no_events_error(const TraceFileReport& file) {
  std::string where;
  for (std::size_t r = 0; r < traces::kMalformedReasonCount; ++r)
    for (const auto line : file.parse.malformed_lines[r])
      where += fmt::format("{}line {} ({})", where.empty() ? "" : ", ", line,
                           traces::to_string(static_cast<traces::MalformedReason>(r)));
  return core::TraceError(
      file.parse.lines == file.parse.header_lines
          ? fmt::format("{}: empty trace: no kernel events in {} lines", file.path,
                        file.parse.lines)
          : fmt::format("{}: not a tracefs text trace: none of its {} lines parsed as an "
                        "event; first malformed: {}",
                        file.path, file.parse.lines, where));
}

// Reads trace file `f` through the matcher: its packets go to `kept` (and the CSV), its
// sendto-to-receive windows to `windows`, its matcher counters into `matching`.
// @throws core::TraceError if none of its lines parsed as a kernel event.
TraceFileReport read_trace_file(const std::string& trace, std::uint16_t f,
                                const MeasureOptions& options, core::OutputFile* csv,
                                std::vector<Kept>& kept, std::vector<Window>& windows,
                                mc::MatcherCounters& matching) {
  const mc::EventPath& path = options.path;
  TraceFileReport file;
  file.path = trace;
  traces::TracefsReader reader(trace);
  KeepingSink sink(kept, csv, options.packets, file.path, f);
  mc::LatencyMatcher matcher(path, options.matcher, sink);
  absl::flat_hash_map<std::int32_t, std::int64_t> sendto_by_pid;
  traces::KernelEvent e;
  std::string last_device;
  while (reader.next(e)) {
    const auto event = path_event_of(e.kind, path);
    if (!event)
      continue;
    mc::PathObservation o;
    o.time_ns = e.time_ns;
    o.event = *event;
    o.skbaddr = e.skbaddr;
    o.len = e.len;
    o.pid = e.pid;
    o.cpu = e.cpu;
    o.ret = e.ret;
    if (!e.device.empty()) {
      if (e.device != last_device) {
        last_device.assign(e.device);
        if (file.devices_seen.size() < kMaxDevicesSeen &&
            std::find(file.devices_seen.begin(), file.devices_seen.end(), last_device) ==
                file.devices_seen.end())
          file.devices_seen.push_back(last_device);
      }
      if (e.device == path.container_device)
        o.device = mc::DeviceRole::kContainer;
      else if (e.device == path.outer_device)
        o.device = mc::DeviceRole::kOuter;
      else
        continue;
    } else if (*event == mc::PathEvent::kSysEnterSendto) {
      sendto_by_pid[e.pid] = e.time_ns;
    } else if (*event == mc::PathEvent::kSysExitRecv && e.ret > 0) {
      if (const auto it = sendto_by_pid.find(e.pid); it != sendto_by_pid.end()) {
        windows.push_back({it->second, e.time_ns, f});
        sendto_by_pid.erase(it);
      }
    }
    ++file.path_events;
    matcher.observe(o);
  }
  matcher.finish();
  file.parse = reader.counters();
  if (file.parse.events == 0)
    throw no_events_error(file);
  for (std::size_t d = 0; d < 2; ++d)
    matching.direction[d] += matcher.counters().direction[d];
  matching.observations += matcher.counters().observations;
  matching.out_of_order += matcher.counters().out_of_order;
  matching.syscall_errors += matcher.counters().syscall_errors;
  return file;
}

// The ping log of trace file `f`: the one given for it, else one found beside it.
std::optional<PingLog> ping_log_of(const std::vector<std::string>& traces, std::size_t f,
                                   const MeasureOptions& options) {
  std::optional<std::string> ping_path;
  if (f < options.ping_logs.size() && !options.ping_logs[f].empty())
    ping_path = options.ping_logs[f];
  else
    ping_path = find_ping_log(traces[f]);
  return ping_path ? std::optional<PingLog>(read_ping_log(*ping_path)) : std::nullopt;
}

// Raw RTTs with the stack overhead of their probes (egress plus ingress latency).
struct RttSamples {
  std::vector<std::int64_t> raw, overhead, adjusted;

  void add(std::int64_t rtt, const Probe& p) {
    if (!p.ingress)
      return;
    const std::int64_t o =
        (p.egress->end_ns - p.egress->start_ns) + (p.ingress->end_ns - p.ingress->start_ns);
    raw.push_back(rtt);
    overhead.push_back(o);
    adjusted.push_back(rtt - o);
  }
};

// Pairs file `fi`'s probes with its raw RTTs: from its ping log by ICMP sequence when the log's
// transmitted count matches the probes, else in time order; without a log, from the sendto to
// receive windows that hold a whole probe.
void pair_rtts(std::uint16_t fi, const std::optional<PingLog>& ping,
               const std::vector<Probe>& probes, const std::vector<Window>& windows,
               RttAdjustment& rtt, RttSamples& samples) {
  if (ping) {
    rtt.rtts += ping->replies.size();
    const bool by_seq =
        ping->transmitted && *ping->transmitted == static_cast<std::int64_t>(probes.size());
    const ProbeMatching m = by_seq ? ProbeMatching::kIcmpSequence : ProbeMatching::kTimeOrder;
    if (rtt.matching == ProbeMatching::kNone || m == ProbeMatching::kTimeOrder)
      rtt.matching = m;
    if (by_seq) {
      for (const PingReply& r : ping->replies)
        if (r.seq >= 1 && r.seq <= static_cast<std::int64_t>(probes.size()))
          samples.add(r.rtt_ns, probes[static_cast<std::size_t>(r.seq - 1)]);
    } else {
      std::vector<PingReply> replies = ping->replies;
      std::sort(replies.begin(), replies.end(),
                [](const PingReply& a, const PingReply& b) { return a.seq < b.seq; });
      std::size_t i = 0;
      for (const Probe& p : probes)
        if (p.ingress && i < replies.size())
          samples.add(replies[i++].rtt_ns, p);
    }
    return;
  }
  std::size_t j = 0;
  for (const Window& w : windows) {
    if (w.file != fi)
      continue;
    ++rtt.rtts;
    if (rtt.matching == ProbeMatching::kNone)
      rtt.matching = ProbeMatching::kSyscallWindow;
    while (j < probes.size() && probes[j].egress->start_ns < w.send_ns)
      ++j;
    if (j < probes.size() && probes[j].egress->start_ns <= w.recv_ns && probes[j].ingress &&
        probes[j].ingress->end_ns <= w.recv_ns)
      samples.add(w.recv_ns - w.send_ns, probes[j]);
  }
}

}  // namespace

MeasureReport measure_container_traces(const std::vector<std::string>& traces,
                                       const MeasureOptions& options) {
  mc::validate_event_path(options.path);
  MeasureReport report;
  report.path = options.path;
  std::optional<core::OutputFile> csv;
  if (!options.packets_csv.empty()) {
    csv.emplace(options.packets_csv, "per-packet latencies (--packets-out)");
    csv->write("direction,start_ns,end_ns,latency_ns,cpu,end_cpu,pid,start_len,end_len,key,file\n");
  }
  std::vector<Kept> kept;
  std::vector<Window> windows;
  std::vector<std::optional<PingLog>> pings;
  for (std::size_t f = 0; f < traces.size(); ++f) {
    report.files.push_back(read_trace_file(traces[f], static_cast<std::uint16_t>(f), options,
                                           csv ? &*csv : nullptr, kept, windows, report.matching));
    pings.push_back(ping_log_of(traces, f, options));
  }

  if (csv) {
    try {
      csv->close();
    } catch (const core::OutputError& e) {
      report.packets_csv_error = e.what();
    }
  }
  std::vector<std::int64_t> eg, in;
  for (const Kept& k : kept)
    (k.direction == mc::Direction::kEgress ? eg : in).push_back(k.end_ns - k.start_ns);
  report.egress = latency_stats(eg);
  report.ingress = latency_stats(in);

  // RTT adjustment, file by file.
  report.probe_ip_bytes = options.probe_ip_bytes.value_or(84);
  RttSamples samples;
  for (std::size_t f = 0; f < traces.size(); ++f) {
    const auto& ping = pings[f];
    std::int64_t ip_bytes = report.probe_ip_bytes;
    if (!options.probe_ip_bytes && ping && ping->ip_bytes)
      ip_bytes = report.probe_ip_bytes = *ping->ip_bytes;
    const auto fi = static_cast<std::uint16_t>(f);
    const std::vector<Probe> probes = pair_probes(kept, fi, ip_bytes);
    report.rtt.trace_probes += probes.size();
    pair_rtts(fi, ping, probes, windows, report.rtt, samples);
  }
  report.rtt.adjusted = samples.adjusted.size();
  report.rtt.raw = latency_stats(samples.raw);
  report.rtt.overhead = latency_stats(samples.overhead);
  report.rtt.adjusted_rtt = latency_stats(samples.adjusted);
  return report;
}

}  // namespace rlisim::container
