#pragma once
// Experiment configuration: plain structs with defaults, loaded from TOML and validated.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/estimator_spec.hpp"
#include "sim/config/rli_config.hpp"
#include "sim/config/topology_config.hpp"
#include "sim/core/time.hpp"
#include "sim/core/units.hpp"
#include "sim/net/router.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::config {

enum class SourceKind : std::uint8_t {
  kPcap,       ///< a capture file (pcap, pcapng, .gz, or "-" for stdin)
  kSynthetic,  ///< the CAIDA-like flow generator
  kPoisson,    ///< Poisson cross traffic
  kOnOff,      ///< Pareto ON/OFF cross traffic
};

/// How a pcap source treats timestamps that go backwards.
enum class ReorderPolicy : std::uint8_t { kError, kSort, kClamp };

/// One packet source feeding an ingress interface. Which fields apply depends on `kind`;
/// unset optionals take the generator's or profile's default.
struct SourceSpec {
  SourceKind kind = SourceKind::kSynthetic;
  // pcap
  std::string path;
  ReorderPolicy reorder = ReorderPolicy::kError;
  core::Time reorder_window = core::milliseconds(1);
  /// Idle gaps longer than this are shortened to it (captures with days-long pauses).
  std::optional<core::Time> max_gap;
  // synthetic and cross traffic
  std::string profile = "chic";
  std::optional<core::BitsPerSecond> rate;
  std::optional<core::Time> duration;
  std::optional<std::string> size_mix;
  /// Synthetic sources: the profile (or profile_file) with the table's traffic keys applied;
  /// seed, rate, duration and a named or trace: size_mix are applied when the source is built.
  std::optional<traces::SyntheticTrafficConfig> traffic;
  core::Time start{};
  std::int64_t flows = 1;
  // ON/OFF cross traffic
  core::Time on_mean = core::milliseconds(1);
  core::Time off_mean = core::milliseconds(1);
  double on_alpha = 1.5;
  double off_alpha = 1.5;
};

/// How the egress reaches a target utilization rho. Utilization is always offered bits over
/// the arrival window divided by the port rate, and every mode ends with the rate that makes
/// it exactly rho (or with cross traffic up to rho); the modes differ in what traffic is
/// offered.
enum class UtilizationMode : std::uint8_t {
  /// The sources as configured; each port's rate becomes offered load / rho.
  kScaleRate,
  /// Keep the rate; add cross traffic up to rho.
  kCrossTraffic,
  /// Keep the link near its configured rate C: each synthetic source's rate is first set to
  /// rho * C / (synthetic sources), so more load means more flows on the same link (as on a
  /// real link), then the rate is scaled as in kScaleRate to absorb the generator's deviation
  /// from its nominal rate (about 1 %).
  kScaleSource,
};

struct UtilizationSpec {
  std::optional<double> target;
  UtilizationMode mode = UtilizationMode::kScaleRate;
  SourceKind cross_kind = SourceKind::kPoisson;
  std::string cross_size_mix = "caida2018";
};

/// How per-flow delay quantiles are kept (models::QuantileSketchConfig): exact for the first
/// `exact_packets` delivered packets of a flow, then within `relative_accuracy`; and when a flow
/// ends (models::FlowIndex).
struct TruthSpec {
  bool quantiles = true;
  std::uint32_t exact_packets = 64;
  double relative_accuracy = 0.005;
  /// A flow ends after this long without a packet: a later packet of its 5-tuple starts a new
  /// flow (a new row), and the ended flow's state can be written out and freed. NetFlow's
  /// inactive timeout (15 s) is the model. Zero: flows never end (every flow is held to the
  /// end of the run).
  core::Time flow_timeout = core::seconds(15);
};

/// [compare]: every estimator that has a sampling knob spends the same measurement budget.
struct CompareSpec {
  /// Exact per-packet delay samples per regular packet (sim/run/budget.hpp tells how each
  /// estimator is matched); absent: every estimator as configured.
  std::optional<double> budget;
};

struct ExperimentConfig {
  std::uint64_t seed = 1;
  /// Packets arriving after this time are not simulated (absent: the whole input).
  std::optional<core::Time> duration;
  std::vector<SourceSpec> sources;
  net::RouterConfig router;
  UtilizationSpec utilization;
  TruthSpec truth;
  RliSpec rli;
  /// Tap-only estimators, in registry order.
  std::vector<EstimatorSpec> estimators;
  CompareSpec compare;
  /// [topology]: flows between containers of a topology around the simulated router.
  std::optional<TopologyRunSpec> topology;
  /// The configuration after --set overrides, as TOML and as JSON text (for the echo).
  std::string resolved_toml;
  std::string resolved_json;
  /// Where the configuration came from (for messages and relative paths).
  std::string file;
  /// The folder relative paths resolve against.
  std::string base_dir = ".";
  /// Settings the run derived and applied on top of resolved_toml (with_derived_settings).
  std::vector<std::string> derived_settings;
};

/// Loads and validates `path`, after applying `overrides` ("key.path=value"; array elements as
/// "router.port.0.rate" or "router.port[0].rate"; values parsed as TOML, else taken as strings).
/// Relative pcap paths are resolved against the config file's folder.
/// @throws core::ConfigError naming the file, line and key on any problem.
ExperimentConfig load_config(const std::string& path,
                             const std::vector<std::string>& overrides = {});

/// The same from TOML text (`name` is used in messages; paths resolve against `base_dir`).
ExperimentConfig parse_config(std::string_view text, const std::string& name,
                              const std::vector<std::string>& overrides = {},
                              const std::string& base_dir = ".");

/// The keys that [compare] budget sets: giving one of them as well is an error.
inline constexpr std::string_view kBudgetKeys[] = {
    "rli.n", "trajectory.probability", "netflow.flow_sampling", "multiflow.flow_sampling"};

/// `config` with `overrides` applied ("key=value"): settings a run derives from the
/// configuration and its input (a [compare] budget's sampling knobs, a scale_source target's
/// source rates). Its resolved TOML stays as written, since the same input derives them again.
ExperimentConfig with_derived_settings(const ExperimentConfig& config,
                                       const std::vector<std::string>& overrides);

std::string_view to_string(SourceKind kind);

}  // namespace rlisim::config
