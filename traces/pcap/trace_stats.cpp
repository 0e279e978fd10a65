#include "traces/pcap/trace_stats.hpp"

#include <algorithm>
#include <cmath>

#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/packet.hpp"
#include "sim/core/units.hpp"
#include "traces/pcap/pcap_framing.hpp"

namespace rlisim::traces {
namespace {

constexpr double kNsPerSecond = 1e9;
constexpr double kPercents[] = {1, 10, 25, 50, 75, 90, 99};

struct BucketBound {
  std::uint32_t min_bytes;
  std::optional<std::uint32_t> max_bytes;
};
const BucketBound kBuckets[] = {{0, 64},      {65, 127},    {128, 255},
                                {256, 511},   {512, 1023},  {1024, 1399},
                                {1400, 1500}, {1501, 9216}, {9217, std::nullopt}};

double seconds(core::TraceTime t) {
  return static_cast<double>(t.count()) / kNsPerSecond;
}

// Exact nearest-rank percentiles from a count per size.
std::vector<SizePercentile> percentiles(const std::vector<std::uint64_t>& counts,
                                        std::uint64_t total) {
  std::vector<SizePercentile> out;
  if (total == 0)
    return out;
  std::size_t size = 0;
  std::uint64_t below = counts[0];  // packets with size <= `size`
  for (const double p : kPercents) {
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total) / 100.0)));
    while (below < rank)
      below += counts[++size];
    out.push_back({p, static_cast<std::uint32_t>(size)});
  }
  return out;
}

std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string bucket_label(const SizeBucket& b) {
  if (!b.max_bytes)
    return fmt::format(">{}", b.min_bytes - 1);
  if (b.min_bytes == 0)
    return fmt::format("<={}", *b.max_bytes);
  return fmt::format("{}-{}", b.min_bytes, *b.max_bytes);
}

std::string ts_text(const std::optional<core::TraceTime>& t) {
  if (!t)
    return "-";
  const std::int64_t ns = t->count();
  return fmt::format("{}{}.{:09d} s", ns < 0 ? "-" : "", std::abs(ns / 1'000'000'000),
                     std::abs(ns % 1'000'000'000));
}

double percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

void count_protocol(TraceStats& s, std::uint8_t protocol) {
  switch (protocol) {
    case 6:
      ++s.tcp_packets;
      break;
    case 17:
      ++s.udp_packets;
      break;
    case 1:
    case 58:
      ++s.icmp_packets;
      break;
    default:
      ++s.other_packets;
  }
}

// Range, mean, percentiles and histogram of `seen` packets' wire sizes, from a count per size.
void add_size_statistics(TraceStats& s, const std::vector<std::uint64_t>& size_counts,
                         std::uint64_t seen) {
  if (seen > 0) {
    const auto first = std::find_if(size_counts.begin(), size_counts.end(),
                                    [](std::uint64_t n) { return n != 0; });
    const auto last = std::find_if(size_counts.rbegin(), size_counts.rend(),
                                   [](std::uint64_t n) { return n != 0; });
    s.size_min = static_cast<std::uint32_t>(first - size_counts.begin());
    s.size_max = static_cast<std::uint32_t>(size_counts.rend() - last - 1);
    std::uint64_t sum = 0;
    for (std::size_t size = 0; size < size_counts.size(); ++size)
      sum += size * size_counts[size];
    s.size_mean = static_cast<double>(sum) / static_cast<double>(seen);
  }
  s.size_percentiles = percentiles(size_counts, seen);
  for (const BucketBound& b : kBuckets) {
    SizeBucket bucket{b.min_bytes, b.max_bytes, 0};
    const std::size_t end = std::min(
        b.max_bytes ? *b.max_bytes + std::size_t{1} : size_counts.size(), size_counts.size());
    for (std::size_t size = b.min_bytes; size < end; ++size)
      bucket.packets += size_counts[size];
    s.size_histogram.push_back(bucket);
  }
}

// What the reader saw of the capture and how it read it: its format, counters and options.
void add_reader_details(TraceStats& s, PcapReader& reader) {
  const PcapReaderCounters& c = reader.counters();
  s.source = reader.describe();
  s.format = reader.format() == CaptureFormat::kPcapNg ? "pcapng" : "pcap";
  s.gzip = reader.gzip();
  s.nanosecond_file = reader.nanosecond_file();
  s.link_type_name = reader.link_type_name();
  s.link_type = reader.link_type();
  s.snaplen = reader.snaplen();
  s.records = c.records;
  s.packets = c.packets;
  s.wire_bytes = c.wire_bytes;
  s.ipv4_packets = c.ipv4;
  s.ipv6_packets = c.ipv6;
  s.oversized = c.oversized;
  s.oversize_bytes = reader.options().oversize_bytes;

  s.short_records = c.short_records;
  s.min_caplen = c.min_caplen;
  s.max_caplen = c.max_caplen;
  s.mean_caplen =
      c.records == 0 ? 0.0 : static_cast<double>(c.caplen_bytes) / static_cast<double>(c.records);
  s.truncated_l4 = c.truncated_l4;
  s.skipped = c.skipped;
  s.skipped_total = c.skipped_total();
  s.first_fragments = c.first_fragments;
  s.later_fragments = c.later_fragments;

  s.reorder = reader.options().reorder;
  s.sort_window = reader.options().sort_window;
  s.clamped = c.clamped;
  s.reordered = c.reordered;
  s.max_gap = reader.options().max_gap;
  s.gaps_shortened = c.gaps_shortened;
  s.gap_time_removed = c.gap_time_removed;
}

}  // namespace

std::string_view reorder_name(Reorder reorder) {
  switch (reorder) {
    case Reorder::kError:
      return "error";
    case Reorder::kSort:
      return "sort";
    case Reorder::kClamp:
      return "clamp";
  }
  return "unknown";
}

TraceStats compute_trace_stats(PcapReader& reader, const StatsProgress& progress,
                               std::uint64_t progress_interval) {
  TraceStats s;
  absl::flat_hash_set<core::FlowKey, core::FlowKeyHasher> flows;
  // Indexed by wire length, grown to the largest packet seen (at most kMaxWireBytes + 1
  // entries): a short trace of small packets costs kilobytes, not the 2 MiB of the whole range.
  std::vector<std::uint64_t> size_counts;
  core::Packet packet;
  core::TraceTime ts{};
  std::uint64_t seen = 0;
  TrafficStatistics traffic;
  while (reader.next_timestamped(packet, ts)) {
    flows.insert(packet.flow);
    traffic.add(packet, ts);
    if (packet.wire_bytes >= size_counts.size())
      size_counts.resize(packet.wire_bytes + std::size_t{1}, 0);
    ++size_counts[packet.wire_bytes];
    ++seen;
    count_protocol(s, packet.flow.protocol);
    if (progress && progress_interval > 0 && seen % progress_interval == 0)
      progress(reader);
  }

  add_reader_details(s, reader);
  s.flows = flows.size();

  s.first_timestamp = reader.first_timestamp();
  s.last_timestamp = reader.last_timestamp();
  if (s.first_timestamp && s.last_timestamp) {
    s.duration = *s.last_timestamp - *s.first_timestamp;
  }
  if (s.duration.count() > 0) {
    s.packet_rate = static_cast<double>(s.packets) / seconds(s.duration);
    s.bit_rate = 8.0 * static_cast<double>(s.wire_bytes) / seconds(s.duration);
  }

  add_size_statistics(s, size_counts, seen);
  s.traffic = traffic.report();
  return s;
}

std::string format_trace_stats_text(const TraceStats& s) {
  std::string out;
  const auto line = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("{:<14}{}\n", label, text);
  };
  line("source",
       fmt::format("{} ({}{}, {} timestamps, snaplen {})", s.source, s.format,
                   s.gzip ? ", gzip" : "", s.nanosecond_file ? "nanosecond" : "microsecond",
                   s.snaplen == 0 ? std::string("unlimited") : std::to_string(s.snaplen)));
  line("link type", fmt::format("{} ({})", s.link_type_name, s.link_type));
  line("records", with_commas(s.records));
  line("packets",
       fmt::format("{} (IPv4 {}, IPv6 {}; TCP {}, UDP {}, ICMP {}, other {})",
                   with_commas(s.packets), with_commas(s.ipv4_packets), with_commas(s.ipv6_packets),
                   with_commas(s.tcp_packets), with_commas(s.udp_packets),
                   with_commas(s.icmp_packets), with_commas(s.other_packets)));
  line("bytes", with_commas(s.wire_bytes) + " (wire length)");
  line("flows", with_commas(s.flows) + " (5-tuples)");
  line("duration", fmt::format("{:.9f} s (first {}, last {})", seconds(s.duration),
                               ts_text(s.first_timestamp), ts_text(s.last_timestamp)));
  line("rate", fmt::format("{:.6g} packets/s, {}", s.packet_rate, core::format_rate(s.bit_rate)));
  line("packet size",
       fmt::format("min {} B, mean {:.2f} B, max {} B", s.size_min, s.size_mean, s.size_max));
  std::string pct;
  for (const SizePercentile& p : s.size_percentiles) {
    pct += fmt::format("{}p{:g} {} B", pct.empty() ? "" : ", ", p.percent, p.bytes);
  }
  line("percentiles", pct.empty() ? "-" : pct);
  for (const SizeBucket& b : s.size_histogram) {
    line("", fmt::format("{:>10} B {:>14} {:6.2f} %", bucket_label(b), with_commas(b.packets),
                         percent(b.packets, s.packets)));
  }
  line("oversized",
       fmt::format("{} packets over {} B (kept)", with_commas(s.oversized), s.oversize_bytes));
  line("truncation",
       fmt::format("{} of {} records shorter than len (caplen min {}, mean {:.1f}, max {} B); "
                   "{} with ports beyond the capture",
                   with_commas(s.short_records), with_commas(s.records), s.min_caplen,
                   s.mean_caplen, s.max_caplen, with_commas(s.truncated_l4)));
  std::string reasons;
  for (std::size_t i = 1; i < kSkipReasonCount; ++i) {
    if (s.skipped[i] == 0)
      continue;
    reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ",
                           skip_reason_name(static_cast<SkipReason>(i)), with_commas(s.skipped[i]));
  }
  line("skipped", fmt::format("{}{}", with_commas(s.skipped_total),
                              reasons.empty() ? "" : " (" + reasons + ")"));
  line("fragments", fmt::format("{} first, {} later (ports 0)", with_commas(s.first_fragments),
                                with_commas(s.later_fragments)));
  std::string order = fmt::format("{}", reorder_name(s.reorder));
  if (s.reorder == Reorder::kSort) {
    order += fmt::format(" (window {} ns), {} reordered", s.sort_window.count(),
                         with_commas(s.reordered));
  } else if (s.reorder == Reorder::kClamp) {
    order += fmt::format(", {} clamped", with_commas(s.clamped));
  }
  if (s.max_gap) {
    order +=
        fmt::format("; {} gaps over {} ns shortened, {:.9f} s removed",
                    with_commas(s.gaps_shortened), s.max_gap->count(), seconds(s.gap_time_removed));
  }
  line("order", order);
  out += format_traffic_statistics_text(s.traffic);
  return out;
}

nlohmann::json trace_stats_json(const TraceStats& s) {
  using nlohmann::json;
  const auto optional_ns = [](const std::optional<core::TraceTime>& t) {
    return t ? json(t->count()) : json(nullptr);
  };
  json skipped = {{"total", s.skipped_total}};
  for (std::size_t i = 1; i < kSkipReasonCount; ++i) {
    skipped[std::string(skip_reason_name(static_cast<SkipReason>(i)))] = s.skipped[i];
  }
  json histogram = json::array();
  for (const SizeBucket& b : s.size_histogram) {
    histogram.push_back({{"min_bytes", b.min_bytes},
                         {"max_bytes", b.max_bytes ? json(*b.max_bytes) : json(nullptr)},
                         {"packets", b.packets}});
  }
  json pct = json::object();
  for (const SizePercentile& p : s.size_percentiles)
    pct[fmt::format("p{:g}", p.percent)] = p.bytes;
  json out = {
      {"source", s.source},
      {"format", s.format},
      {"gzip", s.gzip},
      {"nanosecond_file", s.nanosecond_file},
      {"link_type", {{"name", s.link_type_name}, {"number", s.link_type}}},
      {"snaplen", s.snaplen},
      {"records", s.records},
      {"packets", s.packets},
      {"bytes", s.wire_bytes},
      {"flows", s.flows},
      {"protocols",
       {{"ipv4", s.ipv4_packets},
        {"ipv6", s.ipv6_packets},
        {"tcp", s.tcp_packets},
        {"udp", s.udp_packets},
        {"icmp", s.icmp_packets},
        {"other", s.other_packets}}},
      {"time",
       {{"first_ns", optional_ns(s.first_timestamp)},
        {"last_ns", optional_ns(s.last_timestamp)},
        {"duration_ns", s.duration.count()},
        {"duration_s", seconds(s.duration)},
        {"packet_rate_pps", s.packet_rate},
        {"bit_rate_bps", s.bit_rate}}},
      {"packet_size",
       {{"min", s.size_min},
        {"mean", s.size_mean},
        {"max", s.size_max},
        {"percentiles", pct},
        {"histogram", histogram},
        {"oversized", s.oversized},
        {"oversize_bytes", s.oversize_bytes}}},
      {"truncation",
       {{"short_records", s.short_records},
        {"min_caplen", s.min_caplen},
        {"mean_caplen", s.mean_caplen},
        {"max_caplen", s.max_caplen},
        {"truncated_l4", s.truncated_l4}}},
      {"skipped", skipped},
      {"fragments", {{"first", s.first_fragments}, {"later", s.later_fragments}}},
      {"order",
       {{"reorder", std::string(reorder_name(s.reorder))},
        {"sort_window_ns", s.sort_window.count()},
        {"clamped", s.clamped},
        {"reordered", s.reordered},
        {"max_gap_ns", optional_ns(s.max_gap)},
        {"gaps_shortened", s.gaps_shortened},
        {"gap_time_removed_ns", s.gap_time_removed.count()}}},
  };
  out.update(traffic_statistics_json(s.traffic));
  return out;
}

}  // namespace rlisim::traces
