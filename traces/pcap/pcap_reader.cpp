#include "traces/pcap/pcap_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <fmt/format.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include "sim/core/error.hpp"
#include "traces/pcap/capture_stream.hpp"

namespace rlisim::traces {
namespace {

// PcapReaderOptions::tcp_marks: the generator's marks for what the TCP header says.
std::uint8_t tcp_mark_of(std::uint8_t flags) {
  if ((flags & DecodeFlags::kTcpHeader) == 0)
    return 0;
  if ((flags & DecodeFlags::kTcpSyn) != 0)
    return static_cast<std::uint8_t>((flags & DecodeFlags::kTcpAck) != 0
                                         ? core::tcp_mark::kSyn | core::tcp_mark::kPureAck
                                         : core::tcp_mark::kSyn);
  std::uint8_t mark = (flags & DecodeFlags::kTcpPayload) != 0 ? core::tcp_mark::kData : 0;
  if ((flags & DecodeFlags::kTcpFinRst) != 0)
    mark = static_cast<std::uint8_t>(mark | core::tcp_mark::kFin);
  return mark != 0 ? mark : core::tcp_mark::kPureAck;
}

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kPsPerNs = 1000;
// Largest trace-time offset (ns) whose picosecond value fits in core::Time (about 106 days).
constexpr std::int64_t kMaxOffsetNs = std::numeric_limits<std::int64_t>::max() / kPsPerNs;

// "1470104373.025824000 s": absolute trace time, exact to the nanosecond.
std::string format_ts(std::int64_t ns) {
  const bool negative = ns < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  return fmt::format("{}{}.{:09d} s", negative ? "-" : "", magnitude / kNsPerSecond,
                     magnitude % kNsPerSecond);
}

}  // namespace

std::uint64_t PcapReaderCounters::skipped_total() const {
  std::uint64_t total = 0;
  for (const std::uint64_t n : skipped)
    total += n;
  return total;
}

std::vector<std::pair<std::string, std::uint64_t>> PcapReaderCounters::named() const {
  std::vector<std::pair<std::string, std::uint64_t>> list;
  list.reserve(kSkipReasonCount + 14);
  list.emplace_back("records", records);
  list.emplace_back("packets", packets);
  list.emplace_back("wire_bytes", wire_bytes);
  for (std::size_t i = 1; i < kSkipReasonCount; ++i) {  // 0 is SkipReason::kNone
    list.emplace_back(fmt::format("skipped_{}", skip_reason_name(static_cast<SkipReason>(i))),
                      skipped[i]);
  }
  list.emplace_back("skipped_total", skipped_total());
  list.emplace_back("ipv4", ipv4);
  list.emplace_back("ipv6", ipv6);
  list.emplace_back("first_fragments", first_fragments);
  list.emplace_back("later_fragments", later_fragments);
  list.emplace_back("truncated_l4", truncated_l4);
  list.emplace_back("short_records", short_records);
  list.emplace_back("oversized", oversized);
  list.emplace_back("clamped", clamped);
  list.emplace_back("reordered", reordered);
  list.emplace_back("gaps_shortened", gaps_shortened);
  return list;
}

std::vector<std::pair<std::string, std::uint64_t>> PcapReader::summary_counters() const {
  return counters_.named();
}

void PcapReader::PcapCloser::operator()(pcap* handle) const {
  pcap_close(handle);
}

PcapReader::PcapReader(const std::string& path, const PcapReaderOptions& options)
    : path_(path), name_(path == "-" ? "standard input" : path), options_(options) {
  open(CaptureStream::open(path, name_));
}

PcapReader::PcapReader(int fd, const std::string& name, const PcapReaderOptions& options)
    : path_(name), name_(name), options_(options) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    throw core::TraceError(
        fmt::format("{}: cannot duplicate descriptor {}: {}", name_, fd, std::strerror(errno)));
  }
  open(std::make_unique<CaptureStream>(copy, name_));
}

PcapReader::~PcapReader() = default;

void PcapReader::open(std::unique_ptr<CaptureStream> stream) {
  if (options_.sort_window.count() < 0) {
    throw core::ConfigError(fmt::format("{}: sort_window must be >= 0 ns, got {} ns", name_,
                                        options_.sort_window.count()));
  }
  if (options_.max_gap && options_.max_gap->count() < 0) {
    throw core::ConfigError(
        fmt::format("{}: max_gap must be >= 0 ns, got {} ns", name_, options_.max_gap->count()));
  }
  decode_options_.truncated_l4 = options_.truncated_l4;
  decode_options_.first_fragment_ports = options_.first_fragment_ports;
  decode_options_.tcp_flags = options_.tcp_marks;
  stream_ = std::move(stream);
  framing_ = &stream_->framing();
  std::FILE* file = stream_->make_file();
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_.reset(pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!pcap_) {
    std::fclose(file);  // libpcap leaves the stream open when it fails
    if (!stream_->failure().empty())
      throw core::TraceError(name_ + ": " + stream_->failure());
    if (framing_->first_bad_record() == 0)
      throw core::TraceError(name_ + ": " + framing_->error());
    throw core::TraceError(fmt::format("{}: cannot read the file header: {}", name_, errbuf));
  }
  dlt_ = pcap_datalink(pcap_.get());
  const auto kind = link_kind_from_dlt(dlt_);
  if (!kind) {
    throw core::TraceError(fmt::format(
        "{}: link type {} ({}) is not supported; expected RAW (101), IPV4 (228), IPV6 (229), "
        "EN10MB (1), LINUX_SLL (113), LINUX_SLL2 (276), NULL (0) or LOOP (108)",
        name_, link_type(), link_type_name()));
  }
  kind_ = *kind;
  format_ = framing_->format();
  snaplen_ = format_ == CaptureFormat::kPcap
                 ? framing_->header_snaplen()
                 : static_cast<std::uint32_t>(pcap_snapshot(pcap_.get()));
}

int PcapReader::link_type() const {
  return (dlt_ == 12 || dlt_ == 14) ? 101 : dlt_;
}

std::string PcapReader::link_type_name() const {
  const char* name = pcap_datalink_val_to_name(dlt_);
  return name != nullptr ? std::string(name) : fmt::format("DLT_{}", dlt_);
}

bool PcapReader::gzip() const {
  return stream_->gzip();
}

bool PcapReader::nanosecond_file() const {
  return framing_->nanosecond_file();
}

std::string PcapReader::describe() const {
  return "pcap:" + path_;
}

std::optional<double> PcapReader::progress() const {
  return stream_->progress();
}

std::optional<core::TraceTime> PcapReader::first_timestamp() const {
  if (!started_)
    return std::nullopt;
  return core::TraceTime{origin_ts_};
}

std::optional<core::TraceTime> PcapReader::last_timestamp() const {
  if (!started_)
    return std::nullopt;
  return core::TraceTime{last_out_ts_};
}

core::TraceError PcapReader::record_error(std::uint64_t record, const std::string& what) const {
  return core::TraceError(
      fmt::format("{}: record {} (1-based record number in the file): {}", name_, record, what));
}

void PcapReader::throw_record_error(std::uint64_t record, const std::string& what) const {
  throw record_error(record, what);
}

void PcapReader::throw_read_error() {
  if (!stream_->failure().empty())
    throw core::TraceError(name_ + ": " + stream_->failure());
  const std::uint64_t record = counters_.records + 1;
  if (framing_->first_bad_record() <= record) {
    throw core::TraceError(name_ + ": " + framing_->error());
  }
  throw_record_error(record, fmt::format("libpcap cannot read it: {}", pcap_geterr(pcap_.get())));
}

void PcapReader::check_end() {
  if (!stream_->failure().empty())
    throw core::TraceError(name_ + ": " + stream_->failure());
  if (framing_->first_bad_record() != PcapFraming::kNoError) {
    throw core::TraceError(name_ + ": " + framing_->error());
  }
}

void PcapReader::throw_length_error(std::uint64_t record, std::uint32_t caplen,
                                    std::uint32_t len) const {
  if (len == 0) {
    throw_record_error(
        record, fmt::format("wire length (len) is 0; expected 1 to {} bytes", kMaxWireBytes));
  }
  if (len > kMaxWireBytes) {
    throw_record_error(record, fmt::format("wire length (len) {} bytes is absurd; expected "
                                           "at most {}",
                                           len, kMaxWireBytes));
  }
  throw_record_error(record, fmt::format("captured length (caplen) {} exceeds the wire "
                                         "length (len) {}; expected caplen <= len",
                                         caplen, len));
}

bool PcapReader::read_record(core::Packet& out, std::int64_t& ts, std::uint64_t& record) {
  if (end_)
    return false;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &header, &data);
    if (rc != 1) [[unlikely]] {
      if (rc == PCAP_ERROR_BREAK) {  // end of a savefile
        end_ = true;
        check_end();
        return false;
      }
      throw_read_error();
    }
    record = ++counters_.records;
    // The framing check runs ahead of libpcap, which repairs some defects silently.
    if (record >= framing_->first_bad_record()) [[unlikely]] {
      throw core::TraceError(name_ + ": " + framing_->error());
    }
    const std::uint32_t caplen = header->caplen;
    const std::uint32_t len = header->len;
    if (len == 0 || len > kMaxWireBytes || caplen > len) [[unlikely]]
      throw_length_error(record, caplen, len);
    if (caplen < len)
      ++counters_.short_records;
    if (record == 1 || caplen < counters_.min_caplen)
      counters_.min_caplen = caplen;
    counters_.max_caplen = std::max(counters_.max_caplen, caplen);
    counters_.caplen_bytes += caplen;

    std::uint8_t flags = 0;
    const SkipReason reason =
        decode_frame(kind_, data, caplen, len, decode_options_, out.flow, flags);
    if ((flags & DecodeFlags::kCounted) != 0) [[unlikely]] {
      if ((flags & DecodeFlags::kTruncatedL4) != 0)
        ++counters_.truncated_l4;
      if (reason == SkipReason::kNone) {
        if ((flags & DecodeFlags::kFirstFragment) != 0)
          ++counters_.first_fragments;
        if ((flags & DecodeFlags::kLaterFragment) != 0)
          ++counters_.later_fragments;
      }
    }
    if (reason != SkipReason::kNone) {
      ++counters_.skipped[static_cast<std::size_t>(reason)];
      continue;
    }
    out.wire_bytes = len;
    if (decode_options_.tcp_flags)
      out.tcp = tcp_mark_of(flags);
    std::int64_t seconds = header->ts.tv_sec;
    // A classic pcap stores seconds as an unsigned 32-bit count, which libpcap reads as
    // signed: from 2^31 s (January 2038) on they come back negative.
    if (framing_->format() == CaptureFormat::kPcap && seconds < 0)
      seconds += std::int64_t{1} << 32;
    // pcapng carries 64-bit timestamps: seconds past int64 nanoseconds (year 2262) are a
    // defect here, not an overflow.
    if (seconds < 0 || seconds > (INT64_MAX - kNsPerSecond) / kNsPerSecond) [[unlikely]] {
      throw_record_error(record, fmt::format("timestamp of {} s is outside 0 to {} s (years 1970 "
                                             "to 2262); expected a time rlisim can hold in "
                                             "int64 nanoseconds",
                                             seconds, (INT64_MAX - kNsPerSecond) / kNsPerSecond));
    }
    ts = seconds * kNsPerSecond +
         static_cast<std::int64_t>(header->ts.tv_usec);  // nanoseconds: opened with NANO
    return true;
  }
}

bool PcapReader::read_ordered(core::Packet& out, std::int64_t& ts, std::uint64_t& record) {
  if (!read_record(out, ts, record))
    return false;
  if (have_previous_ && ts < previous_ts_) [[unlikely]] {
    if (options_.reorder == Reorder::kError) {
      throw_record_error(
          record,
          fmt::format("timestamp {} is earlier than the previous packet's (record {}) "
                      "{}, by {} ns; expected non-decreasing timestamps (reorder by "
                      "sorting within a window, or clamp, to accept this)",
                      format_ts(ts), previous_record_, format_ts(previous_ts_), previous_ts_ - ts));
    }
    ts = previous_ts_;
    ++counters_.clamped;
  }
  have_previous_ = true;
  previous_ts_ = ts;
  previous_record_ = record;
  return true;
}

bool PcapReader::read_sorted(core::Packet& out, std::int64_t& ts, std::uint64_t& record) {
  const std::int64_t window = options_.sort_window.count();
  // std heaps are max-heaps, so "later" puts the earliest (timestamp, record) on top; the
  // record number keeps equal timestamps in file order.
  const auto later = [](const Pending& a, const Pending& b) {
    return a.ts != b.ts ? a.ts > b.ts : a.record > b.record;
  };
  for (;;) {
    if (!heap_.empty() && (end_ || newest_ts_ - heap_.front().ts >= window)) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      const Pending& top = heap_.back();
      out = top.packet;
      ts = top.ts;
      record = top.record;
      heap_.pop_back();
      have_previous_ = true;
      previous_ts_ = ts;
      previous_record_ = record;
      return true;
    }
    if (end_)
      return false;
    Pending pending{};
    if (!read_record(pending.packet, pending.ts, pending.record))
      continue;  // end_ is now set
    if (have_previous_ && pending.ts < previous_ts_) {
      throw_record_error(
          pending.record,
          fmt::format("timestamp {} is earlier than record {} ({}), which was already emitted: "
                      "the sort window of {} ns is too small; this record needs at least {} ns",
                      format_ts(pending.ts), previous_record_, format_ts(previous_ts_), window,
                      newest_ts_ - pending.ts));
    }
    if (pending.ts < newest_ts_) {
      ++counters_.reordered;
    } else {
      newest_ts_ = pending.ts;
    }
    heap_.push_back(pending);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
}

bool PcapReader::pull(core::Packet& out, std::int64_t& ts, std::uint64_t& record) {
  const bool got = options_.reorder == Reorder::kSort ? read_sorted(out, ts, record)
                                                      : read_ordered(out, ts, record);
  if (!got)
    return false;
  if (!started_) {
    started_ = true;
    origin_ts_ = ts;
    origin_record_ = record;
  } else if (options_.max_gap && ts - last_raw_ts_ > options_.max_gap->count()) {
    const std::int64_t cut = ts - last_raw_ts_ - options_.max_gap->count();
    shift_ += cut;
    ++counters_.gaps_shortened;
    counters_.gap_time_removed += core::TraceTime{cut};
  }
  previous_raw_ts_ = last_raw_ts_;
  previous_emitted_record_ = last_record_;
  last_raw_ts_ = ts;
  last_record_ = record;
  ts -= shift_;
  last_out_ts_ = ts;
  out.kind = core::PacketKind::kRegular;
  out.source = 0;
  out.seq = counters_.packets;
  ++counters_.packets;
  counters_.wire_bytes += out.wire_bytes;
  if (out.flow.ip_version == 4) {
    ++counters_.ipv4;
  } else {
    ++counters_.ipv6;
  }
  if (out.wire_bytes > options_.oversize_bytes)
    ++counters_.oversized;
  return true;
}

bool PcapReader::pull_checked(core::Packet& out, std::int64_t& ts, std::uint64_t& record) {
  // Errors are sticky: after one, the position in the file is undefined.
  if (!failure_.empty()) [[unlikely]]
    throw core::TraceError(failure_);
  try {
    return pull(out, ts, record);
  } catch (const core::TraceError& e) {
    failure_ = e.what();
    throw;
  }
}

bool PcapReader::next(core::Packet& out) {
  std::int64_t ts = 0;
  std::uint64_t record = 0;
  if (!pull_checked(out, ts, record))
    return false;
  const std::int64_t offset = ts - origin_ts_;
  if (offset > kMaxOffsetNs) [[unlikely]] {
    const core::TraceError error = record_error(
        record, fmt::format("timestamp {} is {} ns after the first packet's (record {}) {} and "
                            "{} ns after the previous packet's (record {}) {}; expected at most "
                            "{} ns (about 106 days) after the first packet, the range of "
                            "simulation time in int64 picoseconds (shorten long gaps with "
                            "max_gap)",
                            format_ts(last_raw_ts_), offset, origin_record_, format_ts(origin_ts_),
                            last_raw_ts_ - previous_raw_ts_, previous_emitted_record_,
                            format_ts(previous_raw_ts_), kMaxOffsetNs));
    failure_ = error.what();
    throw error;
  }
  out.arrival = core::Time{offset * kPsPerNs};
  return true;
}

bool PcapReader::next_timestamped(core::Packet& out, core::TraceTime& timestamp) {
  std::int64_t ts = 0;
  std::uint64_t record = 0;
  if (!pull_checked(out, ts, record))
    return false;
  timestamp = core::TraceTime{ts};
  return true;
}

std::unique_ptr<core::PacketSource> open_trace(const std::string& path,
                                               const PcapReaderOptions& options) {
  return std::make_unique<PcapReader>(path, options);
}

}  // namespace rlisim::traces
