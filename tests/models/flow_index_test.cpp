// The run's one flow index and the ObserverSet that hands its ids to every observer.

#include "models/flow_index.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "models/observer_set.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::models {
namespace {

core::FlowKey flow(std::uint32_t i) {
  return core::FlowKey::ipv4(0x0a000000u + i, 0x0b000000u + (i >> 8), 1000, 80, 6);
}

TEST(FlowIndex, GivesDenseIdsInFirstSeenOrderAndTheKeyBack) {
  FlowIndex index;
  std::map<std::uint32_t, FlowId> expected;  // an independent record of first sightings
  auto rng = core::make_rng(3, 1);
  for (int n = 0; n < 20'000; ++n) {
    const auto f = static_cast<std::uint32_t>(rng() % 5000);
    const auto [it, fresh] = expected.try_emplace(f, static_cast<FlowId>(expected.size()));
    EXPECT_EQ(index.id(flow(f)), it->second) << "flow " << f << (fresh ? " (new)" : "");
  }
  ASSERT_EQ(index.size(), expected.size());
  for (const auto& [f, id] : expected) {
    EXPECT_EQ(index.key(id), flow(f));
    EXPECT_EQ(index.find(flow(f)), id);
  }
  EXPECT_FALSE(index.find(flow(99'999)).has_value());
}

TEST(FlowArray, KeepsElementsInPlaceAsItGrows) {
  FlowArray<std::uint64_t> a;
  a.ensure(3, [] { return std::uint64_t{7}; }) = 30;
  const std::uint64_t* third = &a[3];
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0], 7u);
  for (FlowId id = 4; id < 3 * FlowArray<std::uint64_t>::kChunk; ++id)
    a.append(id);
  EXPECT_EQ(third, &a[3]);  // growth never moves an element
  EXPECT_EQ(a[3], 30u);
  EXPECT_EQ(a[FlowArray<std::uint64_t>::kChunk + 5], FlowArray<std::uint64_t>::kChunk + 5);
  a.prefetch(3);
  a.prefetch(FlowId{1} << 30);  // not allocated: a hint for nothing, never a read
}

// Records the id of every call.
class IdRecorder final : public Estimator {
 public:
  std::string_view name() const override { return "ids"; }
  void on_ingress(const core::Packet&, FlowId flow) override { calls.push_back({'i', flow}); }
  void on_egress(const core::Packet&, FlowId flow, PortId, core::Time) override {
    calls.push_back({'e', flow});
  }
  void on_drop(const core::Packet&, FlowId flow, PortId) override { calls.push_back({'d', flow}); }
  std::vector<std::pair<char, FlowId>> calls;
};

TEST(ObserverSet, EveryObserverGetsTheIngressIdAgainAtEgressOrDrop) {
  IdRecorder a;
  IdRecorder b;
  ObserverSet set;
  set.add(a);
  set.add(b);
  const std::uint32_t flows[] = {5, 9, 5, 2, 9};
  for (std::size_t i = 0; i < std::size(flows); ++i) {
    core::Packet p;
    p.flow = flow(flows[i]);
    set.ingress(p);
    if (i % 2 == 0)
      set.egress(p, 0, core::Time{1});
    else
      set.drop(p, 0);
  }
  const std::vector<std::pair<char, FlowId>> expected = {{'i', 0}, {'e', 0}, {'i', 1}, {'d', 1},
                                                         {'i', 0}, {'e', 0}, {'i', 2}, {'d', 2},
                                                         {'i', 1}, {'e', 1}};
  EXPECT_EQ(a.calls, expected);
  EXPECT_EQ(b.calls, expected);
  EXPECT_EQ(set.index().key(2), flow(2));
}

// Deferred mode replays observer by observer, in batches: each observer still gets exactly the
// calls, ids and order of the immediate mode, once flushed.
TEST(ObserverSet, DeferredModeGivesEachObserverTheSameCallsOnceFlushed) {
  IdRecorder now;
  IdRecorder later_a;
  IdRecorder later_b;
  ObserverSet immediate;
  immediate.add(now);
  ObserverSet deferred;
  deferred.add(later_a);
  deferred.add(later_b);
  deferred.set_deferred(true);
  auto rng = core::make_rng(5, 1);
  const std::size_t packets = 3 * ObserverSet::kBatch + 17;
  for (std::size_t i = 0; i < packets; ++i) {
    core::Packet p;
    p.flow = flow(static_cast<std::uint32_t>(rng() % 300));
    for (ObserverSet* set : {&immediate, &deferred}) {
      set->ingress(p);
      if (i % 7 == 3)
        set->drop(p, 1);
      else
        set->egress(p, 0, core::Time{1});
    }
  }
  // Whole batches have been replayed; the last partial one waits for flush().
  EXPECT_EQ(later_a.calls.size(), 2 * 3 * ObserverSet::kBatch);
  deferred.flush();
  EXPECT_EQ(later_a.calls, now.calls);
  EXPECT_EQ(later_b.calls, now.calls);
  deferred.flush();  // nothing twice
  EXPECT_EQ(later_a.calls.size(), 2 * packets);
}

// An observer with prefetch_flow hears of each flow kPrefetchAhead observations before its
// observation, and of no flow outside the batch.
class PrefetchRecorder final : public Estimator {
 public:
  std::string_view name() const override { return "prefetches"; }
  void on_ingress(const core::Packet&, FlowId flow) override { calls.push_back({'i', flow}); }
  void on_egress(const core::Packet&, FlowId, PortId, core::Time) override {}
  void on_drop(const core::Packet&, FlowId, PortId) override {}
  void replay(std::span<const Observation> batch) override { replay_each(*this, batch); }
  void prefetch_flow(FlowId flow) const { calls.push_back({'p', flow}); }
  mutable std::vector<std::pair<char, FlowId>> calls;
};

TEST(ReplayEach, TellsAnObserverEachFlowAFewObservationsAhead) {
  std::vector<Observation> batch(kPrefetchAhead + 5);
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i].flow = static_cast<FlowId>(100 + i);
  PrefetchRecorder observer;
  observer.replay(batch);
  std::vector<std::pair<char, FlowId>> expected;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i + kPrefetchAhead < batch.size())
      expected.push_back({'p', batch[i + kPrefetchAhead].flow});
    expected.push_back({'i', batch[i].flow});
  }
  EXPECT_EQ(observer.calls, expected);
}

TEST(ObserverSet, WithoutObserversLooksNothingUp) {
  for (const bool deferred : {false, true}) {
    ObserverSet set;
    set.set_deferred(deferred);
    core::Packet p;
    p.flow = flow(1);
    set.ingress(p);
    set.egress(p, 0, core::Time{1});
    EXPECT_EQ(set.index().size(), 0u);
  }
}

// Throws at its `fail_at`-th egress.
class Failing final : public Estimator {
 public:
  explicit Failing(std::size_t fail_at) : fail_at_(fail_at) {}
  std::string_view name() const override { return "failing"; }
  void on_ingress(const core::Packet&, FlowId) override {}
  void on_egress(const core::Packet&, FlowId, PortId, core::Time) override {
    if (++egresses_ == fail_at_)
      throw std::overflow_error("failing observer");
  }
  void on_drop(const core::Packet&, FlowId, PortId) override {}

 private:
  std::size_t fail_at_;
  std::size_t egresses_ = 0;
};

// A throwing observer does not cost the others their batch: they agree with the router, which
// has routed every packet of it; the error still reaches the caller, once.
TEST(ObserverSet, AThrowingObserverLeavesTheOthersTheWholeBatch) {
  Failing failing(10);
  IdRecorder after;
  ObserverSet set;
  set.add(failing);
  set.add(after);
  set.set_deferred(true);
  for (int i = 0; i < 20; ++i) {
    core::Packet p;
    p.flow = flow(static_cast<std::uint32_t>(i));
    set.ingress(p);
    set.egress(p, 0, core::Time{1});
  }
  EXPECT_THROW(set.flush(), std::overflow_error);
  EXPECT_EQ(after.calls.size(), 40u);
  EXPECT_NO_THROW(set.flush());  // nothing replayed twice
  EXPECT_EQ(after.calls.size(), 40u);
}

TEST(ObserverSet, AnEgressWithoutItsIngressIsAnInvariantError) {
  IdRecorder r;
  ObserverSet set;
  set.add(r);
  set.set_deferred(true);
  core::Packet p;
  EXPECT_THROW(set.egress(p, 0, core::Time{1}), core::InvariantError);
  set.ingress(p);
  set.drop(p, 0);
  EXPECT_THROW(set.drop(p, 0), core::InvariantError);
}

}  // namespace
}  // namespace rlisim::models
