// `rlisim container fit`: stack-model parameters of one network mode from kernel traces.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/container/event_path.hpp"
#include "models/container/fit.hpp"
#include "sim/config/container_modes.hpp"
#include "sim/container/commands.hpp"
#include "sim/container/measure.hpp"
#include "sim/core/error.hpp"
#include "sim/core/json_text.hpp"
#include "sim/core/output_file.hpp"

namespace rlisim::container {
namespace mc = models::container;
namespace {

struct TraceSamples {
  std::vector<mc::LatencySample> egress, ingress;
};

/// Collects the matcher's packets as fit samples. Each file's clock is rebased to start one
/// second after the previous file's last packet, so that files never interleave (and the first
/// packet of each is cold).
class SampleCollector final : public MeasuredPacketSink {
 public:
  void on_packet(const mc::PacketLatency& p, std::size_t file) override {
    if (file != current_file_) {
      current_file_ = file;
      offset_ = next_offset_ - p.start_ns;
    }
    const std::int64_t rebased = p.start_ns + offset_;
    last_end_ = std::max(last_end_, rebased + p.latency_ns());
    next_offset_ = last_end_ + 1'000'000'000;
    const mc::LatencySample s{core::nanoseconds(rebased), core::nanoseconds(p.latency_ns()), p.cpu};
    (p.direction == mc::Direction::kEgress ? samples.egress : samples.ingress).push_back(s);
  }
  TraceSamples samples;

 private:
  std::size_t current_file_ = static_cast<std::size_t>(-1);
  std::int64_t offset_ = 0, next_offset_ = 0, last_end_ = 0;
};

/// Per-packet latencies of the traces through the kernel-trace matcher.
TraceSamples matched_samples(const ContainerFitArgs& args) {
  MeasureOptions options;
  options.path = mc::builtin_event_path(args.path, args.inner_dev, args.outer_dev);
  options.path.encapsulation_bytes = args.encap_bytes;
  mc::validate_event_path(options.path);
  SampleCollector collector;
  options.packets = &collector;
  measure_container_traces(args.traces, options);
  return std::move(collector.samples);
}

double us(core::Time t) {
  return static_cast<double>(t.count()) * 1e-6;
}

struct DirectionOutcome {
  std::string name;
  std::size_t samples = 0;
  std::optional<mc::DirectionFit> fit;
};

/// Fitted value where identified, the default catalog's value (and source) elsewhere.
void merge_direction(const DirectionOutcome& d, const std::string& basis,
                     const config::ContainerModeEntry& defaults, mc::DirectionParams& out,
                     config::ContainerModeEntry& entry) {
  const auto& dflt = d.name == "egress" ? defaults.params.egress : defaults.params.ingress;
  out = dflt;
  const auto source = [&](const char* key, bool fitted) {
    const auto k = fmt::format("{}.{}", d.name, key);
    if (fitted) {
      entry.sources[k] = fmt::format("fitted: {}", basis);
    } else {
      const auto it = defaults.sources.find(k);
      entry.sources[k] =
          fmt::format("{} [not identifiable from this trace; default kept]",
                      it == defaults.sources.end() ? std::string("model: default") : it->second);
    }
  };
  const bool body = d.fit && d.fit->body_identified;
  const bool cold = d.fit && d.fit->cold_identified;
  const bool tail = d.fit && d.fit->tail_identified;
  const bool service = d.fit && d.fit->service_identified;
  if (body) {
    out.fixed_floor = d.fit->params.fixed_floor;
    out.fixed_median = d.fit->params.fixed_median;
    out.fixed_sigma = d.fit->params.fixed_sigma;
  }
  if (cold) {
    out.cold_extra = d.fit->params.cold_extra;
    out.cold_jitter_sd = d.fit->params.cold_jitter_sd;
  }
  if (tail) {
    out.tail_probability = d.fit->params.tail_probability;
    out.tail_median = d.fit->params.tail_median;
    out.tail_sigma = d.fit->params.tail_sigma;
  }
  if (service) {
    out.service = d.fit->params.service;
    out.service_cv = d.fit->params.service_cv;
  }
  for (const char* k : {"fixed_floor", "fixed_median", "fixed_sigma"})
    source(k, body);
  if (d.fit && d.fit->cold_folded_into_body) {
    out.cold_extra = core::Time{0};
    out.cold_jitter_sd = core::Time{0};
    for (const char* k : {"cold_extra", "cold_jitter_sd"}) {
      entry.sources[fmt::format("{}.{}", d.name, k)] =
          fmt::format("fitted: 0, folded into F (no hot packets: F is F + C_cold); {}", basis);
    }
  } else {
    for (const char* k : {"cold_extra", "cold_jitter_sd"})
      source(k, cold);
  }
  for (const char* k : {"tail_probability", "tail_median", "tail_sigma"})
    source(k, tail);
  for (const char* k : {"service", "service_cv"})
    source(k, service);
}

void print_fit_text(const std::vector<DirectionOutcome>& dirs,
                    const config::ContainerModeEntry& entry, const ContainerFitArgs& args,
                    std::ostream& out) {
  out << fmt::format(
      "container fit: mode {}, event path {}, {} trace(s), tracing inflation {:g}, "
      "cold gap {:g} us\n",
      args.mode, args.path, args.traces.size(), args.tracing_inflation, args.cold_gap_us);
  for (const auto& d : dirs) {
    out << fmt::format("\n{}: {} samples", d.name, d.samples);
    if (!d.fit) {
      out << " (fewer than 10: nothing fitted, defaults kept)\n";
      continue;
    }
    const auto& f = *d.fit;
    const auto& p = d.name == "egress" ? entry.params.egress : entry.params.ingress;
    out << fmt::format(" ({} cold, {} hot, {} tail, {} queued pairs)\n", f.cold, f.hot, f.tail,
                       f.service_pairs);
    const auto flag = [](bool ok) { return ok ? "" : "  (not identifiable from this trace)"; };
    out << fmt::format("  F     floor {:.3f} us, median {:.3f} us, sigma {:.3f}  [ppcc {:.4f}]{}\n",
                       us(p.fixed_floor), us(p.fixed_median), p.fixed_sigma, f.body_correlation,
                       flag(f.body_identified));
    if (f.cold_folded_into_body)
      out << "  cold  not separable (no hot packets): F above is F + C_cold, C_cold set to 0\n";
    else
      out << fmt::format("  cold  extra {:.3f} us, jitter sd {:.3f} us{}\n", us(p.cold_extra),
                         us(p.cold_jitter_sd), flag(f.cold_identified));
    out << fmt::format("  queue service {:.3f} us, cv {:.3f}{}\n", us(p.service), p.service_cv,
                       flag(f.service_identified));
    out << fmt::format("  tail  p {:.4f}, median {:.3f} us, sigma {:.3f}{}\n", p.tail_probability,
                       us(p.tail_median), p.tail_sigma, flag(f.tail_identified));
    out << fmt::format(
        "  fit   data median {:.3f} us, model median {:.3f} us, KS distance {:.4f}\n",
        us(f.data_median), us(f.model_median), f.ks_distance);
  }
  out << "\nunidentified parameters keep the values of configs/container/modes.toml\n";
}

nlohmann::json direction_json(const mc::DirectionParams& p) {
  return {{"fixed_floor_us", us(p.fixed_floor)},
          {"fixed_median_us", us(p.fixed_median)},
          {"fixed_sigma", p.fixed_sigma},
          {"cold_extra_us", us(p.cold_extra)},
          {"cold_jitter_sd_us", us(p.cold_jitter_sd)},
          {"service_us", us(p.service)},
          {"service_cv", p.service_cv},
          {"tail_probability", p.tail_probability},
          {"tail_median_us", us(p.tail_median)},
          {"tail_sigma", p.tail_sigma}};
}

// The fitted parameters of each direction with what the fit could identify.
nlohmann::json fit_json(const ContainerFitArgs& args, const std::vector<DirectionOutcome>& dirs,
                        const config::ContainerModeEntry& entry) {
  nlohmann::json j;
  j["mode"] = args.mode;
  j["path"] = args.path;
  j["traces"] = args.traces;
  j["tracing_inflation"] = args.tracing_inflation;
  for (const auto& d : dirs) {
    const auto& p = d.name == "egress" ? entry.params.egress : entry.params.ingress;
    nlohmann::json jd = direction_json(p);
    jd["samples"] = d.samples;
    if (d.fit) {
      jd["cold"] = d.fit->cold;
      jd["tail"] = d.fit->tail;
      jd["ks_distance"] = d.fit->ks_distance;
      jd["identified"] = {{"body", d.fit->body_identified},
                          {"cold", d.fit->cold_identified},
                          {"tail", d.fit->tail_identified},
                          {"service", d.fit->service_identified}};
    }
    j[d.name] = jd;
  }
  return j;
}

}  // namespace

int container_fit_command(const ContainerFitArgs& args, std::ostream& out) {
  check_kernel_trace_files(args.traces);
  const auto mode = mc::parse_network_mode(args.mode);
  if (!mode) {
    throw core::ConfigError(fmt::format(
        "--mode: unknown network mode \"{}\" (expected host, bridge, bridge-nat, macvlan, "
        "routed, vxlan or userspace-overlay)",
        args.mode));
  }
  const auto catalog = config::container_modes_with(args.modes);
  const auto* defaults = catalog.find(args.mode);
  if (!defaults)
    throw core::ConfigError(fmt::format("{}: no mode \"{}\"", catalog.file, args.mode));

  const auto samples = matched_samples(args);
  mc::FitOptions options;
  options.cold_gap = core::Time{std::llround(args.cold_gap_us * 1e6)};
  options.tracing_inflation = args.tracing_inflation;

  std::vector<DirectionOutcome> dirs = {{"egress", samples.egress.size(), std::nullopt},
                                        {"ingress", samples.ingress.size(), std::nullopt}};
  for (auto& d : dirs) {
    const auto& v = d.name == "egress" ? samples.egress : samples.ingress;
    if (v.size() >= 10)
      d.fit = mc::fit_direction(v, options);
  }

  std::string files;
  for (const auto& t : args.traces)
    files += (files.empty() ? "" : ", ") + std::filesystem::path(t).filename().string();
  config::ContainerModeEntry entry;
  entry.name = args.mode;
  entry.params = defaults->params;
  entry.params.cold_gap = options.cold_gap;
  entry.sources = defaults->sources;
  entry.sources["cold_gap"] = "model: the gap used to split cold from hot packets in the fit";
  for (const auto& d : dirs) {
    const auto basis =
        fmt::format("{} path {}, {} samples, tracing inflation {:g}, KS {:.3f}", files, args.path,
                    d.samples, args.tracing_inflation, d.fit ? d.fit->ks_distance : 1.0);
    merge_direction(d, basis, *defaults,
                    d.name == "egress" ? entry.params.egress : entry.params.ingress, entry);
  }
  mc::validate(entry.params);

  if (!args.out.empty()) {
    std::ostringstream text;
    text << fmt::format("# Fitted by rlisim container fit from {} (event path {}).\n", files,
                        args.path);
    config::write_container_mode(text, entry);
    core::write_output_file(args.out, "fitted container mode (--out)", text.str());
  }
  if (args.json) {
    out << core::json_text(fit_json(args, dirs, entry)) << '\n';
  } else {
    print_fit_text(dirs, entry, args, out);
    if (!args.out.empty())
      out << fmt::format("wrote {} (use it with --modes, or as a topology's modes_file)\n",
                         args.out);
  }
  return dirs[0].fit || dirs[1].fit ? 0 : 1;
}

}  // namespace rlisim::container
