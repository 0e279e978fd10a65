#include "sim/config/rli_config.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"

namespace rlisim::config {
namespace {

namespace rli = models::rli;

// A signed duration: "-2us", "1.5ms" (durations elsewhere are non-negative).
core::Time signed_duration(TomlSection& s, std::string_view key) {
  const auto text = s.string(key);
  if (!text)
    return {};
  const bool negative = !text->empty() && text->front() == '-';
  const auto value = core::try_parse_duration(negative ? std::string_view(*text).substr(1) : *text);
  if (!value) {
    s.fail(key,
           fmt::format("expected a duration such as \"-2us\" or \"500ns\", got \"{}\"", *text));
  }
  return negative ? -*value : *value;
}

// The adaptive policy's utilization-to-n table: a preset by name or explicit rows, by default
// the preset "fewer-at-high-load".
void read_adaptive_table(TomlSection& s, RliSpec& spec) {
  rli::ReferencePolicyConfig& policy = spec.policy;
  const auto preset = s.string("preset");
  const auto table = s.number_rows("table", 2);
  if (preset && table)
    s.fail("table", "give either 'preset' or 'table', not both");
  if (preset) {
    try {
      policy.table = rli::preset_table(*preset);
    } catch (const std::invalid_argument& e) {
      s.fail("preset", e.what());
    }
    spec.preset = rli::canonical_preset_name(*preset);
  } else if (table) {
    for (const auto& row : *table) {
      if (row[1] < 1 || row[1] > 1e9 ||
          row[1] != static_cast<double>(static_cast<std::int64_t>(row[1])))
        s.fail("table",
               fmt::format("expected n as an integer >= 1 in each [utilization, n] row, got {}",
                           row[1]));
      policy.table.push_back({row[0], static_cast<std::uint32_t>(row[1])});
    }
  } else if (policy.kind == rli::PolicyKind::kAdaptive) {
    policy.table = rli::preset_table("fewer-at-high-load");
    spec.preset = "fewer-at-high-load";
  }
  if (policy.kind != rli::PolicyKind::kAdaptive && (preset || table))
    s.fail(preset ? "preset" : "table", "applies only to policy = \"adaptive\"");
}

// The reference policy: which one, the keys of that policy (a key of another would be ignored
// silently, so it is rejected), and the limits shared by all.
void read_policy(TomlSection& s, RliSpec& spec, std::uint64_t seed) {
  rli::ReferencePolicyConfig& policy = spec.policy;
  policy.seed = seed;
  const auto kind = s.choice("policy", {"static", "periodic", "adaptive"}).value_or("static");
  policy.kind = kind == "static"     ? rli::PolicyKind::kStatic
                : kind == "periodic" ? rli::PolicyKind::kPeriodic
                                     : rli::PolicyKind::kAdaptive;
  const auto only_for = [&](std::string_view key, rli::PolicyKind k, std::string_view name) {
    if (policy.kind != k)
      s.fail(key, fmt::format("applies only to policy = \"{}\"", name));
  };
  if (auto n = s.integer("n", 1, 1'000'000'000)) {
    only_for("n", rli::PolicyKind::kStatic, "static");
    policy.n = static_cast<std::uint32_t>(*n);
  }
  if (auto p = s.duration("period")) {
    only_for("period", rli::PolicyKind::kPeriodic, "periodic");
    if (p->count() <= 0)
      s.fail("period", "expected a positive duration");
    // Every period costs a reference on every port, whatever the traffic: below 100 ns the
    // references alone are tens of millions of packets per second of simulated time.
    constexpr std::int64_t kMinPeriodPs = 100'000;
    if (p->count() < kMinPeriodPs)
      s.fail("period",
             fmt::format("expected at least 100ns, got {}: {:.3g} references per second "
                         "on each port",
                         core::format_duration(*p), 1e12 / static_cast<double>(p->count())));
    policy.period = *p;
  }
  if (auto j = s.number("jitter", 0, 0.999999)) {
    only_for("jitter", rli::PolicyKind::kPeriodic, "periodic");
    policy.jitter = *j;
  }
  read_adaptive_table(s, spec);

  if (auto i = s.boolean("interpolate_table")) {
    only_for("interpolate_table", rli::PolicyKind::kAdaptive, "adaptive");
    policy.interpolate = *i;
  }
  if (auto w = s.duration("window")) {
    only_for("window", rli::PolicyKind::kAdaptive, "adaptive");
    if (w->count() <= 0)
      s.fail("window", "expected a positive duration");
    policy.window = *w;
  }
  if (auto e = s.number("ewma_weight", 1e-9, 1.0)) {
    only_for("ewma_weight", rli::PolicyKind::kAdaptive, "adaptive");
    policy.ewma_weight = *e;
  }
  if (auto m = s.number("max_byte_share", 1e-9, 1.0))
    policy.max_byte_share = *m;
  if (auto b = s.bytes("reference_bytes")) {
    if (b->value < 1 || b->value > 65535)
      s.fail("reference_bytes", "expected a size in [1, 65535] bytes");
    policy.reference_bytes = static_cast<std::uint32_t>(b->value);
  }
  try {
    rli::validate(policy);
  } catch (const std::invalid_argument& e) {
    s.fail(policy.kind == rli::PolicyKind::kAdaptive ? "table" : "policy", e.what());
  }
}

void read_receiver(TomlSection& s, RliSpec& spec, std::size_t port_count) {
  rli::ReceiverConfig& receiver = spec.receiver;
  if (auto m = s.choice("interpolation", {"linear", "left", "nearest", "mean"})) {
    receiver.interpolation = *m == "linear"    ? rli::Interpolation::kLinear
                             : *m == "left"    ? rli::Interpolation::kLeft
                             : *m == "nearest" ? rli::Interpolation::kNearest
                                               : rli::Interpolation::kMean;
  }
  if (auto b = s.choice("boundary", {"nearest", "exclude"}))
    receiver.boundary =
        *b == "nearest" ? rli::BoundaryPolicy::kNearest : rli::BoundaryPolicy::kExclude;
  // "both" (the default) runs the paper's receiver and the corrected one on the same references.
  spec.corrected_twin = true;
  if (const auto* node = s.any("serialization_correction")) {
    if (const auto* b = node->as_boolean()) {
      receiver.serialization_correction = b->get();
      spec.corrected_twin = false;
    } else if (const auto* text = node->as_string(); !text || text->get() != "both") {
      s.fail("serialization_correction", "expected true, false or \"both\"");
    }
  }
  if (auto l = s.integer("buffer_limit", 1, 1 << 30))
    receiver.buffer_limit = static_cast<std::uint32_t>(*l);
  if (auto r = s.duration("sender_resolution"))
    receiver.clock.sender_resolution = *r;
  if (auto r = s.duration("receiver_resolution"))
    receiver.clock.receiver_resolution = *r;
  receiver.clock.offset = signed_duration(s, "clock_offset");
  if (auto d = s.number("clock_drift_ppm", -1e5, 1e5))
    receiver.clock.drift_ppm = *d;
  if (auto ports = s.integers("ports", 0, static_cast<std::int64_t>(port_count) - 1)) {
    for (const auto p : *ports)
      receiver.ports.push_back(static_cast<models::PortId>(p));
  }
}

}  // namespace

RliSpec read_rli(TomlSection& s, std::size_t port_count, std::uint64_t seed) {
  RliSpec spec;
  spec.enabled = s.boolean("enabled").value_or(true);
  read_policy(s, spec, seed);
  read_receiver(s, spec, port_count);
  if (auto i = s.boolean("interference"))
    spec.interference = *i;
  s.finish();
  return spec;
}

}  // namespace rlisim::config
