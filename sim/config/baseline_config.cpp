#include "sim/config/baseline_config.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "models/lda/lda.hpp"
#include "models/netflow/netflow.hpp"
#include "models/trajectory/trajectory.hpp"

namespace rlisim::config {
namespace {

constexpr std::int64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();
// Sampling probabilities below this would sample nothing in any trace rlisim can hold.
constexpr double kMinProbability = 1e-12;

std::uint64_t read_seed(TomlSection& s, std::uint64_t experiment_seed) {
  const auto seed = s.integer("seed", 0, kMaxSeed);
  return seed ? static_cast<std::uint64_t>(*seed) : default_sampling_seed(experiment_seed);
}

core::Time positive_duration(TomlSection& s, std::string_view key, core::Time fallback) {
  const auto d = s.duration(key);
  if (d && d->count() <= 0)
    s.fail(key, "expected a positive duration");
  return d.value_or(fallback);
}

// Runs the model's own validation (cross-field rules) and reports a failure against `key`.
template <typename Config>
void validate(TomlSection& s, const Config& config, std::string_view key) {
  try {
    config.validate();
  } catch (const std::invalid_argument& e) {
    s.fail(key, e.what());
  }
}

template <typename Estimator, typename Config>
EstimatorSpec spec_of(std::string name, const Config& config) {
  return EstimatorSpec{.name = std::move(name),
                       .make = [config] { return std::make_unique<Estimator>(config); }};
}

// Ends reading a table: rejects unknown keys, runs the model's own validation (reported
// against `key`), and returns the estimator to build unless the table disabled it.
template <typename Estimator, typename Config>
std::vector<EstimatorSpec> finish_reading(TomlSection& s, bool enabled, const Config& config,
                                          std::string_view key, std::string name) {
  s.finish();
  validate(s, config, key);
  if (!enabled)
    return {};
  return {spec_of<Estimator>(std::move(name), config)};
}

// The keys every NetFlow table shares (record timeouts and the hash seed).
models::netflow::NetflowConfig read_record_keys(TomlSection& s, std::uint64_t experiment_seed) {
  models::netflow::NetflowConfig c;
  c.active_timeout = positive_duration(s, "active_timeout", c.active_timeout);
  c.inactive_timeout = positive_duration(s, "inactive_timeout", c.inactive_timeout);
  c.seed = read_seed(s, experiment_seed);
  return c;
}

// [netflow] and [multiflow]: consistent NetFlow.
models::netflow::NetflowConfig read_netflow_table(TomlSection& s, std::uint64_t experiment_seed) {
  models::netflow::NetflowConfig c = read_record_keys(s, experiment_seed);
  c.flow_sampling = s.number("flow_sampling", kMinProbability, 1.0).value_or(c.flow_sampling);
  if (auto l = s.choice("lossy_pairs", {"discard", "use"})) {
    c.lossy_pairs =
        *l == "use" ? models::netflow::LossyPairs::kUse : models::netflow::LossyPairs::kDiscard;
  }
  return c;
}

}  // namespace

std::vector<EstimatorSpec> read_lda(TomlSection& s, std::uint64_t experiment_seed) {
  const bool enabled = s.boolean("enabled").value_or(true);
  models::lda::LdaConfig c;
  if (auto m = s.integer("buckets", 1, 1 << 24))
    c.buckets = static_cast<std::uint32_t>(*m);
  const auto rates = s.numbers("design_loss_rates", 0.0, 0.999999);
  const auto sampling = s.numbers("sampling", kMinProbability, 1.0);
  if (rates && sampling)
    s.fail("sampling", "give either design_loss_rates (the sampling rule) or sampling, not both");
  if (rates) {
    if (rates->empty())
      s.fail("design_loss_rates", "expected at least one bank");
    c.design_loss_rates = *rates;
  }
  if (sampling) {
    if (sampling->empty())
      s.fail("sampling", "expected at least one bank");
    c.sampling = *sampling;
  }
  c.a = s.number("a", 1e-6, 10.0).value_or(c.a);
  c.interval = positive_duration(s, "interval", c.interval);
  if (auto n = s.integer("expected_packets", 1, kMaxSeed))
    c.expected_packets = static_cast<std::uint64_t>(*n);
  if (auto b = s.choice("bank_choice", {"most_usable", "combine"})) {
    c.bank_choice =
        *b == "combine" ? models::lda::BankChoice::kCombine : models::lda::BankChoice::kMostUsable;
  }
  if (auto m = s.choice("std_method", {"centered", "second_moment"})) {
    c.std_method = *m == "centered" ? models::lda::StdMethod::kCentered
                                    : models::lda::StdMethod::kSecondMoment;
  }
  c.seed = read_seed(s, experiment_seed);
  return finish_reading<models::lda::Lda>(s, enabled, c, "buckets", "lda");
}

std::vector<EstimatorSpec> read_netflow(TomlSection& s, std::uint64_t experiment_seed) {
  const bool enabled = s.boolean("enabled").value_or(true);
  const auto c = read_netflow_table(s, experiment_seed);
  return finish_reading<models::netflow::NaiveNetflow>(s, enabled, c, "flow_sampling", "netflow");
}

std::vector<EstimatorSpec> read_multiflow(TomlSection& s, std::uint64_t experiment_seed) {
  const bool enabled = s.boolean("enabled").value_or(true);
  auto c = read_netflow_table(s, experiment_seed);
  if (auto p = s.choice("pool", {"mean", "interpolate", "nearest"})) {
    using models::netflow::MultiflowPool;
    c.pool = *p == "mean"          ? MultiflowPool::kMean
             : *p == "interpolate" ? MultiflowPool::kInterpolate
                                   : MultiflowPool::kNearest;
  }
  return finish_reading<models::netflow::Multiflow>(s, enabled, c, "flow_sampling", "multiflow");
}

std::vector<EstimatorSpec> read_sampled_netflow(TomlSection& s, std::uint64_t experiment_seed) {
  const bool enabled = s.boolean("enabled").value_or(true);
  models::netflow::NetflowConfig c = read_record_keys(s, experiment_seed);
  c.lossy_pairs = models::netflow::LossyPairs::kUse;
  std::vector<std::int64_t> rates = {100, 1000};
  if (auto r = s.integers("packet_sampling", 2, std::numeric_limits<std::uint32_t>::max())) {
    rates = *r;
    if (rates.empty())
      s.fail("packet_sampling", "expected at least one rate");
    auto sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
      s.fail("packet_sampling", "expected distinct rates (each names one estimator)");
  }
  s.finish();
  std::vector<EstimatorSpec> specs;
  for (const std::int64_t n : rates) {
    c.packet_sampling = static_cast<std::uint32_t>(n);
    validate(s, c, "packet_sampling");
    if (enabled) {
      specs.push_back(spec_of<models::netflow::SampledNetflow>(
          models::netflow::SampledNetflow::name_for(c.packet_sampling), c));
    }
  }
  return specs;
}

std::vector<EstimatorSpec> read_trajectory(TomlSection& s, std::uint64_t experiment_seed) {
  const bool enabled = s.boolean("enabled").value_or(true);
  models::trajectory::TrajectoryConfig c;
  c.probability = s.number("probability", kMinProbability, 1.0).value_or(c.probability);
  c.consistent = s.boolean("consistent").value_or(c.consistent);
  c.seed = read_seed(s, experiment_seed);
  return finish_reading<models::trajectory::TrajectorySampling>(s, enabled, c, "probability",
                                                                "trajectory");
}

}  // namespace rlisim::config
