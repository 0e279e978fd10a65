// ObserverSet replaying on several threads: each observer gets the calls of one thread in the
// same order, observers tied together never replay at once, and an observer's error comes back
// (the first in the order the observers were added) with the others' batches complete.

#include "models/observer_set.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sim/core/flow_key.hpp"
#include "sim/core/packet.hpp"
#include "sim/core/time.hpp"

namespace rlisim::models {
namespace {

using core::Time;

core::FlowKey key(std::uint32_t n) {
  return core::FlowKey::ipv4(0x0a000000u + n, 0x0b000001u, static_cast<std::uint16_t>(n), 80, 6);
}

// Keeps every call it gets, as a line each. Throws from its `throw_at`-th on_ingress (counting
// from 0), if set. With a shared `clock`, notes for each replay the ticks at its start and end
// and its thread; a `nap` makes each replay last that long.
class Recorder final : public Estimator {
 public:
  struct Span {
    int start = 0;
    int end = 0;
    std::thread::id thread;
  };
  explicit Recorder(std::string name, std::int64_t throw_at = -1,
                    std::shared_ptr<std::atomic<int>> clock = nullptr,
                    std::chrono::microseconds nap = {})
      : name_(std::move(name)), throw_at_(throw_at), clock_(std::move(clock)), nap_(nap) {}
  std::string_view name() const override { return name_; }
  void on_flow_start(const core::Packet& p, FlowId flow) override {
    calls.push_back("start " + std::to_string(p.seq) + " " + std::to_string(flow));
  }
  void on_ingress(const core::Packet& p, FlowId flow) override {
    if (ingresses++ == throw_at_)
      throw std::runtime_error(name_ + " at packet " + std::to_string(p.seq));
    calls.push_back("in " + std::to_string(p.seq) + " " + std::to_string(flow));
  }
  void on_egress(const core::Packet& p, FlowId flow, PortId port, Time t) override {
    calls.push_back("out " + std::to_string(p.seq) + " " + std::to_string(flow) + " " +
                    std::to_string(port) + " " + std::to_string(t.count()));
  }
  void on_drop(const core::Packet& p, FlowId flow, PortId port) override {
    calls.push_back("drop " + std::to_string(p.seq) + " " + std::to_string(flow) + " " +
                    std::to_string(port));
  }
  void replay(std::span<const Observation> batch) override {
    Span span{.start = clock_ ? (*clock_)++ : 0, .thread = std::this_thread::get_id()};
    std::this_thread::sleep_for(nap_);
    struct NoteEnd {
      Recorder& r;
      Span& span;
      ~NoteEnd() {
        span.end = r.clock_ ? (*r.clock_)++ : 0;
        r.spans.push_back(span);
      }
    } note_end{*this, span};
    replay_each(*this, batch);
  }

  std::vector<std::string> calls;
  std::vector<Span> spans;
  std::int64_t ingresses = 0;

 private:
  std::string name_;
  std::int64_t throw_at_;
  std::shared_ptr<std::atomic<int>> clock_;
  std::chrono::microseconds nap_;
};

// Packet `seq`: one of 300 flows, delivered at port seq % 3, every 7th dropped.
void feed(ObserverSet& set, std::uint32_t seq) {
  core::Packet p;
  p.flow = key(seq * 7919u % 300u);
  p.arrival = core::microseconds(seq);
  p.wire_bytes = 100;
  p.seq = seq;
  set.ingress(p);
  if (seq % 7 == 6)
    set.drop(p, static_cast<PortId>(seq % 3));
  else
    set.egress(p, static_cast<PortId>(seq % 3), p.arrival + core::microseconds(3));
}

// Adds `observers`, in order, to a deferred set replaying on `threads` threads.
void observe(ObserverSet& set, std::initializer_list<Recorder*> observers, unsigned threads) {
  for (Recorder* r : observers)
    set.add(*r);
  set.set_deferred(true);
  set.set_threads(threads);
}

TEST(ObserverSetThreads, EachObserverGetsTheCallsOfOneThreadAndTiedOnesNeverReplayAtOnce) {
  constexpr std::uint32_t kPackets = 20 * ObserverSet::kBatch + 123;
  std::vector<std::vector<std::string>> expected;
  {
    std::vector<std::unique_ptr<Recorder>> observers;
    ObserverSet set;
    for (int i = 0; i < 5; ++i) {
      observers.push_back(std::make_unique<Recorder>("r" + std::to_string(i)));
      set.add(*observers.back());
    }
    set.set_deferred(true);
    for (std::uint32_t s = 0; s < kPackets; ++s)
      feed(set, s);
    set.flush();
    for (const auto& o : observers)
      expected.push_back(o->calls);
  }
  ASSERT_EQ(expected[0].size(), 2u * kPackets + 300u);
  for (const unsigned threads : {2u, 4u}) {
    SCOPED_TRACE(threads);
    auto clock = std::make_shared<std::atomic<int>>(0);
    std::vector<std::unique_ptr<Recorder>> observers;
    ObserverSet set;
    observers.push_back(std::make_unique<Recorder>("r0"));
    set.add(*observers.back());
    // r3 and r4 are tied to r1 (they read its state, say), which takes its time: were they
    // not, another thread would start them while r1 naps.
    observers.push_back(
        std::make_unique<Recorder>("r1", -1, clock, std::chrono::microseconds(300)));
    set.add(*observers.back());
    observers.push_back(std::make_unique<Recorder>("r2"));
    set.add(*observers.back());
    observers.push_back(std::make_unique<Recorder>("r3", -1, clock));
    set.add(*observers.back(), observers[1].get());
    observers.push_back(std::make_unique<Recorder>("r4", -1, clock));
    set.add(*observers.back(), observers[1].get());
    set.set_deferred(true);
    set.set_threads(threads);
    for (std::uint32_t s = 0; s < kPackets; ++s)
      feed(set, s);
    set.flush();
    for (std::size_t i = 0; i < observers.size(); ++i)
      EXPECT_EQ(observers[i]->calls, expected[i]) << i;
    const auto& r1 = observers[1]->spans;
    const auto& r3 = observers[3]->spans;
    const auto& r4 = observers[4]->spans;
    ASSERT_EQ(r1.size(), 21u);
    ASSERT_EQ(r3.size(), r1.size());
    ASSERT_EQ(r4.size(), r1.size());
    for (std::size_t b = 0; b < r1.size(); ++b) {
      EXPECT_GT(r3[b].start, r1[b].end) << b;
      EXPECT_GT(r4[b].start, r3[b].end) << b;
      EXPECT_EQ(r3[b].thread, r1[b].thread) << b;
      EXPECT_EQ(r4[b].thread, r1[b].thread) << b;
    }
  }
}

// Observer r1 throws at its packet 1500, in the second batch. On one thread the error comes
// out of the call that fills that batch; with more, the batch is replayed while the router
// goes on, and the error comes out of the call that fills the next one. Either way every other
// observer has had the whole batch, and r1 nothing after its error.
TEST(ObserverSetThreads, AnObserversErrorComesBackWithTheOthersBatchComplete) {
  for (const unsigned threads : {1u, 2u}) {
    SCOPED_TRACE(threads);
    Recorder r0("r0"), r1("r1", 1500), r2("r2");
    ObserverSet set;
    observe(set, {&r0, &r1, &r2}, threads);
    std::uint32_t seq = 0;
    std::string error;
    try {
      for (; seq < 10 * ObserverSet::kBatch; ++seq)
        feed(set, seq);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    EXPECT_EQ(error, "r1 at packet 1500");
    const std::uint32_t expected_stop = (threads == 1 ? 2 : 3) * ObserverSet::kBatch - 1;
    EXPECT_EQ(seq, expected_stop);
    EXPECT_EQ(r1.calls.back().rfind("out 1499 ", 0), 0u) << r1.calls.back();
    for (const Recorder* r : {&r0, &r2})
      EXPECT_EQ(r->calls.back().rfind("out 2047 ", 0), 0u) << r->calls.back();
  }
}

// r1 throws in the last full batch, which replays in the background; the error comes back at
// flush(), and the other observers still get the packets recorded since, which the router has
// routed.
TEST(ObserverSetThreads, AnErrorThatComesBackAtFlushLeavesTheOthersEveryPacket) {
  Recorder r0("r0"), r1("r1", 1500), r2("r2");
  ObserverSet set;
  observe(set, {&r0, &r1, &r2}, 2);
  constexpr std::uint32_t kPackets = 2 * ObserverSet::kBatch + 100;
  for (std::uint32_t seq = 0; seq < kPackets; ++seq)
    feed(set, seq);
  std::string error;
  try {
    set.flush();
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  EXPECT_EQ(error, "r1 at packet 1500");
  for (const Recorder* r : {&r0, &r2}) {
    EXPECT_EQ(r->calls.size(), 2u * kPackets + 300u);
    EXPECT_EQ(r->calls.back().rfind("out " + std::to_string(kPackets - 1) + " ", 0), 0u);
  }
  // r1 stopped at its error, then had the last batch.
  EXPECT_EQ(r1.calls.back().rfind("out " + std::to_string(kPackets - 1) + " ", 0), 0u);
}

// A set destroyed while a batch replays (an error unwinding the run) waits for the observers
// replaying and drops the rest: nothing runs after the set is gone.
TEST(ObserverSetThreads, ASetDestroyedWhileABatchReplaysStopsIt) {
  auto clock = std::make_shared<std::atomic<int>>(0);
  std::vector<std::unique_ptr<Recorder>> observers;
  {
    ObserverSet set;
    for (int i = 0; i < 6; ++i) {
      observers.push_back(std::make_unique<Recorder>("r" + std::to_string(i), -1, clock,
                                                     std::chrono::microseconds(20000)));
      set.add(*observers.back());
    }
    set.set_deferred(true);
    set.set_threads(2);
    for (std::uint32_t seq = 0; seq < ObserverSet::kBatch; ++seq)
      feed(set, seq);
  }
  const int ticks = clock->load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(clock->load(), ticks);
  int replays = 0;
  for (const auto& o : observers)
    replays += static_cast<int>(o->spans.size());
  EXPECT_EQ(ticks, 2 * replays);  // every replay begun has ended
  EXPECT_LT(replays, 6);
}

// Observers r1 and r2 both throw in the first batch, r2 at once and r1 late: r1's error, the
// first in the order they were added, is the one that comes back.
TEST(ObserverSetThreads, OfSeveralErrorsTheFirstObserversComesBack) {
  Recorder r0("r0"), r1("r1", 1000), r2("r2", 0);
  ObserverSet set;
  observe(set, {&r0, &r1, &r2}, 3);
  std::string error;
  try {
    for (std::uint32_t seq = 0; seq < 3 * ObserverSet::kBatch; ++seq)
      feed(set, seq);
    set.flush();
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  EXPECT_EQ(error, "r1 at packet 1000");
  EXPECT_EQ(r0.calls.size(), 2u * ObserverSet::kBatch + 300u);  // the first batch, whole
}

}  // namespace
}  // namespace rlisim::models
