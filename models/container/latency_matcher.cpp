// Streaming event-path matching (container.md §1.2).
#include "models/container/latency_matcher.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::models::container {

LatencyMatcher::LatencyMatcher(EventPath path, const MatcherOptions& options, LatencySink& sink)
    : path_(std::move(path)), options_(options), sink_(sink) {
  validate_event_path(path_);
  if (options_.expiry_ns <= 0)
    throw core::ConfigError(
        fmt::format("matcher expiry must be > 0 ns, got {}", options_.expiry_ns));
  if (options_.outlier_threshold_ns && *options_.outlier_threshold_ns <= 0)
    throw core::ConfigError(
        fmt::format("outlier threshold must be > 0 ns, got {}", *options_.outlier_threshold_ns));
}

bool LatencyMatcher::matches(const PathPoint& point, const PathObservation& e) const {
  return point.event == e.event && point.role == e.device;
}

std::optional<std::uint64_t> LatencyMatcher::key_of(Direction d, bool at_start,
                                                    const PathObservation& e) const {
  if (d == Direction::kEgress && path_.egress_by_pid())
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(e.pid));
  if (d == Direction::kIngress && path_.ingress_by_length()) {
    // The outer device sees the encapsulated packet; the syscall returns the inner one.
    const std::int64_t outer_extra = e.device == DeviceRole::kOuter ? path_.encapsulation_bytes : 0;
    const std::int64_t bytes = at_start ? e.len - outer_extra : e.ret;
    if (bytes <= 0)
      return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
  }
  return e.skbaddr;
}

void LatencyMatcher::observe(const PathObservation& e) {
  ++counters_.observations;
  if (any_ && e.time_ns < last_ns_)
    ++counters_.out_of_order;
  else
    last_ns_ = e.time_ns;
  if (!any_) {
    any_ = true;
    next_sweep_ns_ = e.time_ns + options_.expiry_ns;
  }
  if (e.time_ns >= next_sweep_ns_) {
    sweep(e.time_ns);
    next_sweep_ns_ = e.time_ns + options_.expiry_ns;
  }
  // Ends before starts: an event that ends one direction and starts the other (possible on
  // custom paths) must not close the chain it just opened.
  for (const Direction d : {Direction::kEgress, Direction::kIngress})
    if (matches(path_.direction(d).end, e))
      close(d, e);
  for (const Direction d : {Direction::kEgress, Direction::kIngress})
    if (matches(path_.direction(d).start, e))
      open(d, e);
}

void LatencyMatcher::open(Direction d, const PathObservation& e) {
  const auto key = key_of(d, true, e);
  if (!key)
    return;
  DirectionCounters& c = counters(d);
  ++c.starts;
  const Chain chain{e.time_ns, e.cpu, e.pid, e.len};
  const auto [it, inserted] = open_.try_emplace(ChainKey{*key, d}, chain);
  if (!inserted) {
    if (e.time_ns - it->second.start_ns > options_.expiry_ns)
      ++c.expired;
    else
      ++c.reused;
    it->second = chain;
  }
}

void LatencyMatcher::close(Direction d, const PathObservation& e) {
  const auto key = key_of(d, false, e);
  if (!key) {
    ++counters_.syscall_errors;
    return;
  }
  DirectionCounters& c = counters(d);
  const auto it = open_.find(ChainKey{*key, d});
  if (it == open_.end()) {
    ++c.unmatched_ends;
    return;
  }
  const Chain chain = it->second;
  open_.erase(it);
  const std::int64_t latency = e.time_ns - chain.start_ns;
  if (latency > options_.expiry_ns) {
    ++c.expired;
    ++c.unmatched_ends;
    return;
  }
  if (latency < 0) {
    ++c.negative;
    return;
  }
  if (options_.outlier_threshold_ns && latency >= *options_.outlier_threshold_ns) {
    ++c.outliers;
    return;
  }
  ++c.matched;
  PacketLatency p;
  p.direction = d;
  p.start_ns = chain.start_ns;
  p.end_ns = e.time_ns;
  p.cpu = chain.cpu;
  p.end_cpu = e.cpu;
  p.pid = chain.pid;
  p.start_len = chain.len;
  p.end_len = (d == Direction::kIngress && path_.ingress_by_length()) ? e.ret : e.len;
  p.key = *key;
  sink_.on_packet(p);
}

void LatencyMatcher::sweep(std::int64_t now_ns) {
  // absl::flat_hash_map::erase(iterator) does not invalidate other iterators.
  for (auto it = open_.begin(); it != open_.end();) {
    if (now_ns - it->second.start_ns > options_.expiry_ns) {
      ++counters(it->first.direction).expired;
      open_.erase(it++);
    } else {
      ++it;
    }
  }
}

void LatencyMatcher::finish() {
  sweep(last_ns_);
  for (const auto& [key, chain] : open_)
    ++counters(key.direction).unmatched_starts;
  open_.clear();
}

}  // namespace rlisim::models::container
