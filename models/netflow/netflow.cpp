#include "models/netflow/netflow.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/int128.hpp"

namespace rlisim::models::netflow {
namespace {

bool is_reference(const core::Packet& p) {
  return p.kind == core::PacketKind::kReference;
}

// The egress-packet-weighted mean of a flow's record estimates. Deviations from the first
// estimate are summed, so equal estimates give exactly that value.
struct WeightedMean {
  std::uint64_t weight = 0;
  std::uint64_t samples = 0;
  double shift = 0;
  long double deviations = 0;

  void add(double value, std::uint64_t w, std::uint64_t s) {
    if (weight == 0)
      shift = value;
    deviations += static_cast<long double>(w) * (static_cast<long double>(value) - shift);
    weight += w;
    samples += s;
  }
  FlowDelayEstimate result() const {
    FlowDelayEstimate e;
    e.samples = samples;
    if (weight > 0)
      e.mean_ps = static_cast<double>(shift + deviations / static_cast<long double>(weight));
    return e;
  }
};

std::vector<FlowDelayEstimate> results(const std::vector<WeightedMean>& flows) {
  std::vector<FlowDelayEstimate> out;
  out.reserve(flows.size());
  for (const WeightedMean& f : flows)
    out.push_back(f.result());
  return out;
}

// A paired record's own estimate: (d_first + d_last) / 2, or its single sample.
double own_mean(const RecordPair& pair) {
  const auto first = static_cast<double>(pair.first_delay());
  if (pair.one_sample())
    return first;
  return first + static_cast<double>(pair.last_delay() - pair.first_delay()) / 2;
}

// Each flow's packet-weighted mean of its record pairs' own estimates.
std::vector<FlowDelayEstimate> naive_estimates(const NetflowRecords& records) {
  std::vector<WeightedMean> flows(records.flow_slots());
  for (const RecordPair& pair : records.pairs())
    flows[pair.flow].add(own_mean(pair), pair.packets_out, pair.one_sample() ? 1 : 2);
  return results(flows);
}

NetflowConfig with_packet_sampling_checked(NetflowConfig c) {
  if (c.packet_sampling < 2) {
    throw std::invalid_argument(
        fmt::format("sampled_netflow: packet_sampling must be >= 2 (got {})", c.packet_sampling));
  }
  c.lossy_pairs = LossyPairs::kUse;
  return c;
}

// Every first/last sample sorted by egress time, with prefix sums for O(log S) pools.
// Delays are kept relative to `base` (the first sample's delay) so that sums stay small and
// a constant delay comes out exactly.
class SamplePool {
 public:
  explicit SamplePool(const std::vector<RecordPair>& pairs, bool interpolate) {
    std::vector<std::pair<std::int64_t, std::int64_t>> s;  // (egress time, delay)
    for (const RecordPair& p : pairs) {
      s.emplace_back(p.first_out, p.first_delay());
      if (!p.one_sample())
        s.emplace_back(p.last_out, p.last_delay());
    }
    std::sort(s.begin(), s.end());
    base_ = s.empty() ? 0 : s.front().second;
    times_.reserve(s.size());
    prefix_.reserve(s.size() + 1);
    prefix_.push_back(0);
    for (const auto& [at, delay] : s) {
      times_.push_back(at);
      prefix_.push_back(prefix_.back() + (delay - base_));
    }
    if (interpolate)
      build_curve();
  }

  // Index range [lo, hi) of the samples with egress time in [a, b].
  std::pair<std::size_t, std::size_t> range(std::int64_t a, std::int64_t b) const {
    const auto lo = std::lower_bound(times_.begin(), times_.end(), a);
    const auto hi = std::upper_bound(lo, times_.end(), b);
    return {static_cast<std::size_t>(lo - times_.begin()),
            static_cast<std::size_t>(hi - times_.begin())};
  }

  double mean(std::size_t lo, std::size_t hi) const {
    return value(prefix_[hi] - prefix_[lo], hi - lo);
  }

  // Time-weighted mean over [a, b], a < b, of the curve through the group means; a and b are
  // sample times.
  double curve_mean(std::int64_t a, std::int64_t b) const {
    const auto ga = std::lower_bound(group_times_.begin(), group_times_.end(), a);
    const auto gb = std::lower_bound(ga, group_times_.end(), b);
    const long double area =
        integral_[gb - group_times_.begin()] - integral_[ga - group_times_.begin()];
    return static_cast<double>(static_cast<long double>(base_) +
                               area / static_cast<long double>(b - a));
  }

  // Mean of the samples in [lo, hi) nearest in time to (a + b) / 2.
  double nearest(std::size_t lo, std::size_t hi, std::int64_t a, std::int64_t b) const {
    const core::Int128 mid2 = static_cast<core::Int128>(a) + b;  // twice the midpoint
    const auto first = times_.begin() + static_cast<std::ptrdiff_t>(lo);
    const auto last = times_.begin() + static_cast<std::ptrdiff_t>(hi);
    const auto k = std::partition_point(
        first, last, [&](std::int64_t t) { return 2 * static_cast<core::Int128>(t) < mid2; });
    core::Int128 sum = 0;
    std::uint64_t count = 0;
    const auto add_group = [&](std::int64_t t) {
      const auto [g0, g1] = std::equal_range(first, last, t);
      sum += prefix_[g1 - times_.begin()] - prefix_[g0 - times_.begin()];
      count += static_cast<std::uint64_t>(g1 - g0);
    };
    if (k == last) {
      add_group(*(k - 1));
    } else if (k == first) {
      add_group(*k);
    } else {
      const core::Int128 right = 2 * static_cast<core::Int128>(*k) - mid2;
      const core::Int128 left = mid2 - 2 * static_cast<core::Int128>(*(k - 1));
      if (left <= right)
        add_group(*(k - 1));
      if (right <= left)
        add_group(*k);
    }
    return value(sum, count);
  }

 private:
  double value(core::Int128 sum, std::uint64_t count) const {
    return static_cast<double>(static_cast<long double>(base_) +
                               static_cast<long double>(sum) / static_cast<long double>(count));
  }

  void build_curve() {
    std::vector<long double> means;
    for (std::size_t k = 0; k < times_.size();) {
      std::size_t end = k;
      while (end < times_.size() && times_[end] == times_[k])
        ++end;
      group_times_.push_back(times_[k]);
      means.push_back(static_cast<long double>(prefix_[end] - prefix_[k]) /
                      static_cast<long double>(end - k));
      k = end;
    }
    integral_.assign(means.size(), 0);
    for (std::size_t g = 1; g < means.size(); ++g) {
      const auto width = static_cast<long double>(group_times_[g] - group_times_[g - 1]);
      integral_[g] = integral_[g - 1] + width * (means[g - 1] + means[g]) / 2;
    }
  }

  std::int64_t base_ = 0;
  std::vector<std::int64_t> times_;
  std::vector<core::Int128> prefix_;  // prefix_[k] = sum of (delay - base_) of samples < k
  std::vector<std::int64_t> group_times_;
  std::vector<long double> integral_;  // of (curve - base_) from the first group, ps^2
};

}  // namespace

void RecordEstimator::on_ingress(const core::Packet& p, FlowId flow) {
  if (!is_reference(p))
    records_.on_ingress(p, flow);
}

void RecordEstimator::on_egress(const core::Packet& p, FlowId flow, PortId port,
                                core::Time egress_time) {
  (void)port;
  if (!is_reference(p))
    records_.on_egress(p, flow, egress_time);
}

void RecordEstimator::on_drop(const core::Packet& p, FlowId flow, PortId port) {
  (void)p;
  (void)flow;
  (void)port;
}

void RecordEstimator::finalize() {
  records_.finalize();
  estimates_ = estimates_from_records();
}

std::optional<FlowDelayEstimate> RecordEstimator::estimate(FlowId flow) const {
  if (flow >= estimates_.size() || estimates_[flow].samples == 0)
    return std::nullopt;
  return estimates_[flow];
}

EstimatorCost RecordEstimator::cost() const {
  EstimatorCost c;
  c.state_bytes = records_.counters().peak_open_records * kRecordBytes;
  c.export_bytes = records_.exported_records() * kRecordBytes;
  if (records_.config().packet_sampling == 1)
    c.delay_samples = records_.counters().samples;
  return c;
}

std::vector<NamedCounter> RecordEstimator::counters() const {
  const NetflowCounters& c = records_.counters();
  const double rate = c.ingress_packets
                          ? static_cast<double>(c.samples) / static_cast<double>(c.ingress_packets)
                          : 0.0;
  return {
      {"sampled_flows", static_cast<double>(records_.sampled_flows())},
      {"sampled_packets_in", static_cast<double>(c.sampled_packets_in)},
      {"sampled_packets_out", static_cast<double>(c.sampled_packets_out)},
      {"records", static_cast<double>(c.records_in)},
      {"pairs", static_cast<double>(c.pairs)},
      {"lossy_pairs", static_cast<double>(c.lossy_pairs)},
      {"discarded_pairs", static_cast<double>(c.discarded_pairs)},
      {"wrong_first_last", static_cast<double>(c.wrong_first_last)},
      {"unpaired_records", static_cast<double>(c.unpaired_records)},
      {"samples", static_cast<double>(c.samples)},
      {"effective_packet_sampling_rate", rate},
  };
}

std::vector<FlowDelayEstimate> NaiveNetflow::estimates_from_records() {
  return naive_estimates(records());
}

SampledNetflow::SampledNetflow(const NetflowConfig& config)
    : RecordEstimator(with_packet_sampling_checked(config)),
      name_(name_for(config.packet_sampling)) {}

std::string SampledNetflow::name_for(std::uint32_t packet_sampling) {
  return fmt::format("sampled_netflow_{}", packet_sampling);
}

std::vector<FlowDelayEstimate> SampledNetflow::estimates_from_records() {
  return naive_estimates(records());
}

std::vector<FlowDelayEstimate> Multiflow::estimates_from_records() {
  const MultiflowPool mode = records().config().pool;
  const std::vector<RecordPair>& pairs = records().pairs();
  const SamplePool pool(pairs, mode == MultiflowPool::kInterpolate);
  std::vector<WeightedMean> flows(records().flow_slots());
  std::uint64_t pooled = 0;
  for (const RecordPair& pair : pairs) {
    const auto [lo, hi] = pool.range(pair.first_out, pair.last_out);
    double value = 0;
    switch (mode) {
      case MultiflowPool::kMean:
        value = pool.mean(lo, hi);
        break;
      case MultiflowPool::kInterpolate:
        value = pair.first_out == pair.last_out ? own_mean(pair)
                                                : pool.curve_mean(pair.first_out, pair.last_out);
        break;
      case MultiflowPool::kNearest:
        value = pool.nearest(lo, hi, pair.first_out, pair.last_out);
        break;
    }
    pooled += hi - lo;
    flows[pair.flow].add(value, pair.packets_out, hi - lo);
  }
  pooled_samples_mean_ =
      pairs.empty() ? 0.0 : static_cast<double>(pooled) / static_cast<double>(pairs.size());
  return results(flows);
}

std::vector<NamedCounter> Multiflow::counters() const {
  std::vector<NamedCounter> c = RecordEstimator::counters();
  c.push_back({"pooled_samples_mean", pooled_samples_mean_});
  return c;
}

}  // namespace rlisim::models::netflow
