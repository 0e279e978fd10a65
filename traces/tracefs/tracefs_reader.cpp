// Tracefs / trace-cmd text lines -> KernelEvent (see tracefs_reader.hpp and container.md §4).
#include "traces/tracefs/tracefs_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"

namespace rlisim::traces {
namespace {

constexpr std::array<std::string_view, kKernelEventKindCount> kKindNames = {
    "net_dev_queue",        "net_dev_xmit",
    "net_dev_start_xmit",   "netif_receive_skb",
    "napi_gro_frags_entry", "napi_gro_receive_entry",
    "sys_enter_sendto",     "sys_exit_recvmsg",
    "sys_exit_recvmmsg",    "other"};

constexpr std::array<std::string_view, kMalformedReasonCount> kReasonNames = {
    "none", "no_cpu", "bad_task", "bad_flags", "bad_timestamp", "no_event", "bad_field"};

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

/// Decimal digits only, no sign; false on overflow past 2^63.
bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18)
    return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c))
      return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

/// Hex digits with an optional 0x prefix, up to 64 bits.
bool parse_hex(std::string_view s, std::uint64_t& out) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    s.remove_prefix(2);
  if (s.empty() || s.size() > 16)
    return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d = 0;
    if (is_digit(c))
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

/// An integer written as 0x-hex (two's complement, so 0xffff...f5 is -11) or signed decimal.
bool parse_integer(std::string_view s, std::int64_t& out) {
  std::uint64_t u = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (!parse_hex(s, u))
      return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  const bool negative = !s.empty() && s[0] == '-';
  if (negative)
    s.remove_prefix(1);
  if (!parse_decimal(s, u))
    return false;
  out = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
  return true;
}

/// `SECONDS[.FRACTION]` (0-9 fraction digits) -> integer ns, exactly; false beyond int64
/// nanoseconds (9223372035 whole seconds, about 292 years of uptime).
bool parse_timestamp(std::string_view s, std::int64_t& ns) {
  constexpr std::uint64_t kMaxSeconds =
      (static_cast<std::uint64_t>(INT64_MAX) - 999'999'999ULL) / 1'000'000'000ULL;
  const auto dot = s.find('.');
  const std::string_view sec = s.substr(0, dot);
  std::uint64_t whole = 0;
  if (sec.size() > 10 || !parse_decimal(sec, whole) || whole > kMaxSeconds)
    return false;
  std::uint64_t frac = 0;
  if (dot != std::string_view::npos) {
    const std::string_view f = s.substr(dot + 1);
    if (f.empty() || f.size() > 9 || !parse_decimal(f, frac))
      return false;
    for (std::size_t i = f.size(); i < 9; ++i)
      frac *= 10;
  }
  ns = static_cast<std::int64_t>(whole * 1'000'000'000ULL + frac);
  return true;
}

bool valid_flags(std::string_view f) {
  if (f.size() != 4 && f.size() != 5)
    return false;
  return std::all_of(f.begin(), f.end(), [](char c) {
    return c == '.' || std::isalnum(static_cast<unsigned char>(c)) != 0;
  });
}

bool is_net_kind(KernelEventKind k) {
  return k <= KernelEventKind::kNapiGroReceiveEntry;
}

/// Fills the typed fields of a known event; false if a required one is missing or bad.
bool fill_fields(KernelEvent& e) {
  if (is_net_kind(e.kind)) {
    const auto dev = e.field("dev");
    const auto skb = e.field("skbaddr");
    const auto len = e.field("len");
    if (!dev || dev->empty() || !skb || !len)
      return false;
    e.device = *dev;
    if (!parse_hex(*skb, e.skbaddr) || !parse_integer(*len, e.len))
      return false;
    e.has_skbaddr = true;
    if (e.kind == KernelEventKind::kNetDevXmit) {
      const auto rc = e.field("rc");
      if (!rc || !parse_integer(*rc, e.rc))
        return false;
    }
    return true;
  }
  if (e.kind == KernelEventKind::kSysEnterSendto) {
    const auto len = e.field("len");
    if (!len || !parse_integer(*len, e.len))
      return false;
    if (const auto fd = e.field("fd"); fd && !parse_integer(*fd, e.fd))
      return false;
    return true;
  }
  if (e.kind == KernelEventKind::kSysExitRecvmsg || e.kind == KernelEventKind::kSysExitRecvmmsg) {
    const auto token = e.fields.substr(0, e.fields.find_first_of(" \t,"));
    if (!parse_integer(token, e.ret))
      return false;
    e.has_ret = true;
    return true;
  }
  return true;
}

/// Kind from a printed label and the form that followed it: ':' (tracepoint, trace-cmd), '('
/// (tracefs syscall entry) or '>' (tracefs syscall exit, `->`).
KernelEventKind classify(std::string_view label, char form) {
  if (form == ':') {
    // trace-cmd and plain tracepoints print the tracepoint name itself.
    for (std::size_t i = 0; i + 1 < kKindNames.size(); ++i)
      if (kKindNames[i] == label)
        return static_cast<KernelEventKind>(i);
    return KernelEventKind::kOther;
  }
  if (label.substr(0, 4) != "sys_")
    return KernelEventKind::kOther;
  const std::string_view call = label.substr(4);
  if (form == '(' && call == "sendto")
    return KernelEventKind::kSysEnterSendto;
  if (form == '>' && call == "recvmsg")
    return KernelEventKind::kSysExitRecvmsg;
  if (form == '>' && call == "recvmmsg")
    return KernelEventKind::kSysExitRecvmmsg;
  return KernelEventKind::kOther;
}

bool is_preamble(std::string_view s) {
  return s.substr(0, 5) == "cpus=" || s.substr(0, 7) == "version" ||
         (s.substr(0, 3) == "CPU" && s.find(" is empty") != std::string_view::npos) ||
         (s.substr(0, 3) == "CPU" && s.find("data recorded") != std::string_view::npos);
}

// The count of a trace-cmd "CPU:N [LOST M EVENTS]" line.
std::optional<std::uint64_t> lost_events(std::string_view t) {
  if (t.substr(0, 4) != "CPU:" || t.find("[LOST ") == std::string_view::npos)
    return std::nullopt;
  const auto p = t.find("[LOST ") + 6;
  std::uint64_t n = 0;
  const auto end = t.find(' ', p);
  if (end != std::string_view::npos && parse_decimal(t.substr(p, end - p), n))
    return n;
  return std::nullopt;
}

// The CPU column: the first " [digits] ", since COMM may contain anything but that. Sets
// `open` and `close` to its brackets' positions.
MalformedReason parse_cpu_column(std::string_view line, std::size_t& open, std::size_t& close,
                                 KernelEvent& e) {
  open = std::string_view::npos;
  close = 0;
  for (std::size_t p = line.find('['); p != std::string_view::npos; p = line.find('[', p + 1)) {
    std::size_t q = p + 1;
    while (q < line.size() && is_digit(line[q]))
      ++q;
    if (q > p + 1 && q < line.size() && line[q] == ']' && p > 0 && is_space(line[p - 1]) &&
        (q + 1 == line.size() || is_space(line[q + 1]))) {
      open = p;
      close = q;
      break;
    }
  }
  if (open == std::string_view::npos)
    return MalformedReason::kNoCpu;
  std::uint64_t cpu = 0;
  if (!parse_decimal(line.substr(open + 1, close - open - 1), cpu) || cpu > 0xffffffffULL)
    return MalformedReason::kNoCpu;
  e.cpu = static_cast<std::uint32_t>(cpu);
  return MalformedReason::kNone;
}

// TASK-PID, then an optional (TGID) column before the CPU column.
MalformedReason parse_task(std::string_view task, KernelEvent& e) {
  e.tgid = -1;
  if (!task.empty() && task.back() == ')') {
    const auto lp = task.rfind('(');
    if (lp == std::string_view::npos)
      return MalformedReason::kBadTask;
    const std::string_view tg = trim(task.substr(lp + 1, task.size() - lp - 2));
    std::uint64_t tgid = 0;
    if (parse_decimal(tg, tgid))
      e.tgid = static_cast<std::int32_t>(tgid);
    else if (tg.empty() || tg.find_first_not_of('-') != std::string_view::npos)
      return MalformedReason::kBadTask;
    task = trim(task.substr(0, lp));
  }
  const auto dash = task.rfind('-');
  std::uint64_t pid = 0;
  if (dash == std::string_view::npos || !parse_decimal(task.substr(dash + 1), pid) ||
      pid > 0x7fffffffULL)
    return MalformedReason::kBadTask;
  e.pid = static_cast<std::int32_t>(pid);
  e.comm = task.substr(0, dash);
  return MalformedReason::kNone;
}

// FLAGS (optional in trace-cmd output) then SECONDS.FRACTION:, leaving `rest` after them.
MalformedReason parse_flags_and_time(std::string_view& rest, KernelEvent& e) {
  auto token_end = rest.find_first_of(" \t");
  std::string_view token = rest.substr(0, token_end);
  e.flags = {};
  if (token.empty() || token.back() != ':') {
    if (!valid_flags(token))
      return MalformedReason::kBadFlags;
    e.flags = token;
    rest = token_end == std::string_view::npos ? std::string_view{} : trim(rest.substr(token_end));
    token_end = rest.find_first_of(" \t");
    token = rest.substr(0, token_end);
  }
  if (token.size() < 2 || token.back() != ':' ||
      !parse_timestamp(token.substr(0, token.size() - 1), e.time_ns))
    return MalformedReason::kBadTimestamp;
  rest = token_end == std::string_view::npos ? std::string_view{} : trim(rest.substr(token_end));
  return MalformedReason::kNone;
}

// EVENT label, then ':' (tracepoint), '(' (syscall entry) or ' -> ' (syscall exit), then the
// fields that the event's kind needs.
MalformedReason parse_event(std::string_view rest, KernelEvent& e) {
  std::size_t n = 0;
  while (n < rest.size() && is_label_char(rest[n]))
    ++n;
  char form = 0;
  std::string_view fields;
  if (n > 0 && n < rest.size() && rest[n] == ':') {
    form = ':';
    fields = trim(rest.substr(n + 1));
  } else if (n > 0 && n < rest.size() && rest[n] == '(') {
    form = '(';
    fields = rest.substr(n + 1);
    if (!fields.empty() && fields.back() == ')')
      fields.remove_suffix(1);
  } else if (n > 0 && trim(rest.substr(n)).substr(0, 2) == "->") {
    form = '>';
    fields = trim(trim(rest.substr(n)).substr(2));
  } else {
    return MalformedReason::kNoEvent;
  }
  e.event_name = rest.substr(0, n);
  e.fields = fields;
  e.kind = classify(e.event_name, form);
  e.device = {};
  e.skbaddr = 0;
  e.has_skbaddr = false;
  e.len = -1;
  e.rc = 0;
  e.ret = 0;
  e.has_ret = false;
  e.fd = -1;
  return fill_fields(e) ? MalformedReason::kNone : MalformedReason::kBadField;
}

}  // namespace

std::string_view to_string(KernelEventKind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

std::optional<KernelEventKind> parse_kernel_event_kind(std::string_view name) {
  for (std::size_t i = 0; i + 1 < kKindNames.size(); ++i)
    if (kKindNames[i] == name)
      return static_cast<KernelEventKind>(i);
  if (name == "sys_sendto")
    return KernelEventKind::kSysEnterSendto;
  if (name == "sys_recvmsg")
    return KernelEventKind::kSysExitRecvmsg;
  if (name == "sys_recvmmsg")
    return KernelEventKind::kSysExitRecvmmsg;
  return std::nullopt;
}

std::string_view to_string(MalformedReason reason) {
  return kReasonNames[static_cast<std::size_t>(reason)];
}

std::optional<std::string_view> KernelEvent::field(std::string_view key) const {
  // An empty key matches everywhere without advancing: no field has an empty name.
  if (key.empty())
    return std::nullopt;
  std::size_t pos = 0;
  while ((pos = fields.find(key, pos)) != std::string_view::npos) {
    const std::size_t after = pos + key.size();
    const bool starts =
        pos == 0 || is_space(fields[pos - 1]) || fields[pos - 1] == ',' || fields[pos - 1] == '(';
    if (starts && after < fields.size() && (fields[after] == '=' || fields[after] == ':')) {
      std::size_t v = after + 1;
      if (fields[after] == '=') {
        const std::size_t end = fields.find_first_of(" \t", v);
        return fields.substr(v, end == std::string_view::npos ? end : end - v);
      }
      while (v < fields.size() && is_space(fields[v]))
        ++v;
      std::size_t end = fields.find(',', v);
      if (end == std::string_view::npos)
        end = fields.size();
      return trim(fields.substr(v, end - v));
    }
    pos = after;
  }
  return std::nullopt;
}

LineResult parse_tracefs_line(std::string_view line, KernelEvent& e) {
  LineResult r;
  const std::string_view t = trim(line);
  if (t.empty() || t.front() == '#' || is_preamble(t))
    return r;
  if (const auto lost = lost_events(t)) {
    r.kind = LineKind::kLost;
    r.lost_events = *lost;
    return r;
  }
  r.kind = LineKind::kMalformed;
  std::size_t open = 0;
  std::size_t close = 0;
  r.reason = parse_cpu_column(line, open, close, e);
  if (r.reason != MalformedReason::kNone)
    return r;
  r.reason = parse_task(trim(line.substr(0, open)), e);
  if (r.reason != MalformedReason::kNone)
    return r;
  std::string_view rest = trim(line.substr(close + 1));
  r.reason = parse_flags_and_time(rest, e);
  if (r.reason != MalformedReason::kNone)
    return r;
  r.reason = parse_event(rest, e);
  if (r.reason == MalformedReason::kNone)
    r.kind = LineKind::kEvent;
  return r;
}

std::uint64_t TracefsCounters::malformed_total() const {
  std::uint64_t total = 0;
  for (auto m : malformed)
    total += m;
  return total;
}

struct TracefsReader::Gzip {
  gzFile file = nullptr;
  ~Gzip() {
    if (file)
      gzclose(file);
  }
};

TracefsReader::TracefsReader(const std::string& path) : name_(path) {
  if (auto problem =
          core::input_file_problem(path, "kernel trace", core::FileKinds::kRegularOrPipe))
    throw core::TraceError(*problem);
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    gz_ = std::make_unique<Gzip>();
    gz_->file = gzopen(path.c_str(), "rb");
    if (!gz_->file)
      throw core::TraceError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    return;
  }
  file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file_)
    throw core::TraceError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  in_ = file_.get();
}

TracefsReader::TracefsReader(std::istream& in, std::string name)
    : name_(std::move(name)), in_(&in) {}

TracefsReader::~TracefsReader() = default;

void TracefsReader::throw_too_long() const {
  throw core::TraceError(fmt::format(
      "{}: line {}: longer than {} KiB; the kernel formats each event into one page, so this is "
      "not a tracefs text trace",
      name_, counters_.lines + 1, kMaxLineBytes >> 10));
}

bool TracefsReader::read_line() {
  if (gz_) {
    line_.clear();
    char buf[4096];
    while (gzgets(gz_->file, buf, sizeof buf) != nullptr) {
      const std::size_t n = std::strlen(buf);
      if (n > 0 && buf[n - 1] == '\n') {
        line_.append(buf, n - 1);
        return true;
      }
      line_.append(buf, n);
      if (line_.size() > kMaxLineBytes)
        throw_too_long();
    }
    int err = Z_OK;
    const char* msg = gzerror(gz_->file, &err);
    if (err != Z_OK && err != Z_STREAM_END)
      throw core::TraceError(
          fmt::format("{}: line {}: gzip error: {}", name_, counters_.lines + 1, msg));
    return !line_.empty();
  }
  switch (core::read_bounded_line(*in_, line_, kMaxLineBytes)) {
    case core::LineRead::kLine:
      return true;
    case core::LineRead::kTooLong:
      throw_too_long();
    case core::LineRead::kEnd:
      break;
  }
  if (in_->bad())
    throw core::TraceError(fmt::format("{}: read error after line {}", name_, counters_.lines));
  return false;
}

bool TracefsReader::next(KernelEvent& event) {
  while (read_line()) {
    ++counters_.lines;
    const LineResult r = parse_tracefs_line(line_, event);
    switch (r.kind) {
      case LineKind::kEvent:
        event.line = counters_.lines;
        ++counters_.events;
        ++counters_.by_kind[static_cast<std::size_t>(event.kind)];
        if (counters_.events > 1 && event.time_ns < last_time_ns_)
          ++counters_.out_of_order;
        last_time_ns_ = event.time_ns;
        return true;
      case LineKind::kHeader:
        ++counters_.header_lines;
        break;
      case LineKind::kLost:
        ++counters_.lost_lines;
        counters_.lost_events += r.lost_events;
        break;
      case LineKind::kMalformed: {
        const auto i = static_cast<std::size_t>(r.reason);
        ++counters_.malformed[i];
        if (counters_.malformed_lines[i].size() < TracefsCounters::kKeptLineNumbers)
          counters_.malformed_lines[i].push_back(counters_.lines);
        break;
      }
    }
  }
  return false;
}

}  // namespace rlisim::traces
