#include "models/netflow/netflow.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/int128.hpp"

namespace rlisim::models::netflow {
namespace {

bool is_reference(const core::Packet& p) {
  return p.kind == core::PacketKind::kReference;
}

// A paired record's own estimate: (d_first + d_last) / 2, or its single sample.
double own_mean(const RecordPair& pair) {
  const auto first = static_cast<double>(pair.first_delay());
  if (pair.one_sample())
    return first;
  return first + static_cast<double>(pair.last_delay() - pair.first_delay()) / 2;
}

NetflowConfig with_packet_sampling_checked(NetflowConfig c) {
  if (c.packet_sampling < 2) {
    throw std::invalid_argument(
        fmt::format("sampled_netflow: packet_sampling must be >= 2 (got {})", c.packet_sampling));
  }
  c.lossy_pairs = LossyPairs::kUse;
  return c;
}

}  // namespace

void RecordEstimator::on_ingress(const core::Packet& p, FlowId flow) {
  if (is_reference(p))
    return;
  if (keeps_records_)
    records_->on_ingress(p, flow);
  // Pairs formed by sweeps wait in the records until read.
  if (records_->unread_pairs(reader_) >= kPairBatch)
    use_new_pairs();
}

void RecordEstimator::on_egress(const core::Packet& p, FlowId flow, PortId port,
                                core::Time egress_time) {
  (void)port;
  if (keeps_records_ && !is_reference(p))
    records_->on_egress(p, flow, egress_time);
}

void RecordEstimator::on_drop(const core::Packet& p, FlowId flow, PortId port) {
  (void)p;
  (void)flow;
  (void)port;
}

void RecordEstimator::WeightedMean::add(double value, std::uint64_t w, std::uint64_t s) {
  if (weight == 0)
    shift = value;
  deviations += static_cast<long double>(w) * (static_cast<long double>(value) - shift);
  weight += w;
  samples += s;
}

std::optional<FlowDelayEstimate> RecordEstimator::WeightedMean::result() const {
  if (samples == 0)
    return std::nullopt;
  FlowDelayEstimate e;
  e.samples = samples;
  if (weight > 0)
    e.mean_ps = static_cast<double>(shift + deviations / static_cast<long double>(weight));
  return e;
}

void RecordEstimator::use_new_pairs() {
  records_->read_pairs(reader_, [this](const RecordPair& pair) { use_pair(pair); });
}

void RecordEstimator::finalize() {
  records_->finalize();
  use_new_pairs();
  complete();
}

void RecordEstimator::on_flow_end(FlowId flow) {
  // No packet of the flow follows, so its waiting records can no longer pair: closing them now
  // keeps them from holding Multiflow's horizon back. A reader comes after its keeper, which
  // has closed them by now.
  if (keeps_records_)
    records_->finish_flow(flow);
  use_new_pairs();
  ended(flow);
}

bool RecordEstimator::share_with(FlowEstimator& earlier) {
  auto* keeper = dynamic_cast<RecordEstimator*>(&earlier);
  if (keeper == nullptr || !keeper->keeps_records_ || !keeps_records_ ||
      !config_.same_records(keeper->config_))
    return false;
  RLISIM_CHECK(records_->counters().ingress_packets == 0 &&
               keeper->records_->counters().ingress_packets == 0);
  records_ = keeper->records_;
  reader_ = records_->add_reader();
  keeps_records_ = false;
  return true;
}

void RecordEstimator::release_flow(FlowId flow) {
  released(flow);
  if (flow < flows_.size())
    flows_[flow] = WeightedMean{};
}

std::optional<FlowDelayEstimate> RecordEstimator::estimate(FlowId flow) const {
  return flow < flows_.size() ? flows_[flow].result() : std::nullopt;
}

EstimatorCost RecordEstimator::cost() const {
  EstimatorCost c;
  c.state_bytes = records_->counters().peak_open_records * kRecordBytes;
  c.export_bytes = records_->exported_records() * kRecordBytes;
  if (config_.packet_sampling == 1)
    c.delay_samples = records_->counters().samples;
  return c;
}

std::vector<NamedCounter> RecordEstimator::counters() const {
  const NetflowCounters& c = records_->counters();
  const double rate = c.ingress_packets
                          ? static_cast<double>(c.samples) / static_cast<double>(c.ingress_packets)
                          : 0.0;
  return {
      {"sampled_flows", static_cast<double>(records_->sampled_flows())},
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

void NaiveNetflow::use_pair(const RecordPair& pair) {
  add_value(pair, own_mean(pair), pair.one_sample() ? 1 : 2);
}

SampledNetflow::SampledNetflow(const NetflowConfig& config)
    : RecordEstimator(with_packet_sampling_checked(config)),
      name_(name_for(config.packet_sampling)) {}

std::string SampledNetflow::name_for(std::uint32_t packet_sampling) {
  return fmt::format("sampled_netflow_{}", packet_sampling);
}

void SampledNetflow::use_pair(const RecordPair& pair) {
  add_value(pair, own_mean(pair), pair.one_sample() ? 1 : 2);
}

void Multiflow::use_pair(const RecordPair& pair) {
  samples_.push_back({pair.first_out, pair.first_delay()});
  if (!pair.one_sample())
    samples_.push_back({pair.last_out, pair.last_delay()});
  waiting_.push_back({pair, serial_of(pair.flow)});
  ++waiting_of_.ensure(pair.flow, [] { return std::uint32_t{0}; });
}

void Multiflow::ended(FlowId flow) {
  if (waiting_.size() >= value_at_) {
    value_pairs_before(records().unpaired_horizon());
    value_at_ = std::max(kPairBatch, 2 * waiting_.size());
  }
  if (flow >= waiting_of_.size() || waiting_of_[flow] == 0)
    return;  // final already
  // Flows end only in an ObserverSet, which binds its index: the serial is the flow's own,
  // not an id that a later flow may take.
  RLISIM_CHECK(flow_index() != nullptr);
  const auto [it, added] = ended_.try_emplace(serial_of(flow));
  RLISIM_CHECK(added);
  it->second = Ended{.mean = take_mean(flow), .waiting = waiting_of_[flow]};
  waiting_of_[flow] = 0;
}

void Multiflow::released(FlowId flow) {
  const auto it = ended_.find(serial_of(flow));
  if (it == ended_.end())
    return;
  if (it->second.waiting == 0)
    ended_.erase(it);  // its estimate was final when the flow was written out
  else
    it->second.released = true;
}

const Multiflow::Ended* Multiflow::ended_flow(FlowId flow) const {
  if (ended_.empty() || (flow_index() != nullptr && flow >= flow_index()->slots()))
    return nullptr;
  const auto it = ended_.find(serial_of(flow));
  return it == ended_.end() ? nullptr : &it->second;
}

std::optional<FlowDelayEstimate> Multiflow::estimate(FlowId flow) const {
  if (const Ended* e = ended_flow(flow))
    return e->mean.result();
  return RecordEstimator::estimate(flow);
}

bool Multiflow::estimate_pending(FlowId flow) const {
  const Ended* e = ended_flow(flow);
  return e != nullptr && e->waiting > 0;
}

std::vector<LateEstimate> Multiflow::take_late_estimates() {
  return std::exchange(late_, {});
}

void Multiflow::complete() {
  value_pairs_before(std::numeric_limits<std::int64_t>::max());
}

void Multiflow::value_pairs_before(std::int64_t horizon) {
  std::sort(samples_.begin() + static_cast<std::ptrdiff_t>(sorted_), samples_.end());
  std::inplace_merge(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(sorted_),
                     samples_.end());
  sorted_ = samples_.size();
  prefix_.resize(samples_.size() + 1);
  prefix_[0] = 0;
  for (std::size_t i = 0; i < samples_.size(); ++i)
    prefix_[i + 1] = prefix_[i] + samples_[i].delay;
  const auto first_at = [this](std::int64_t at) {
    return static_cast<std::size_t>(
        std::partition_point(samples_.begin(), samples_.end(),
                             [at](const Sample& s) { return s.at < at; }) -
        samples_.begin());
  };
  std::int64_t keep_from = horizon;
  std::size_t kept = 0;
  for (const Waiting& w : waiting_) {
    const RecordPair& pair = w.pair;
    if (pair.last_out >= horizon) {
      keep_from = std::min(keep_from, pair.first_out);
      waiting_[kept++] = w;
      continue;
    }
    const std::size_t lo = first_at(pair.first_out);
    const std::size_t hi = first_at(pair.last_out + 1);  // last_out < horizon <= INT64_MAX
    RLISIM_CHECK(lo < hi);                               // the pair's own samples are in its pool
    const double value = pool_value(pair, lo, hi);
    pooled_ += hi - lo;
    ++valued_pairs_;
    const auto it = ended_.empty() ? ended_.end() : ended_.find(w.serial);
    if (it == ended_.end()) {
      add_value(pair, value, hi - lo);
      --waiting_of_[pair.flow];
      continue;
    }
    Ended& e = it->second;
    e.mean.add(value, pair.packets_out, hi - lo);
    if (e.waiting == 1 && e.released) {
      late_.push_back({.serial = w.serial, .estimate = *e.mean.result()});
      ended_.erase(it);
    } else {
      --e.waiting;
    }
  }
  waiting_.resize(kept);
  // No waiting pair starts before keep_from, and no pair still to form before the horizon.
  samples_.erase(samples_.begin(),
                 samples_.begin() + static_cast<std::ptrdiff_t>(first_at(keep_from)));
  sorted_ = samples_.size();
  prefix_.clear();
}

double Multiflow::pool_value(const RecordPair& pair, std::size_t lo, std::size_t hi) const {
  // Sums relative to the pool's first sample stay small and exact, so a constant delay comes
  // out exactly, and the value depends on the pool alone.
  const std::int64_t base = samples_[lo].delay;
  const auto mean_of = [&](std::size_t from, std::size_t to) {
    const core::Int128 relative =
        prefix_[to] - prefix_[from] - static_cast<core::Int128>(to - from) * base;
    return static_cast<long double>(relative) / static_cast<long double>(to - from);
  };
  const auto group_end = [&](std::size_t k) {
    std::size_t end = k;
    while (end < hi && samples_[end].at == samples_[k].at)
      ++end;
    return end;
  };
  switch (config().pool) {
    case MultiflowPool::kMean:
      return static_cast<double>(base + mean_of(lo, hi));
    case MultiflowPool::kInterpolate: {
      if (pair.first_out == pair.last_out)
        return own_mean(pair);
      // Trapezoids between consecutive group means, from first_out to last_out (both sample
      // times of the pair itself).
      long double area = 0;
      std::size_t g = lo;
      std::size_t g_end = group_end(g);
      long double previous = mean_of(g, g_end);
      while (g_end < hi) {
        const std::size_t next = g_end;
        const std::size_t next_end = group_end(next);
        const long double mean = mean_of(next, next_end);
        area +=
            static_cast<long double>(samples_[next].at - samples_[g].at) * (previous + mean) / 2;
        previous = mean;
        g = next;
        g_end = next_end;
      }
      return static_cast<double>(base +
                                 area / static_cast<long double>(pair.last_out - pair.first_out));
    }
    case MultiflowPool::kNearest: {
      const core::Int128 mid2 = static_cast<core::Int128>(pair.first_out) + pair.last_out;
      std::size_t k = lo;
      while (k < hi && 2 * static_cast<core::Int128>(samples_[k].at) < mid2)
        ++k;
      // The group before the midpoint and the one at or after it, whichever is nearer; both
      // when equally far.
      const auto group_start = [&](std::size_t end) {
        std::size_t start = end - 1;
        while (start > lo && samples_[start - 1].at == samples_[end - 1].at)
          --start;
        return start;
      };
      if (k == hi) {
        return static_cast<double>(base + mean_of(group_start(k), k));
      }
      if (k == lo)
        return static_cast<double>(base + mean_of(k, group_end(k)));
      const core::Int128 right = 2 * static_cast<core::Int128>(samples_[k].at) - mid2;
      const core::Int128 left = mid2 - 2 * static_cast<core::Int128>(samples_[k - 1].at);
      std::size_t from = k;
      std::size_t to = k;
      if (left <= right)
        from = group_start(k);
      if (right <= left)
        to = group_end(k);
      return static_cast<double>(base + mean_of(from, to));
    }
  }
  return 0;
}

std::vector<NamedCounter> Multiflow::counters() const {
  std::vector<NamedCounter> c = RecordEstimator::counters();
  const double mean =
      valued_pairs_ == 0 ? 0.0 : static_cast<double>(pooled_) / static_cast<double>(valued_pairs_);
  c.push_back({"pooled_samples_mean", mean});
  return c;
}

}  // namespace rlisim::models::netflow
