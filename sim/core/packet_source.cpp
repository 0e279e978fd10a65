#include "sim/core/packet_source.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::core {
namespace {
// std heap algorithms build a max-heap; invert the arrival order to get the earliest on top.
bool later(const Packet& a, const Packet& b) {
  return arrives_before(b, a);
}
}  // namespace

SourceMerger::SourceMerger(std::vector<std::unique_ptr<PacketSource>> sources)
    : sources_(std::move(sources)),
      next_seq_(sources_.size(), 0),
      last_arrival_(sources_.size(), Time::min()) {
  if (sources_.size() > 0xffff)
    throw ConfigError("at most 65535 packet sources are supported");
  heap_.reserve(sources_.size());
  if (sources_.size() > 1) {
    for (std::size_t i = 0; i < sources_.size(); ++i)
      refill(i);
  }
}

bool SourceMerger::pull(std::size_t index, Packet& out) {
  if (!sources_[index]->next(out))
    return false;
  // A source must be time-ordered: the merge is only correct over sorted streams.
  if (out.arrival < last_arrival_[index]) {
    throw TraceError(fmt::format("{}: packet {} at {} ps precedes the previous one at {} ps",
                                 sources_[index]->describe(), next_seq_[index], out.arrival.count(),
                                 last_arrival_[index].count()));
  }
  last_arrival_[index] = out.arrival;
  out.source = static_cast<std::uint16_t>(index);
  out.seq = next_seq_[index]++;
  return true;
}

void SourceMerger::refill(std::size_t index) {
  Packet p;
  if (!pull(index, p))
    return;
  heap_.push_back(p);
  std::push_heap(heap_.begin(), heap_.end(), later);
}

bool SourceMerger::next(Packet& out) {
  // One source needs no heap: read straight through (the common trace-replay case).
  if (sources_.size() == 1)
    return pull(0, out);
  if (deferred_error_)
    std::rethrow_exception(std::exchange(deferred_error_, nullptr));
  if (heap_.empty())
    return false;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  out = heap_.back();
  heap_.pop_back();
  try {
    refill(out.source);
  } catch (const TraceError&) {
    // `out` was read before the defect: deliver it, and report the error on the next call.
    deferred_error_ = std::current_exception();
  }
  return true;
}

std::string SourceMerger::describe() const {
  std::string s = "merge(";
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (i)
      s += ", ";
    s += sources_[i]->describe();
  }
  return s + ")";
}

std::optional<double> SourceMerger::progress() const {
  // The least advanced source bounds the overall progress.
  std::optional<double> worst;
  for (const auto& s : sources_) {
    if (auto p = s->progress())
      worst = worst ? std::min(*worst, *p) : *p;
  }
  return worst;
}

}  // namespace rlisim::core
