#include "traces/analysis/traffic_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/core/int128.hpp"

namespace rlisim::traces {
namespace {

using core::Int128;

constexpr std::int64_t kPsPerNs = 1000;
constexpr double kSecondsPerPs = 1e-12;
// Aggregation levels m = 2^0 .. 2^(kHurstLevels - 1) ms: 2^47 ms (4,400 years) exceeds any
// int64-nanosecond capture, so the streaming pass never runs out of levels.
constexpr int kHurstLevels = 48;

// Mean and M2 (sum of squared deviations) by Welford's update, with Chan's merge for a run
// of equal values (a run of empty bins costs O(1) however long it is).
struct Moments {
  double n = 0;
  double mean = 0;
  double m2 = 0;

  void add(double x) {
    n += 1;
    const double delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  void add_repeated(double x, double count) {
    if (count <= 0)
      return;
    const double total = n + count;
    const double delta = x - mean;
    mean += delta * count / total;
    m2 += delta * delta * n * count / total;
    n = total;
  }
  double variance() const { return n > 0 ? m2 / n : 0.0; }  // population
};

// Packets and bytes per bin of one width, streaming: only the open bin is held. The open bin
// is never complete while packets arrive (the last packet lies in it), so the bins folded
// into the moments are exactly the complete bins 0 .. K - 1.
class BinSeries {
 public:
  explicit BinSeries(Int128 width_ps) : width_(width_ps), end_(width_ps) {}

  // `offset`: ps since the first packet, non-decreasing.
  void add(Int128 offset, std::uint32_t bytes) {
    if (offset >= end_) [[unlikely]]
      advance(offset);
    packets_ += 1;
    bytes_ += bytes;
  }
  std::uint64_t complete_bins() const { return static_cast<std::uint64_t>(packets_m_.n); }
  const Moments& packets() const { return packets_m_; }
  const Moments& bytes() const { return bytes_m_; }

 private:
  void advance(Int128 offset) {
    const Int128 index = offset / width_;
    packets_m_.add(static_cast<double>(packets_));
    bytes_m_.add(static_cast<double>(bytes_));
    const auto empty = static_cast<double>(index - index_ - 1);
    packets_m_.add_repeated(0.0, empty);
    bytes_m_.add_repeated(0.0, empty);
    index_ = index;
    end_ = (index + 1) * width_;
    packets_ = 0;
    bytes_ = 0;
  }

  Int128 width_;
  Int128 end_;  // end of the open bin
  Int128 index_ = 0;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
  Moments packets_m_;
  Moments bytes_m_;
};

// One flow's record: fixed size whatever the flow's length.
struct FlowState {
  Int128 first = 0;
  Int128 last = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t in_train = 0;
  Moments gaps;                     // ps
  bool previous_gap_short = false;  // the gap ending at `last` was <= train_gap
};

FlowQuantiles quantiles_of(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  return {linear_quantile(values, 0.10), linear_quantile(values, 0.50),
          linear_quantile(values, 0.90), linear_quantile(values, 0.99)};
}

std::optional<double> ratio(double num, double den) {
  if (den == 0)
    return std::nullopt;
  return num / den;
}

std::string scale_label(core::Time t) {
  const std::int64_t ps = t.count();
  if (ps % 1'000'000'000 == 0)
    return fmt::format("{}ms", ps / 1'000'000'000);
  if (ps % 1'000'000 == 0)
    return fmt::format("{}us", ps / 1'000'000);
  if (ps % 1'000 == 0)
    return fmt::format("{}ns", ps / 1'000);
  return fmt::format("{}ps", ps);
}

std::string class_label(std::uint64_t min_packets) {
  return fmt::format("ge{}", min_packets);
}

using FlowTable = absl::flat_hash_map<core::FlowKey, FlowState, core::FlowKeyHasher>;

BurstinessAtScale burstiness_at(const BinSeries& series, core::Time bin) {
  BurstinessAtScale b;
  b.bin = bin;
  b.bins = series.complete_bins();
  b.packets_mean = series.packets().mean;
  b.bytes_mean = series.bytes().mean;
  if (b.bins >= 2) {
    const double pv = series.packets().variance();
    const double bv = series.bytes().variance();
    b.packets_idc = ratio(pv, b.packets_mean);
    b.packets_cov = ratio(std::sqrt(pv), b.packets_mean);
    b.bytes_idc = ratio(bv, b.bytes_mean);
    b.bytes_cov = ratio(std::sqrt(bv), b.bytes_mean);
  }
  return b;
}

// Aggregated variance: fit ln Var(X^(m)) = c + beta ln m over the usable levels.
void fit_hurst(const std::vector<BinSeries>& levels, HurstEstimate& hurst) {
  std::vector<std::pair<double, double>> points;
  for (int j = 0; j < kHurstLevels; ++j) {
    const BinSeries& level = levels[static_cast<std::size_t>(j)];
    if (level.complete_bins() < HurstEstimate::kMinBlocks)
      break;
    const double m = std::ldexp(1.0, j);
    const double variance = level.packets().variance() / (m * m);  // of block means
    if (!(variance > 0))
      continue;
    if (points.empty())
      hurst.min_scale_ms = m;
    hurst.max_scale_ms = m;
    points.emplace_back(std::log(m), std::log(variance));
  }
  hurst.levels = points.size();
  if (points.size() >= 3) {
    double mx = 0;
    double my = 0;
    for (const auto& [x, y] : points) {
      mx += x;
      my += y;
    }
    mx /= static_cast<double>(points.size());
    my /= static_cast<double>(points.size());
    double sxy = 0;
    double sxx = 0;
    for (const auto& [x, y] : points) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) * (x - mx);
    }
    hurst.beta = sxy / sxx;
    hurst.h = 1.0 + *hurst.beta / 2.0;
  }
}

// The statistics of the flows of at least `min_packets` packets.
FlowClassStatistics flow_class(const FlowTable& flows, std::uint64_t min_packets,
                               core::Time train_gap) {
  FlowClassStatistics c;
  c.min_packets = min_packets;
  c.train_gap = train_gap;
  std::uint64_t in_train = 0;
  std::vector<double> covs;
  std::vector<double> durations;
  std::vector<double> rates;
  for (const auto& [key, f] : flows) {
    if (f.packets < min_packets)
      continue;
    ++c.flows;
    c.packets += f.packets;
    in_train += f.in_train;
    if (f.gaps.n > 0 && f.gaps.mean > 0)
      covs.push_back(std::sqrt(f.gaps.variance()) / f.gaps.mean);
    const double duration = static_cast<double>(f.last - f.first) * kSecondsPerPs;
    durations.push_back(duration);
    if (duration > 0)
      rates.push_back(8.0 * static_cast<double>(f.bytes) / duration);
  }
  c.flows_with_gap_cov = covs.size();
  c.flows_with_duration = rates.size();
  if (!covs.empty()) {
    std::sort(covs.begin(), covs.end());
    c.median_gap_cov = linear_quantile(covs, 0.5);
  }
  if (c.packets > 0)
    c.train_share = static_cast<double>(in_train) / static_cast<double>(c.packets);
  if (!durations.empty())
    c.duration_s = quantiles_of(durations);
  if (!rates.empty())
    c.rate_bps = quantiles_of(rates);
  return c;
}

// The share of all bytes carried by the largest 1 % of flows (at least one).
void top_flow_share(const FlowTable& flows, std::uint64_t bytes, TrafficStatisticsReport& r) {
  std::vector<std::uint64_t> flow_bytes;
  flow_bytes.reserve(flows.size());
  for (const auto& [key, f] : flows)
    flow_bytes.push_back(f.bytes);
  r.top_flows = std::max<std::uint64_t>(1, (flow_bytes.size() + 99) / 100);
  const auto top = flow_bytes.begin() + static_cast<std::ptrdiff_t>(r.top_flows);
  std::nth_element(flow_bytes.begin(), top - 1, flow_bytes.end(), std::greater<>());
  std::uint64_t top_bytes = 0;
  for (auto it = flow_bytes.begin(); it != top; ++it)
    top_bytes += *it;
  if (bytes > 0)
    r.top1pct_byte_share = static_cast<double>(top_bytes) / static_cast<double>(bytes);
}

}  // namespace

struct TrafficStatistics::State {
  explicit State(const TrafficStatisticsOptions& options) : train_gap(options.train_gap.count()) {
    for (const core::Time w : options.burstiness_bins)
      scales.emplace_back(Int128{w.count()});
    for (int j = 0; j < kHurstLevels; ++j) {
      levels.emplace_back(Int128{core::milliseconds(1).count()} * (Int128{1} << j));
    }
  }

  void add(Int128 t, const core::Packet& p) {
    if (packets == 0) {
      first = t;
    } else if (t < last) [[unlikely]] {
      throw std::invalid_argument(fmt::format(
          "TrafficStatistics: packet {} ({}) is {} ps earlier than the previous one; packets "
          "must be added in time order",
          packets, p.flow.to_string(), static_cast<std::int64_t>(last - t)));
    }
    last = t;
    ++packets;
    bytes += p.wire_bytes;
    const Int128 offset = t - first;
    for (BinSeries& s : scales)
      s.add(offset, p.wire_bytes);
    for (BinSeries& s : levels)
      s.add(offset, p.wire_bytes);

    auto [it, inserted] = flows.try_emplace(p.flow);
    FlowState& f = it->second;
    if (inserted) {
      f.first = t;
    } else {
      const Int128 gap = t - f.last;
      f.gaps.add(static_cast<double>(gap));
      const bool short_gap = gap <= train_gap;
      if (short_gap)
        f.in_train += f.previous_gap_short ? 1 : 2;  // this packet, and the previous if new
      f.previous_gap_short = short_gap;
    }
    f.last = t;
    ++f.packets;
    f.bytes += p.wire_bytes;
  }

  Int128 train_gap;
  Int128 first = 0;
  Int128 last = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::vector<BinSeries> scales;
  std::vector<BinSeries> levels;  // 1, 2, 4, ... ms for the Hurst fit
  FlowTable flows;
};

TrafficStatistics::TrafficStatistics(TrafficStatisticsOptions options)
    : options_(std::move(options)) {
  if (options_.train_gap.count() < 0) {
    throw std::invalid_argument(fmt::format("TrafficStatistics: train_gap must be >= 0 ps, got {}",
                                            options_.train_gap.count()));
  }
  for (const core::Time w : options_.burstiness_bins) {
    if (w.count() <= 0) {
      throw std::invalid_argument(fmt::format(
          "TrafficStatistics: burstiness bin widths must be > 0 ps, got {}", w.count()));
    }
  }
  for (const std::uint64_t c : options_.flow_classes) {
    if (c == 0) {
      throw std::invalid_argument("TrafficStatistics: flow classes need at least 1 packet, got 0");
    }
  }
  state_ = std::make_unique<State>(options_);
}

TrafficStatistics::~TrafficStatistics() = default;
TrafficStatistics::TrafficStatistics(TrafficStatistics&&) noexcept = default;
TrafficStatistics& TrafficStatistics::operator=(TrafficStatistics&&) noexcept = default;

void TrafficStatistics::add(const core::Packet& packet) {
  state_->add(Int128{packet.arrival.count()}, packet);
}

void TrafficStatistics::add(const core::Packet& packet, core::TraceTime timestamp) {
  state_->add(Int128{timestamp.count()} * kPsPerNs, packet);
}

TrafficStatisticsReport TrafficStatistics::report() const {
  const State& s = *state_;
  TrafficStatisticsReport r;
  r.packets = s.packets;
  r.wire_bytes = s.bytes;
  r.flows = s.flows.size();
  r.duration_s = static_cast<double>(s.last - s.first) * kSecondsPerPs;
  for (std::size_t i = 0; i < s.scales.size(); ++i)
    r.burstiness.push_back(burstiness_at(s.scales[i], options_.burstiness_bins[i]));
  fit_hurst(s.levels, r.hurst);
  for (const std::uint64_t min_packets : options_.flow_classes)
    r.flow_classes.push_back(flow_class(s.flows, min_packets, options_.train_gap));
  if (!s.flows.empty())
    top_flow_share(s.flows, s.bytes, r);
  return r;
}

TrafficStatisticsReport compute_traffic_statistics(std::span<const core::Packet> packets,
                                                   const TrafficStatisticsOptions& options) {
  TrafficStatistics stats(options);
  for (const core::Packet& p : packets)
    stats.add(p);
  return stats.report();
}

double linear_quantile(std::span<const double> sorted, double q) {
  if (sorted.empty())
    throw std::invalid_argument("linear_quantile: no values");
  if (!(q >= 0.0 && q <= 1.0))
    throw std::invalid_argument(fmt::format("linear_quantile: q must be in [0, 1], got {}", q));
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= sorted.size())
    return sorted.back();
  return sorted[i] + (h - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

namespace {

std::string num(const std::optional<double>& v, std::string_view spec = "{:.4g}") {
  return v ? fmt::format(fmt::runtime(spec), *v) : std::string("-");
}

std::string percent_text(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f} %", 100.0 * *v) : std::string("-");
}

std::string quantiles_text(const std::optional<FlowQuantiles>& q, std::string_view unit) {
  if (!q)
    return "-";
  return fmt::format("p10 {:.4g}, p50 {:.4g}, p90 {:.4g}, p99 {:.4g} {}", q->p10, q->p50, q->p90,
                     q->p99, unit);
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json quantiles_json(const std::optional<FlowQuantiles>& q) {
  if (!q)
    return nullptr;
  return {{"p10", q->p10}, {"p50", q->p50}, {"p90", q->p90}, {"p99", q->p99}};
}

// (statistic, value) rows shared by the comparison table.
struct Row {
  std::string name;
  std::optional<double> value;
  bool integer = false;  // a count: printed without exponent
};

std::vector<Row> rows_of(const TrafficStatisticsReport& r) {
  std::vector<Row> rows;
  const auto count = [&rows](std::string name, std::uint64_t n) {
    rows.push_back({std::move(name), static_cast<double>(n), true});
  };
  count("packets", r.packets);
  count("wire bytes", r.wire_bytes);
  count("flows", r.flows);
  rows.push_back({"duration s", r.duration_s});
  for (const BurstinessAtScale& b : r.burstiness) {
    const std::string s = scale_label(b.bin);
    rows.push_back({s + " packets IDC", b.packets_idc});
    rows.push_back({s + " packets CoV", b.packets_cov});
    rows.push_back({s + " bytes IDC (B)", b.bytes_idc});
    rows.push_back({s + " bytes CoV", b.bytes_cov});
  }
  rows.push_back({"Hurst H", r.hurst.h});
  count("Hurst levels", r.hurst.levels);
  for (const FlowClassStatistics& c : r.flow_classes) {
    const std::string s = fmt::format("flows >= {}", c.min_packets);
    count(s, c.flows);
    rows.push_back({s + " median gap CoV", c.median_gap_cov});
    rows.push_back({s + " train share", c.train_share});
    const auto q = [](const std::optional<FlowQuantiles>& v, double FlowQuantiles::*field) {
      return v ? std::optional<double>((*v).*field) : std::nullopt;
    };
    rows.push_back({s + " duration p50 s", q(c.duration_s, &FlowQuantiles::p50)});
    rows.push_back({s + " duration p90 s", q(c.duration_s, &FlowQuantiles::p90)});
    rows.push_back({s + " rate p50 bit/s", q(c.rate_bps, &FlowQuantiles::p50)});
    rows.push_back({s + " rate p90 bit/s", q(c.rate_bps, &FlowQuantiles::p90)});
  }
  rows.push_back({"top 1 % flows byte share", r.top1pct_byte_share});
  return rows;
}

}  // namespace

std::string format_traffic_statistics_text(const TrafficStatisticsReport& r) {
  std::string out;
  const auto line = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("{:<14}{}\n", label, text);
  };
  out += "Burstiness (bins tile [first, last] packet; last partial bin dropped)\n";
  line("", fmt::format("{:>8} {:>12} {:>10} {:>10} {:>12} {:>10}", "bin", "bins", "pkt IDC",
                       "pkt CoV", "byte IDC B", "byte CoV"));
  for (const BurstinessAtScale& b : r.burstiness) {
    line("",
         fmt::format("{:>8} {:>12} {:>10} {:>10} {:>12} {:>10}", scale_label(b.bin), b.bins,
                     num(b.packets_idc), num(b.packets_cov), num(b.bytes_idc), num(b.bytes_cov)));
  }
  const HurstEstimate& h = r.hurst;
  line("hurst",
       h.h ? fmt::format("H {:.3f} (aggregated variance of 1 ms counts, {} levels, {} to {} ms)",
                         *h.h, h.levels, h.min_scale_ms, h.max_scale_ms)
           : fmt::format("- (needs 3 levels of >= {} blocks with variance; {} usable)",
                         HurstEstimate::kMinBlocks, h.levels));
  out += "Flows\n";
  for (const FlowClassStatistics& c : r.flow_classes) {
    line(fmt::format(">= {} pkts", c.min_packets),
         fmt::format("{} flows, {} packets; median gap CoV {}; in trains {} (gap <= {})", c.flows,
                     c.packets, num(c.median_gap_cov), percent_text(c.train_share),
                     scale_label(c.train_gap)));
    line("  duration", quantiles_text(c.duration_s, "s"));
    line("  rate", quantiles_text(c.rate_bps, "bit/s"));
  }
  line("top 1 %", fmt::format("{} of {} flows carry {} of the bytes", r.top_flows, r.flows,
                              percent_text(r.top1pct_byte_share)));
  return out;
}

nlohmann::json traffic_statistics_json(const TrafficStatisticsReport& r) {
  using nlohmann::json;
  json burstiness = json::object();
  for (const BurstinessAtScale& b : r.burstiness) {
    burstiness[scale_label(b.bin)] = {
        {"bin_ns", b.bin.count() / kPsPerNs},
        {"bins", b.bins},
        {"packets_mean", b.packets_mean},
        {"packets_idc", optional_json(b.packets_idc)},
        {"packets_cov", optional_json(b.packets_cov)},
        {"bytes_mean", b.bytes_mean},
        {"bytes_idc", optional_json(b.bytes_idc)},
        {"bytes_cov", optional_json(b.bytes_cov)},
    };
  }
  json classes = json::object();
  for (const FlowClassStatistics& c : r.flow_classes) {
    classes[class_label(c.min_packets)] = {
        {"min_packets", c.min_packets},
        {"flows", c.flows},
        {"packets", c.packets},
        {"median_gap_cov", optional_json(c.median_gap_cov)},
        {"flows_with_gap_cov", c.flows_with_gap_cov},
        {"train_share", optional_json(c.train_share)},
        {"train_gap_ns", c.train_gap.count() / kPsPerNs},
        {"duration_s", quantiles_json(c.duration_s)},
        {"rate_bps", quantiles_json(c.rate_bps)},
        {"flows_with_duration", c.flows_with_duration},
    };
  }
  return {
      {"burstiness", burstiness},
      {"hurst",
       {{"h", optional_json(r.hurst.h)},
        {"beta", optional_json(r.hurst.beta)},
        {"levels", r.hurst.levels},
        {"min_scale_ms", r.hurst.min_scale_ms},
        {"max_scale_ms", r.hurst.max_scale_ms},
        {"base_bin_ms", 1},
        {"min_blocks", HurstEstimate::kMinBlocks}}},
      {"flow_classes", classes},
      {"top1pct_byte_share", optional_json(r.top1pct_byte_share)},
      {"top1pct_flows", r.top_flows},
  };
}

std::string format_traffic_statistics_comparison(const TrafficStatisticsReport& left,
                                                 const TrafficStatisticsReport& right,
                                                 std::string_view left_title,
                                                 std::string_view right_title) {
  const std::vector<Row> a = rows_of(left);
  const std::vector<Row> b = rows_of(right);
  std::string out = fmt::format("{:<32} | {:>14} | {:>14}\n", "statistic", left_title, right_title);
  out += fmt::format("{:-<32}-+-{:->14}-+-{:->14}\n", "", "", "");
  for (const Row& row : a) {
    const auto match =
        std::find_if(b.begin(), b.end(), [&row](const Row& r) { return r.name == row.name; });
    const std::optional<double> other = match == b.end() ? std::nullopt : match->value;
    const std::string_view spec = row.integer ? "{:.0f}" : "{:.6g}";
    out +=
        fmt::format("{:<32} | {:>14} | {:>14}\n", row.name, num(row.value, spec), num(other, spec));
  }
  return out;
}

}  // namespace rlisim::traces
