#include "sim/config/mace_scenarios.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/config/embedded_data.hpp"
#include "sim/config/toml_section.hpp"
#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"

namespace rlisim::config {
namespace {

constexpr std::string_view kTags[] = {"primary:", "derived:", "reported:", "model:"};

/// One [section] of the file: every value is required and must have a tagged entry in
/// [section.source]; finish() checks the source table against the values read.
class Section {
 public:
  Section(TomlSection& top, std::string name, MaceScenarios& out) : name_(std::move(name)) {
    auto s = top.table(name_);
    if (!s)
      top.fail(name_, fmt::format("missing [{}] table", name_));
    section_.emplace(std::move(*s));
    out_ = &out;
  }

  void number(std::string_view key, double min, double max, double& value) {
    const auto v = section_->number(key, min, max);
    if (!v)
      section_->fail(key, fmt::format("missing (a number in [{}, {}])", min, max));
    value = *v;
    read_.emplace_back(key);
  }
  template <typename Int>
  void integer(std::string_view key, std::int64_t min, std::int64_t max, Int& value) {
    const auto v = section_->integer(key, min, max);
    if (!v)
      section_->fail(key, fmt::format("missing (an integer in [{}, {}])", min, max));
    value = static_cast<Int>(*v);
    read_.emplace_back(key);
  }
  std::vector<std::vector<double>> rows(std::string_view key, std::size_t width) {
    auto v = section_->number_rows(key, width);
    if (!v || v->empty())
      section_->fail(key, fmt::format("missing (an array of [{} numbers] rows)", width));
    read_.emplace_back(key);
    return std::move(*v);
  }
  [[noreturn]] void fail(std::string_view key, const std::string& what) const {
    section_->fail(key, what);
  }

  /// Reads [name.source] and rejects unknown keys.
  void finish() {
    auto src = section_->table("source");
    if (!src)
      section_->fail("source", fmt::format("missing [{}.source] table", name_));
    for (const auto& key : src->keys()) {
      if (std::find(read_.begin(), read_.end(), key) == read_.end())
        src->fail(key, fmt::format("unknown value (expected one of {})", fmt::join(read_, ", ")));
      const auto text = src->string(key);
      if (!text)
        src->fail(key, "expected a string \"tag: basis\"");
      const bool tagged = std::any_of(std::begin(kTags), std::end(kTags),
                                      [&](std::string_view tag) { return text->starts_with(tag); });
      if (!tagged) {
        src->fail(key,
                  "expected \"primary: ...\", \"derived: ...\", \"reported: ...\" or "
                  "\"model: ...\"");
      }
      out_->sources.emplace(fmt::format("{}.{}", name_, key), *text);
    }
    for (const auto& key : read_) {
      if (!out_->sources.contains(fmt::format("{}.{}", name_, key)))
        src->fail(key, "missing source (every value needs \"tag: basis\")");
    }
    src->finish();
    section_->finish();
  }

 private:
  std::string name_;
  std::optional<TomlSection> section_;
  MaceScenarios* out_ = nullptr;
  std::vector<std::string> read_;
};
// [neighbours]: contention and the tail probabilities, by N neighbours for ingress.
void read_neighbours(TomlSection& top, MaceScenarios& m) {
  Section s(top, "neighbours", m);
  s.number("contention_traced_us", 0, 1e3, m.contention_traced_us);
  s.integer("contention_max_neighbours", 0, 1'000'000, m.contention_max_neighbours);
  s.number("egress_tail_single", 0, 1, m.egress_tail_single);
  s.number("egress_tail_many", 0, 1, m.egress_tail_many);
  m.ingress_tail.clear();
  for (const auto& r : s.rows("ingress_tail", 2)) {
    if (r[0] < 0 || r[0] != std::floor(r[0]) || r[1] < 0 || r[1] > 1)
      s.fail("ingress_tail", "expected rows [largest N (an integer >= 0), p_tail in [0, 1]]");
    if (!m.ingress_tail.empty() && r[0] <= m.ingress_tail.back().first)
      s.fail("ingress_tail", "expected rows in increasing N");
    m.ingress_tail.emplace_back(static_cast<int>(r[0]), r[1]);
  }
  s.finish();
}

// [r5]: GRO and the background loads with their slow fractions.
void read_r5(TomlSection& top, MaceScenarios& m) {
  Section s(top, "r5", m);
  s.integer("gro_max_bytes", 1, 1 << 24, m.gro_max_bytes);
  s.integer("gro_mss_bytes", 1, m.gro_max_bytes, m.gro_mss_bytes);
  s.number("background_wire_bytes", 1, 1e6, m.background_wire_bytes);
  m.background_loads.clear();
  for (const auto& r : s.rows("loads", 3)) {
    if (r[0] <= 0 || r[1] < 0 || r[1] > 1 || r[2] < 0 || r[2] > 1)
      s.fail("loads", "expected rows [bit/s > 0, native slow fraction, container slow fraction]");
    m.background_loads.push_back({r[0], r[1], r[2]});
  }
  s.finish();
}

}  // namespace

double MaceScenarios::ingress_tail_for(int n) const {
  for (const auto& [max_n, p] : ingress_tail) {
    if (n <= max_n)
      return p;
  }
  return ingress_tail.empty() ? 0.0 : ingress_tail.back().second;
}

MaceScenarios parse_mace_scenarios(std::string_view text, const std::string& name) {
  const toml::table root = parse_toml(text, name);
  TomlSection top(root, "", name);
  MaceScenarios m;
  m.file = name;
  {
    Section s(top, "host", m);
    s.integer("cpus", 1, 4096, m.cpus);
    s.finish();
  }
  {
    Section s(top, "native", m);
    s.number("hot_floor_us", 0, 1e4, m.hot_floor_us);
    s.number("hot_scale_us", 0, 1e4, m.hot_scale_us);
    s.number("hot_sigma", 0, 5, m.hot_sigma);
    s.number("slow_shift_us", 0, 1e5, m.slow_shift_us);
    s.number("fig5_mean_us", 0, 1e5, m.fig5_mean_us);
    s.number("fig5_mode_us", 0, 1e5, m.fig5_mode_us);
    s.number("fig5_sd_us", 0, 1e5, m.fig5_sd_us);
    s.number("idle_slow_native", 0, 1, m.idle_slow_native);
    s.number("idle_slow_container", 0, 1, m.idle_slow_container);
    s.finish();
  }
  {
    Section s(top, "tracing", m);
    s.number("inflation", 1, 100, m.inflation);
    s.number("service_traced_ratio", 1, 100, m.service_traced_ratio);
    s.number("trace_pipe_low_us", 0, 1e5, m.trace_pipe_low_us);
    s.number("trace_pipe_high_us", m.trace_pipe_low_us, 1e5, m.trace_pipe_high_us);
    s.finish();
  }
  read_neighbours(top, m);
  {
    Section s(top, "r2", m);
    s.number("veth_egress_us", 0, 1e4, m.veth_egress_us);
    s.number("veth_ingress_us", 0, 1e4, m.veth_ingress_us);
    s.finish();
  }
  {
    Section s(top, "r3", m);
    s.number("app_cv", 0, 10, m.app_cv);
    s.number("calibration_shift_us", 0, 1e4, m.r3_calibration_shift_us);
    s.number("hot_shift_us", 0, m.r3_calibration_shift_us, m.r3_hot_shift_us);
    s.finish();
  }
  read_r5(top, m);
  {
    Section s(top, "fig5", m);
    s.number("ftrace_low_us", 0, 1e4, m.ftrace_low_us);
    s.number("ftrace_high_us", m.ftrace_low_us, 1e4, m.ftrace_high_us);
    s.number("reader_on_probe_cpu", 0, 1, m.reader_on_probe_cpu);
    s.number("path_median_inner_us", 0, 1e4, m.path_median_inner_us);
    s.number("path_median_max_dev_us", m.path_median_inner_us, 1e4, m.path_median_max_dev_us);
    s.number("path_median_syscalls_us", m.path_median_inner_us, 1e4, m.path_median_syscalls_us);
    s.finish();
  }
  top.finish();
  return m;
}

MaceScenarios load_mace_scenarios(const std::string& path) {
  return parse_mace_scenarios(core::read_text_file(path, "MACE scenarios file"), path);
}

MaceScenarios default_mace_scenarios() {
  return parse_mace_scenarios(embedded::kMaceScenarios,
                              "configs/container/mace-scenarios.toml (built in)");
}

}  // namespace rlisim::config
