#pragma once
// A run on a topology ([topology]): each flow between two containers, its end-to-end delay
// composed around the simulated router, and how much of it RLI at that router sees.

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "models/estimator.hpp"
#include "models/metrics/quantile_sketch.hpp"
#include "sim/config/topology_config.hpp"
#include "sim/core/flow_key.hpp"
#include "sim/net/container_path.hpp"

namespace rlisim::topology {

/// One flow's end-to-end delay, summed over its delivered packets. Units: ps.
struct FlowPathDelay {
  std::uint32_t route = 0;
  std::uint64_t delivered = 0;
  double e2e_ps = 0;
  double stack_ps = 0;            ///< source egress + destination ingress stacks
  double measured_router_ps = 0;  ///< the simulated router's segment (what RLI measures)
  double other_routers_ps = 0;
  double links_ps = 0;  ///< propagation, jitter and serialisation of the links
  models::QuantileSketch e2e;

  double mean_ps() const { return delivered ? e2e_ps / static_cast<double>(delivered) : NAN; }
  double share(double part_ps) const { return e2e_ps > 0 ? part_ps / e2e_ps : NAN; }
};

/// Totals over all flows.
struct PathDelaySummary {
  std::uint64_t flows = 0;
  std::uint64_t delivered = 0;
  double e2e_ps = 0, stack_ps = 0, measured_router_ps = 0, other_routers_ps = 0, links_ps = 0;
  models::QuantileSketch e2e;
  /// Median over flows of the per-flow RLI-visible share (models::sorted_quantile: the mean of
  /// the two middle values for an even count).
  double median_flow_rli_visible_share = NAN;
};

/// Watches the simulated router's taps and composes each delivered packet's end-to-end delay
/// (ContainerPathModel): the source side at the router arrival, the destination side at the
/// packet's arrival at the destination host.
///
/// Ordering: destination RX queues need packets in time order. Departures are in time order
/// per router port, not across ports; but every later departure is at or after the arrival
/// of the packet the router is processing now. So arrivals at the destination hosts wait in a
/// min-heap and are released once they are no later than the current router arrival (and
/// all at finalize). The heap holds only packets in flight (router queue + downstream
/// links), never the whole run; per-flow state is a few sums and a quantile sketch.
///
/// The source stack is evaluated at (router arrival - upstream propagation - upstream
/// routers), clamped to be nondecreasing per stack (the trace fixes the router arrival; the
/// source side is reconstructed backwards from it).
class TopologyTap : public models::Estimator {
 public:
  /// @throws std::invalid_argument if the spec's pairs or router do not fit the topology.
  TopologyTap(const config::TopologyRunSpec& spec, std::uint64_t seed,
              const models::QuantileSketchConfig& quantiles = {});

  std::string_view name() const override { return "topology"; }
  /// Adds the source mode's wire overhead (VXLAN: 50 B) to a packet before the router. Reads
  /// only what is fixed at construction: it is called while batches replay on other threads.
  void inflate(core::Packet& p) const;
  void on_ingress(const core::Packet& p, models::FlowId flow) override;
  void on_egress(const core::Packet& p, models::FlowId flow, models::PortId port,
                 core::Time egress_time) override;
  void on_drop(const core::Packet& p, models::FlowId flow, models::PortId port) override;
  void finalize() override;

  /// The flow's record, or null (never seen, or a reference packet's flow).
  const FlowPathDelay* find(const core::FlowKey& flow) const;
  const PathDelaySummary& summary() const { return summary_; }
  /// "src -> dst" container names of a route.
  std::pair<std::string, std::string> endpoints(std::uint32_t route) const;
  const config::TopologyRunSpec& spec() const { return spec_; }
  /// Most packets waiting for their destination ingress at once.
  std::size_t max_in_flight() const { return max_in_flight_; }

 private:
  struct Pending {
    core::Time at_host;
    std::uint64_t seq;
    std::uint32_t flow;
    std::uint32_t route;
    std::uint64_t flow_hash;
    net::PathDelay delay;
    bool operator>(const Pending& o) const {
      return at_host != o.at_host ? at_host > o.at_host : seq > o.seq;
    }
  };
  std::uint32_t route_of(std::uint64_t flow_hash) const;
  std::uint64_t hash_of(const core::FlowKey& flow) const;
  void release(core::Time up_to);

  config::TopologyRunSpec spec_;
  net::ContainerPathModel model_;
  std::uint64_t seed_;
  models::QuantileSketchConfig quantiles_;
  std::vector<std::uint32_t> routes_;
  std::vector<core::Time> last_egress_;  // per source stack
  // Flow id -> 1 + the flow's index in flows_ (0: not a flow of this tap yet).
  models::FlowArray<std::uint32_t> index_;
  std::vector<FlowPathDelay> flows_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  // The packet between on_ingress and its on_egress/on_drop.
  Pending current_{};
  bool current_valid_ = false;
  std::uint64_t seq_ = 0;
  std::size_t max_in_flight_ = 0;
  PathDelaySummary summary_;
};

}  // namespace rlisim::topology
