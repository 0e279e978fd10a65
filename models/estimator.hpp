#pragma once
// The observer contract shared by ground truth and every latency estimator.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "models/flow_index.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {

/// Index of a router egress interface (output port).
using PortId = std::uint16_t;

/// One packet's observations at the taps, as ObserverSet records them to replay in batches:
/// its ingress (starting a flow or not), then its egress or drop (or neither yet).
struct Observation {
  static constexpr std::uint8_t kOpen = 0;  ///< ingress seen, egress or drop not yet
  static constexpr std::uint8_t kEgress = 1;
  static constexpr std::uint8_t kDrop = 2;
  core::Packet packet;
  FlowId flow = 0;
  bool starts = false;
  PortId port = 0;
  std::uint8_t outcome = kOpen;
  core::Time egress_time{};
};

/// An observer of one router's measurement taps. Engine-free: it consumes observations and
/// never schedules anything. Ground truth implements this same interface, so an accuracy test
/// reads as EXPECT_NEAR(estimate, truth, bound).
///
/// Ordering guarantees given by the router:
///  - on_ingress is called for every packet in arrival order (arrival, source, seq); reference
///    packets injected by the router (RLI) keep arrival order but not the tie-break: a
///    periodic reference due at a packet's arrival comes before it, and a 1-in-n reference
///    comes right after the packet that triggered it;
///  - each packet then gets exactly one of on_egress or on_drop, before the next on_ingress;
///  - for one port, on_egress calls come in departure order (FIFO: the arrival order).
///
/// Every call carries the packet's FlowId from the run's one FlowIndex (ObserverSet looks the
/// key up once per packet, at the ingress tap), so an observer keeps its per-flow state in a
/// FlowArray instead of a hash table of its own. Ids are dense; on_flow_start announces each
/// flow. Without a flow timeout, ids come in first-seen order (an id is new exactly when it
/// equals the number of flows seen before) and are never reused.
class Estimator {
 public:
  virtual ~Estimator() = default;
  /// Short stable name used in output columns ("truth", "rli", ...).
  virtual std::string_view name() const = 0;
  /// Sender tap: the packet enters the router at p.arrival.
  virtual void on_ingress(const core::Packet& p, FlowId flow) = 0;
  /// Receiver tap: the packet leaves port `port` at `egress_time` (end of transmission plus
  /// propagation). Its true delay is egress_time - p.arrival.
  virtual void on_egress(const core::Packet& p, FlowId flow, PortId port,
                         core::Time egress_time) = 0;
  /// The packet was dropped at port `port` (drop-tail buffer full).
  virtual void on_drop(const core::Packet& p, FlowId flow, PortId port) = 0;
  /// No more observations follow.
  virtual void finalize() {}

  /// The observations of a batch of packets, in order: the calls above, made one by one (the
  /// default). An observer overrides it with replay_each(*this, batch) so that its own calls
  /// are made directly, without a virtual call each, or with a loop over only what it uses.
  virtual void replay(std::span<const Observation> batch);

  /// The packet `first` starts a flow, which will have id `flow` (called before its
  /// on_ingress). An id can be reused once its flow ended and was released (see below).
  virtual void on_flow_start(const core::Packet& first, FlowId flow) {
    (void)first;
    (void)flow;
  }

  /// Ended flows (FlowIndex): once every observer has settled an ended flow, the ObserverSet
  /// calls on_flow_final on every observer, then release_flow on every observer, and the id
  /// may then be given to a later flow. This is how memory follows the active flows instead
  /// of every flow seen.
  ///
  /// The latest ingress time through which this observer's per-flow state is final: no flow
  /// whose packets all arrived by then will change. Default: never before finalize(), so an
  /// observer that does not say otherwise keeps every flow to the end (correct, not compact).
  virtual core::Time settled_through() const { return core::Time::min(); }
  /// The flow has ended: no observation of it follows. Called once, as soon as the flow is
  /// found to have ended and before settled_through() is asked, so that an observer whose
  /// settling waits on more packets of the flow (a record that could still pair) can close it.
  virtual void on_flow_end(FlowId flow) { (void)flow; }
  /// The flow has ended and every observer has settled it: the moment to write out what the
  /// results need of it (the run's FlowLedger does).
  virtual void on_flow_final(FlowId flow) { (void)flow; }
  /// Frees or resets the flow's state: its id may start another flow next.
  virtual void release_flow(FlowId flow) { (void)flow; }

  /// Called by the ObserverSet the observer joins: the index whose ids it will be given, so
  /// that it can also answer questions asked by flow key. Shared, so the observer's results
  /// outlive the router that fed it.
  void bind(std::shared_ptr<const FlowIndex> index) { flow_index_ = std::move(index); }
  /// The bound index, or null.
  const FlowIndex* flow_index() const { return flow_index_.get(); }

 protected:
  /// The id of `key` in the bound index; nullopt if the flow was never seen (or unbound).
  std::optional<FlowId> id_of(const core::FlowKey& key) const {
    return flow_index_ ? flow_index_->find(key) : std::nullopt;
  }

 private:
  std::shared_ptr<const FlowIndex> flow_index_;
};

/// Replays `batch` through Self's observer calls. With Self final (an observer's replay()
/// override: replay_each(*this, batch)) the compiler makes them direct calls it can inline;
/// with Self = Estimator (the default replay()) they are the virtual calls.
///
/// An observer whose per-flow state is addressed by FlowId may also give
/// `[[gnu::always_inline]] void prefetch_flow(FlowId) const` (FlowArray::prefetch says why
/// inlined): it is called kPrefetchAhead observations before the flow's observation, to start
/// fetching that state. Flows interleave by the thousand, so without it nearly every packet
/// waits for a cache miss on each observer's state, one after the other; with it the misses
/// overlap. It must not read the state (only compute its address), and must accept an id not
/// allocated yet (a flow the batch starts).
inline constexpr std::size_t kPrefetchAhead = 8;
template <typename Self>
void replay_each(Self& self, std::span<const Observation> batch) {
  constexpr bool kPrefetches = requires(const Self& s, FlowId f) {
    s.prefetch_flow(f);
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if constexpr (kPrefetches) {
      if (i + kPrefetchAhead < batch.size())
        self.prefetch_flow(batch[i + kPrefetchAhead].flow);
    }
    const Observation& ob = batch[i];
    if (ob.starts)
      self.on_flow_start(ob.packet, ob.flow);
    self.on_ingress(ob.packet, ob.flow);
    if (ob.outcome == Observation::kEgress)
      self.on_egress(ob.packet, ob.flow, ob.port, ob.egress_time);
    else if (ob.outcome == Observation::kDrop)
      self.on_drop(ob.packet, ob.flow, ob.port);
  }
}

inline void Estimator::replay(std::span<const Observation> batch) {
  replay_each(*this, batch);
}

}  // namespace rlisim::models
