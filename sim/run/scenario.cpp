#include "sim/run/scenario.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <malloc.h>

#include "sim/config/toml_section.hpp"
#include "sim/core/error.hpp"
#include "sim/core/worker_pool.hpp"
#include "sim/net/forwarding.hpp"
#include "sim/run/comparison.hpp"
#include "sim/run/packet_log.hpp"
#include "sim/run/rli_run.hpp"
#include "sim/run/source_factory.hpp"

namespace rlisim::run {
namespace {

// Adds the cross traffic that lifts the default port from its offered load to the target
// (kCrossTraffic mode). Cross traffic must reach that port, so only single forwarding applies.
std::vector<config::SourceSpec> plan_cross_traffic(const config::ExperimentConfig& config,
                                                   const LoadSurvey& survey,
                                                   std::vector<PortTargeting>& targeting) {
  const auto& fwd = config.router.forwarding;
  if (fwd.kind != net::ForwardingKind::kSingle) {
    throw core::ConfigError(fmt::format(
        "{}: utilization.mode = \"cross_traffic\" needs router.forwarding = \"single\" (cross "
        "traffic must reach the target port); use mode = \"scale_rate\" instead",
        config.file));
  }
  const auto port = fwd.default_port;
  const double window_s = core::to_seconds(survey.window());
  const double offered_bps = static_cast<double>(survey.ports[port].bytes) * 8.0 / window_s;
  const double capacity = static_cast<double>(config.router.egress[port].rate.value);
  const double cross_bps = *config.utilization.target * capacity - offered_bps;
  if (cross_bps <= 0) {
    throw core::ConfigError(fmt::format(
        "{}: utilization.target = {} is below the offered load {:.4f} of port {} ({}); lower "
        "the port rate, raise the target or use mode = \"scale_rate\"",
        config.file, *config.utilization.target, offered_bps / capacity, port,
        core::format_rate(offered_bps)));
  }
  targeting[port].cross_rate_bps = cross_bps;
  config::SourceSpec cross;
  cross.kind = config.utilization.cross_kind;
  cross.rate = core::BitsPerSecond{static_cast<std::uint64_t>(std::llround(cross_bps))};
  cross.start = survey.first_arrival;
  cross.duration = survey.window();
  cross.size_mix = config.utilization.cross_size_mix;
  return {cross};
}

}  // namespace

namespace {

// When flows end (FlowIndex::set_timeout), the same for the survey's census and the run.
core::Time flow_timeout(const config::ExperimentConfig& config) {
  // The [topology] columns find each flow by its key after the run, which needs one flow per
  // key: there, flows never end.
  return config.topology ? core::Time{} : config.truth.flow_timeout;
}

}  // namespace

LoadSurvey survey_load(const config::ExperimentConfig& config) {
  LoadSurvey survey;
  survey.ports.resize(config.router.egress.size());
  net::Forwarding forwarding(config.router.forwarding, config.router.egress.size());
  core::SourceMerger merger(make_sources(config));
  // Overlay bytes count toward the offered load ([topology]).
  std::unique_ptr<topology::TopologyTap> topology;
  if (config.topology)
    topology = std::make_unique<topology::TopologyTap>(*config.topology, config.seed);
  // The budget's census: flows as the run will see them (ended after the flow timeout, so
  // that only the active ones are held) and those of one packet (they give one sample).
  models::FlowIndex flows;
  flows.set_timeout(flow_timeout(config));
  models::FlowArray<std::uint8_t> single_packet;  // by flow id: 1 while it has one packet
  const bool census = config.compare.budget.has_value();
  core::Packet p;
  bool first = true;
  try {
    while (merger.next(p)) {
      if (config.duration && p.arrival >= *config.duration)
        break;
      if (first)
        survey.first_arrival = p.arrival;
      first = false;
      survey.last_arrival = p.arrival;
      ++survey.packets;
      if (topology)
        topology->inflate(p);
      auto& load = survey.ports[forwarding.port_for(p.flow)];
      ++load.packets;
      load.bytes += p.wire_bytes;
      if (census) {
        const models::FlowLookup found = flows.lookup(p.flow, p.arrival);
        std::uint8_t& single = single_packet.ensure(found.flow, [] { return std::uint8_t{0}; });
        if (found.starts) {
          single = 1;
          ++survey.census.flows;
          ++survey.census.single_packet_flows;
        } else if (single != 0) {
          single = 0;
          --survey.census.single_packet_flows;
        }
        for (const models::EndedFlow& ended : flows.take_ended())
          flows.release(ended.flow);
      }
    }
  } catch (const core::TraceError&) {
    // Survey what precedes the defect; the run itself meets it again, keeps its results up to
    // there and reports the error.
  }
  if (census)
    survey.census.packets = survey.packets;
  return survey;
}

namespace {

// Meets the utilization target, if any: scales port rates (kScaleRate) or returns the cross
// traffic to add (kCrossTraffic), from a pre-pass over the sources.
std::vector<config::SourceSpec> apply_utilization_target(const config::ExperimentConfig& config,
                                                         const LoadSurvey& survey,
                                                         RunResult& result) {
  const auto target = config.utilization.target;
  if (!target)
    return {};
  if (survey.window().count() <= 0) {
    throw core::ConfigError(fmt::format(
        "{}: utilization.target needs input spread over time; the sources give {} packet(s) "
        "within one instant",
        config.file, survey.packets));
  }
  if (config.utilization.mode == config::UtilizationMode::kCrossTraffic)
    return plan_cross_traffic(config, survey, result.targeting);
  const double window_ps = static_cast<double>(survey.window().count());
  for (std::size_t i = 0; i < survey.ports.size(); ++i) {
    if (survey.ports[i].bytes == 0)
      continue;  // no traffic: keep the configured rate
    const double bps =
        static_cast<double>(survey.ports[i].bytes) * 8.0 * 1e12 / window_ps / *target;
    if (!(bps >= 1000.0 && bps <= static_cast<double>(config::TomlSection::kMaxRate))) {
      throw core::ConfigError(fmt::format(
          "{}: utilization.target = {} would set port {} ('{}') to {}, outside [1 kb/s, "
          "8 Tb/s]; the input carries {} bytes in {}",
          config.file, *target, i, config.router.egress[i].name, core::format_rate(bps),
          survey.ports[i].bytes, core::format_duration(survey.window())));
    }
    result.router.egress[i].rate = core::BitsPerSecond{static_cast<std::uint64_t>(std::ceil(bps))};
    result.targeting[i].rate = result.router.egress[i].rate;
  }
  return {};
}

// Feeds every packet of `merger` to `router` in batches: read kBatch packets, then process
// them, so that the reader (libpcap, stdio, decoding) and the router with its observers each
// run with warm instruction caches and branch predictors (about 5 % faster end to end than
// alternating packet by packet). Order is unchanged. Observers have no prefetch hook:
// prefetching their per-flow state a few packets ahead costs more than it saves (about 1.5 %).
// A trace defect or a time overflow ends the run early with `result.error` set; everything
// before it (including the packets of the batch read before the defect) is kept. After a time
// overflow the sources have read up to kBatch - 1 packets past the one that failed, and their
// counters include those.
void simulate(const config::ExperimentConfig& config, const RunOptions& options,
              core::SourceMerger& merger, net::Router& router, RunResult& result) {
  constexpr std::size_t kBatch = 256;
  std::array<core::Packet, kBatch> batch;
  bool more = true;
  const auto read_batch = [&] {
    std::size_t count = 0;
    while (more && count < kBatch) {
      core::Packet& slot = batch[count];
      try {
        more = merger.next(slot) && !(config.duration && slot.arrival >= *config.duration);
      } catch (const core::TraceError& e) {
        result.error = e.what();
        more = false;
      }
      if (more) {
        if (result.topology)
          result.topology->inflate(slot);  // overlay bytes are on the wire before the router
        ++count;
      }
    }
    return count;
  };
  std::uint64_t n = 0;
  bool stopped = false;
  while (!stopped) {
    const std::size_t count = read_batch();
    if (count == 0)
      break;
    for (std::size_t i = 0; i < count; ++i) {
      const core::Packet& p = batch[i];
      try {
        router.process(p);
      } catch (const std::overflow_error& e) {
        result.error = e.what();
        stopped = true;
        break;
      }
      if (n == 0)
        result.first_arrival = p.arrival;
      result.last_arrival = p.arrival;
      // Checking the clock costs more than a packet; look only every 64 Ki packets.
      if ((++n & 0xffff) == 0 && options.progress) {
        options.progress->update(n, result.last_arrival, merger.progress());
      }
    }
  }
  if (options.progress)
    options.progress->done();
  result.packets = n;
}

// The pre-pass over the sources that a utilization target or a budget needs, if any.
std::optional<LoadSurvey> survey_if_needed(const config::ExperimentConfig& config) {
  const bool target = config.utilization.target.has_value();
  const bool budget = config.compare.budget.has_value();
  if (!target && !budget)
    return std::nullopt;
  for (const auto& spec : config.sources) {
    if (spec.kind == config::SourceKind::kPcap && spec.path == "-") {
      throw core::ConfigError(fmt::format(
          "{}: {} reads the input twice (once to survey it), which standard input cannot do; "
          "give a file path{}",
          config.file, target ? "utilization.target" : "compare.budget",
          target ? " or set the port rate instead" : ""));
    }
  }
  return survey_load(config);
}

// utilization.mode = "scale_source": each synthetic source's rate set to target * C / k for
// the k synthetic sources and the rate C of the port the traffic goes to.
config::ExperimentConfig with_scaled_sources(const config::ExperimentConfig& config) {
  const auto& fwd = config.router.forwarding;
  if (fwd.kind != net::ForwardingKind::kSingle) {
    throw core::ConfigError(fmt::format(
        "{}: utilization.mode = \"scale_source\" needs router.forwarding = \"single\" (the "
        "port whose rate sizes the sources); use mode = \"scale_rate\" instead",
        config.file));
  }
  std::vector<std::size_t> synthetic;
  for (std::size_t i = 0; i < config.sources.size(); ++i) {
    if (config.sources[i].kind == config::SourceKind::kSynthetic)
      synthetic.push_back(i);
  }
  if (synthetic.empty()) {
    throw core::ConfigError(fmt::format(
        "{}: utilization.mode = \"scale_source\" needs a synthetic [[source]] whose rate it "
        "sets; use mode = \"scale_rate\" for captures",
        config.file));
  }
  const double capacity = static_cast<double>(config.router.egress[fwd.default_port].rate.value);
  const double each = *config.utilization.target * capacity / static_cast<double>(synthetic.size());
  std::vector<std::string> overrides;
  for (const auto i : synthetic)
    overrides.push_back(fmt::format("source.{}.rate={}", i, std::llround(each)));
  return config::with_derived_settings(config, overrides);
}

// The configuration as run: sources scaled to the target (scale_source), the budget's settings
// applied; the router's rates after utilization targeting. Returns the cross traffic to add.
std::vector<config::SourceSpec> resolve_run(const config::ExperimentConfig& configured,
                                            RunResult& result) {
  const bool scale_source = configured.utilization.target &&
                            configured.utilization.mode == config::UtilizationMode::kScaleSource;
  const config::ExperimentConfig given =
      scale_source ? with_scaled_sources(configured) : configured;
  const auto survey = survey_if_needed(given);
  if (given.compare.budget)
    result.budget = plan_budget(given, survey->census);
  result.config = result.budget ? apply_budget(given, *result.budget) : given;
  const config::ExperimentConfig& config = result.config;
  result.router = config.router;
  result.targeting.resize(config.router.egress.size());
  for (std::size_t i = 0; i < config.router.egress.size(); ++i) {
    result.targeting[i].configured_rate = config.router.egress[i].rate;
    result.targeting[i].rate = config.router.egress[i].rate;
  }
  // The rates in result.router are final from here on. A buffer given as time (buffer_time)
  // stays time in the configuration and is converted to bytes by each port at this rate
  // (net::buffer_byte_limit, also what summary.json reports), never at the configured rate.
  return survey ? apply_utilization_target(config, *survey, result)
                : std::vector<config::SourceSpec>{};
}

// What watches the router besides the truth, for the end of the run.
struct Observers {
  RliRun* rli = nullptr;
  std::unique_ptr<PacketLog> log;
};

// Puts the estimators on `router`, in comparison order: RLI and its corrected twin, then the
// tap-only ones.
RliRun* attach_estimators(const config::ExperimentConfig& config, net::Router& router,
                          RunResult& result) {
  RliRun* rli = nullptr;
  if (config.rli.enabled) {
    auto run = std::make_unique<RliRun>(config.rli, router);
    rli = run.get();
    result.estimators.push_back(std::move(run));
    if (config.rli.corrected_twin) {
      auto twin_receiver = rli->receiver().config();
      twin_receiver.name = "rli_corrected";
      twin_receiver.serialization_correction = true;
      // It sees the same references at the ingress, so it reports the same injected cost.
      result.estimators.push_back(std::make_unique<EstimatorRun>(
          std::make_unique<models::rli::RliReceiver>(twin_receiver)));
    }
  }
  for (const auto& spec : config.estimators)
    result.estimators.push_back(std::make_unique<EstimatorRun>(spec.make()));
  std::vector<models::FlowEstimator*> in_order;
  for (std::size_t i = 0; i < result.estimators.size(); ++i) {
    models::FlowEstimator& e = result.estimators[i]->estimator();
    const models::Estimator* shares = nullptr;
    for (std::size_t earlier = 0; earlier < i; ++earlier) {
      models::FlowEstimator& other = result.estimators[earlier]->estimator();
      if (e.share_with(other))
        shares = &other;
    }
    router.add_observer(e, shares);
    in_order.push_back(&e);
  }
  result.ledger = std::make_unique<models::FlowLedger>(*result.truth, std::move(in_order));
  // After the truth and the estimators: it writes out ended flows once they have settled them.
  router.add_observer(*result.ledger);
  return rli;
}

// Puts every observer on `router`: the truth, the estimators, the port diagnostics that
// explain them, the [topology] tap and the packet log.
Observers attach_observers(const config::ExperimentConfig& config, const RunOptions& options,
                           net::Router& router, RunResult& result) {
  models::GroundTruthConfig truth_config;
  truth_config.quantiles.exact_capacity = config.truth.exact_packets;
  truth_config.quantiles.relative_accuracy = config.truth.relative_accuracy;
  truth_config.track_quantiles = config.truth.quantiles;
  result.truth = std::make_unique<models::GroundTruth>(truth_config);
  router.add_observer(*result.truth);
  Observers observers;
  observers.rli = attach_estimators(config, router, result);
  if (!result.estimators.empty()) {
    std::vector<std::uint64_t> rates;
    for (const auto& port : result.router.egress)
      rates.push_back(port.rate.value);
    const bool static_n =
        config.rli.enabled && config.rli.policy.kind == models::rli::PolicyKind::kStatic;
    result.diagnostics =
        std::make_unique<PortDiagnostics>(rates, static_n ? config.rli.policy.n : 0);
    router.add_observer(*result.diagnostics);
  }
  if (config.topology) {
    models::QuantileSketchConfig quantiles;
    quantiles.exact_capacity = config.truth.exact_packets;
    quantiles.relative_accuracy = config.truth.relative_accuracy;
    result.topology =
        std::make_unique<topology::TopologyTap>(*config.topology, config.seed, quantiles);
    router.add_observer(*result.topology);
  }
  if (!options.packets_out.empty()) {
    observers.log = std::make_unique<PacketLog>(options.packets_out);
    router.add_observer(*observers.log);
  }
  result.flow_timeout = flow_timeout(config);
  router.set_flow_timeout(result.flow_timeout);
  return observers;
}

// After the simulation, with the observers finalized: counters, RLI's score and the comparison.
void finish_run(const core::SourceMerger& merger, const net::Router& router, Observers& observers,
                unsigned threads, RunResult& result) {
  for (std::size_t i = 0; i < merger.size(); ++i)
    result.source_counters.push_back(merger.source(i).summary_counters());
  result.truth_all = result.truth->summary();
  result.truth_regular = result.truth->summary(core::PacketKind::kRegular);
  result.truth_cross = result.truth->summary(core::PacketKind::kCross);
  if (observers.log)
    result.packet_log_error = observers.log->error();
  for (const auto& port : router.ports())
    result.ports.push_back(port.counters());
  // What finalizing freed (the live flows' stored delays, the estimators' waiting state) is
  // scattered in small blocks that the outputs' large arrays cannot reuse: give it back, so
  // that the outputs do not add to the run's peak.
  ::malloc_trim(0);
  // Nothing adds to the ledger from here on: the passes over it may run in parallel.
  result.ledger->seal();
  if (observers.rli) {
    // RLI comes first in the comparison order.
    observers.rli->finish(router, *result.truth, *result.ledger, 0);
    // Both routers saw every packet of the run, in the same order.
    if (const auto* paired = observers.rli->paired())
      RLISIM_CHECK(result.error || paired->packets() == result.packets);
  }
  if (!result.estimators.empty()) {
    std::optional<core::WorkerPool> pool;
    if (threads > 1)
      pool.emplace(threads - 1);
    result.comparison = compare_run_estimators(result, pool ? &*pool : nullptr);
  }
}

}  // namespace

RunResult run_experiment(const config::ExperimentConfig& configured, const RunOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  const auto extra = resolve_run(configured, result);
  const config::ExperimentConfig& config = result.config;
  auto sources = make_sources(config, extra);
  for (const auto& s : sources)
    result.source_descriptions.push_back(s->describe());
  core::SourceMerger merger(std::move(sources));
  // Before the router: it owns observers (the packet log) that a batch replaying on another
  // thread may still use until the router, destroyed first, has stopped it.
  Observers observers;
  net::Router router(result.router);
  observers = attach_observers(config, options, router, result);
  // Nothing reads an observer's state while the packets go by (TopologyTap::inflate reads only
  // its routes, fixed from the start), so they run over batches of packets, on other threads
  // too.
  router.defer_observers();
  router.set_observer_threads(options.threads);
  simulate(config, options, merger, router, result);
  try {
    router.flush_observers();
  } catch (const std::overflow_error& e) {
    // Only RLI's paired run can overflow here (the main router has routed these packets):
    // it ends the run like a time overflow of the main router.
    if (!result.error)
      result.error = e.what();
  }
  router.finalize_observers();
  finish_run(merger, router, observers, options.threads, result);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  result.threads = options.threads;
  return result;
}

}  // namespace rlisim::run
