#include "traces/synthetic/size_mix.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::traces {
namespace {

struct NamedMix {
  std::string_view name;
  std::vector<SizeMix::Entry> entries;
};

const std::vector<NamedMix>& named_mixes() {
  static const std::vector<NamedMix> kMixes = {
      {"caida2018", {{40, 0.30}, {576, 0.10}, {1500, 0.60}}},
      {"trimodal", {{40, 0.50}, {576, 0.25}, {1500, 0.25}}},
      {"imix", {{40, 7.0}, {576, 4.0}, {1500, 1.0}}},
  };
  return kMixes;
}

void check_size(std::uint32_t size, std::string_view what) {
  if (size < SizeMix::kMinWireBytes || size > SizeMix::kMaxWireBytes) {
    throw core::ConfigError(fmt::format(
        "size mix: {} has a packet size of {} B; expected a wire size in [{}, {}] B (an IPv4 "
        "header is 20 B and the total-length field caps a packet at 65535 B)",
        what, size, SizeMix::kMinWireBytes, SizeMix::kMaxWireBytes));
  }
}

}  // namespace

SizeMix::SizeMix() : SizeMix(named("caida2018")) {}

SizeMix::SizeMix(std::vector<Entry> entries, std::string name) : name_(std::move(name)) {
  if (entries.empty()) {
    throw core::ConfigError("size mix: no sizes given; expected at least one (size, weight)");
  }
  double total = 0;
  for (const Entry& e : entries) {
    check_size(e.wire_bytes, "an entry");
    if (!std::isfinite(e.probability) || e.probability < 0) {
      throw core::ConfigError(
          fmt::format("size mix: the weight of size {} B is {}; expected a finite number >= 0",
                      e.wire_bytes, e.probability));
    }
    total += e.probability;
  }
  if (!(total > 0)) {
    throw core::ConfigError("size mix: all weights are zero; expected a positive total weight");
  }
  // Weights that already sum to 1 up to rounding (a printed mix read back) are kept as they
  // are: dividing by such a total moves them by an ulp on every print and read.
  if (std::abs(total - 1.0) <= 1e-9)
    total = 1.0;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.wire_bytes < b.wire_bytes; });
  for (const Entry& e : entries) {
    if (e.probability == 0)
      continue;
    if (!entries_.empty() && entries_.back().wire_bytes == e.wire_bytes) {
      entries_.back().probability += e.probability / total;
    } else {
      entries_.push_back({e.wire_bytes, e.probability / total});
    }
  }
  build();
}

void SizeMix::build() {
  mean_ = 0;
  second_moment_ = 0;
  for (const Entry& e : entries_) {
    const double s = e.wire_bytes;
    mean_ += e.probability * s;
    second_moment_ += e.probability * s * s;
  }
  // Walker / Vose alias table: column i keeps its own size with probability keep, else yields
  // `other`. Small and large columns are paired in index order, so the table is deterministic.
  const std::size_t n = entries_.size();
  alias_.assign(n, AliasColumn{});
  std::vector<double> scaled(n);
  std::vector<std::size_t> small;
  std::vector<std::size_t> large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = entries_[i].probability * static_cast<double>(n);
    alias_[i].size = entries_[i].wire_bytes;
    alias_[i].other = entries_[i].wire_bytes;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    const std::size_t s = small.back();
    small.pop_back();
    const std::size_t l = large.back();
    alias_[s].keep = scaled[s];
    alias_[s].other = entries_[l].wire_bytes;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding: they keep their own size.
  for (std::size_t i : small)
    alias_[i].keep = 1.0;
  for (std::size_t i : large)
    alias_[i].keep = 1.0;
}

SizeMix SizeMix::named(std::string_view name) {
  for (const NamedMix& m : named_mixes()) {
    if (m.name == name) {
      return SizeMix(m.entries, std::string(name));
    }
  }
  throw core::ConfigError(fmt::format("size mix: unknown name '{}'; expected one of: {}", name,
                                      fmt::join(names(), ", ")));
}

std::vector<std::string_view> SizeMix::names() {
  std::vector<std::string_view> out;
  for (const NamedMix& m : named_mixes())
    out.push_back(m.name);
  return out;
}

SizeMix SizeMix::from_histogram(const std::map<std::uint32_t, std::uint64_t>& counts) {
  std::vector<Entry> entries;
  entries.reserve(counts.size());
  std::uint64_t packets = 0;
  for (const auto& [size, count] : counts) {
    check_size(size, "the histogram");
    packets += count;
    entries.push_back({size, static_cast<double>(count)});
  }
  if (packets == 0) {
    throw core::ConfigError(
        "size mix: the histogram holds no packets; expected at least one observed size");
  }
  return SizeMix(std::move(entries), fmt::format("empirical({} packets)", packets));
}

SizeMix SizeMix::from_sizes(std::span<const std::uint32_t> sizes) {
  std::map<std::uint32_t, std::uint64_t> counts;
  for (std::uint32_t s : sizes)
    ++counts[s];
  return from_histogram(counts);
}

SizeMix SizeMix::with_min_size(std::uint32_t min_bytes) const {
  check_size(min_bytes, "with_min_size");
  std::vector<Entry> raised = entries_;
  for (Entry& e : raised)
    e.wire_bytes = std::max(e.wire_bytes, min_bytes);
  return SizeMix(std::move(raised), fmt::format("{} (min {} B)", name_, min_bytes));
}

std::uint32_t SizeMix::sample(std::mt19937_64& rng) const {
  return sample(core::uniform01(rng));
}

double SizeMix::probability(std::uint32_t wire_bytes) const {
  const auto it =
      std::lower_bound(entries_.begin(), entries_.end(), wire_bytes,
                       [](const Entry& e, std::uint32_t s) { return e.wire_bytes < s; });
  return (it != entries_.end() && it->wire_bytes == wire_bytes) ? it->probability : 0.0;
}

std::string SizeMix::describe() const {
  return fmt::format("{} ({} size{}, mean {:.1f} B)", name_, entries_.size(),
                     entries_.size() == 1 ? "" : "s", mean_);
}

}  // namespace rlisim::traces
