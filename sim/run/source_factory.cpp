#include "sim/run/source_factory.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "traces/analysis/size_mix_spec.hpp"
#include "traces/pcap/pcap_reader.hpp"
#include "traces/synthetic/flow_generator.hpp"
#include "traces/synthetic/on_off_source.hpp"
#include "traces/synthetic/poisson_source.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::run {
namespace {

// Shifts a source in time (a generator that starts later than time 0).
class DelayedSource final : public core::PacketSource {
 public:
  DelayedSource(std::unique_ptr<core::PacketSource> inner, core::Time offset)
      : inner_(std::move(inner)), offset_(offset) {}
  bool next(core::Packet& out) override {
    if (!inner_->next(out))
      return false;
    out.arrival += offset_;
    return true;
  }
  std::string describe() const override {
    return fmt::format("{} from {}", inner_->describe(), core::format_duration(offset_));
  }
  std::optional<double> progress() const override { return inner_->progress(); }
  std::vector<std::pair<std::string, std::uint64_t>> summary_counters() const override {
    return inner_->summary_counters();
  }

 private:
  std::unique_ptr<core::PacketSource> inner_;
  core::Time offset_;
};

traces::Reorder reorder_of(config::ReorderPolicy p) {
  switch (p) {
    case config::ReorderPolicy::kSort:
      return traces::Reorder::kSort;
    case config::ReorderPolicy::kClamp:
      return traces::Reorder::kClamp;
    case config::ReorderPolicy::kError:
      break;
  }
  return traces::Reorder::kError;
}

traces::CrossTrafficConfig cross_config(const config::SourceSpec& spec, std::uint64_t seed) {
  if (!spec.duration) {
    throw core::ConfigError(
        fmt::format("{} source: 'duration' is required (how long the cross traffic lasts)",
                    to_string(spec.kind)));
  }
  traces::CrossTrafficConfig c;
  c.seed = seed;
  c.rate = *spec.rate;
  c.duration = *spec.duration;
  c.start_offset = spec.start;
  c.flows = static_cast<std::uint32_t>(spec.flows);
  if (spec.size_mix)
    c.size_mix = traces::size_mix_from_spec(*spec.size_mix);
  return c;
}

}  // namespace

std::uint64_t source_seed(std::uint64_t experiment_seed, std::size_t index) {
  return core::mix64(core::mix64(experiment_seed) + 0x51ed270b27a4f1b3ULL * (index + 1));
}

std::unique_ptr<core::PacketSource> make_source(const config::SourceSpec& spec,
                                                std::uint64_t seed) {
  switch (spec.kind) {
    case config::SourceKind::kPcap: {
      traces::PcapReaderOptions options;
      options.reorder = reorder_of(spec.reorder);
      options.sort_window = core::TraceTime{spec.reorder_window.count() / 1000};
      if (spec.max_gap)
        options.max_gap = core::TraceTime{spec.max_gap->count() / 1000};
      return traces::open_trace(spec.path, options);
    }
    case config::SourceKind::kSynthetic: {
      auto config = spec.traffic ? *spec.traffic : traces::profile(spec.profile);
      config.seed = seed;
      if (spec.rate)
        config.rate = *spec.rate;
      if (spec.duration)
        config.duration = *spec.duration;
      if (spec.size_mix)
        config.size_mix = traces::size_mix_from_spec(*spec.size_mix);
      traces::validate(config);
      auto generator = std::make_unique<traces::FlowGenerator>(std::move(config));
      if (spec.start.count() == 0)
        return generator;
      return std::make_unique<DelayedSource>(std::move(generator), spec.start);
    }
    case config::SourceKind::kPoisson:
      return std::make_unique<traces::PoissonSource>(cross_config(spec, seed));
    case config::SourceKind::kOnOff: {
      traces::OnOffConfig on_off;
      on_off.alpha_on = spec.on_alpha;
      on_off.alpha_off = spec.off_alpha;
      on_off.mean_on = spec.on_mean;
      on_off.mean_off = spec.off_mean;
      return std::make_unique<traces::OnOffSource>(cross_config(spec, seed), on_off);
    }
  }
  throw core::ConfigError("unknown source kind");
}

std::vector<std::unique_ptr<core::PacketSource>> make_sources(
    const config::ExperimentConfig& config, const std::vector<config::SourceSpec>& extra) {
  std::vector<std::unique_ptr<core::PacketSource>> sources;
  std::size_t index = 0;
  for (const auto* list : {&config.sources, &extra}) {
    for (const auto& spec : *list) {
      try {
        sources.push_back(make_source(spec, source_seed(config.seed, index)));
      } catch (const core::ConfigError& e) {
        throw core::ConfigError(fmt::format("{}: source[{}]: {}", config.file, index, e.what()));
      }
      ++index;
    }
  }
  return sources;
}

}  // namespace rlisim::run
