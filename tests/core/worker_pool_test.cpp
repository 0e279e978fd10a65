// WorkerPool: every task of every job runs exactly once, jobs run on several threads at once,
// start() returns while they run, wait() returns only after them (rethrowing a task's error),
// and cancel() (or the destructor) drops those not begun.

#include "sim/core/worker_pool.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace rlisim::core {
namespace {

using std::chrono::steady_clock;

// Spins until `flag` is set or a few seconds have gone by (a broken pool then fails the test
// instead of hanging it); returns whether it was set.
bool await(const std::atomic<bool>& flag) {
  const auto give_up = steady_clock::now() + std::chrono::seconds(5);
  while (!flag.load()) {
    if (steady_clock::now() > give_up)
      return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WorkerPool, RunsEveryTaskOfEveryJobExactlyOnce) {
  for (const unsigned helpers : {0u, 1u, 3u}) {
    SCOPED_TRACE(helpers);
    WorkerPool pool(helpers);
    EXPECT_EQ(pool.helpers(), helpers);
    for (std::size_t job = 0; job < 300; ++job) {
      const std::size_t count = job % 19;
      std::vector<std::atomic<int>> runs(count);
      if (job % 2 == 0) {
        pool.run(count, [&](std::size_t i) { ++runs[i]; });
      } else {
        pool.start(count, [&](std::size_t i) { ++runs[i]; });
        pool.wait();
      }
      for (std::size_t i = 0; i < count; ++i)
        ASSERT_EQ(runs[i].load(), 1) << "job " << job << " task " << i;
    }
    pool.wait();  // without a job: returns at once
  }
}

TEST(WorkerPool, RunsTasksOfOneJobOnSeveralThreadsAtOnce) {
  WorkerPool pool(1);
  // Each task waits for the other to have started: on one thread this could not finish.
  std::atomic<int> started = 0;
  std::atomic<bool> both{false};
  std::vector<std::thread::id> ran_on(2);
  std::atomic<int> saw_both = 0;
  pool.run(2, [&](std::size_t i) {
    ran_on[i] = std::this_thread::get_id();
    if (++started == 2)
      both = true;
    saw_both += await(both) ? 1 : 0;
  });
  EXPECT_EQ(saw_both.load(), 2);
  EXPECT_NE(ran_on[0], ran_on[1]);
  EXPECT_EQ(
      std::set<std::thread::id>(ran_on.begin(), ran_on.end()).count(std::this_thread::get_id()),
      1u);
}

TEST(WorkerPool, StartReturnsWhileTheJobRunsAndWaitReturnsAfterIt) {
  WorkerPool pool(2);
  std::atomic<bool> go{false};
  std::atomic<int> done = 0;
  // The tasks cannot finish before start() has returned and `go` is set after it.
  pool.start(4, [&](std::size_t) {
    if (await(go))
      ++done;
  });
  go = true;
  pool.wait();
  EXPECT_EQ(done.load(), 4);
}

TEST(WorkerPool, ATaskErrorComesBackFromWaitAndTheOtherTasksStillRun) {
  for (const unsigned helpers : {0u, 2u}) {
    WorkerPool pool(helpers);
    std::atomic<int> done = 0;
    pool.start(5, [&](std::size_t i) {
      if (i == 3)
        throw std::runtime_error("task 3");
      ++done;
    });
    EXPECT_THROW(pool.wait(), std::runtime_error);
    EXPECT_EQ(done.load(), 4);
    pool.run(2, [&](std::size_t) { ++done; });  // the pool goes on
    EXPECT_EQ(done.load(), 6);
  }
}

// cancel() (and the destructor) drops the tasks not claimed yet and waits for those running:
// once it returns, no task runs, and each task begun has ended.
TEST(WorkerPool, CancelDropsUnclaimedTasksAndWaitsForRunningOnes) {
  std::atomic<int> begun = 0;
  std::atomic<int> ended = 0;
  const auto task = [&](std::size_t) {
    ++begun;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ++ended;
  };
  {
    WorkerPool pool(1);
    pool.start(50, task);
    pool.cancel();
    EXPECT_EQ(begun.load(), ended.load());
    EXPECT_LT(ended.load(), 50);
    pool.run(3, task);  // the pool goes on
  }
  const int after_run = ended.load();
  {
    WorkerPool pool(1);
    pool.start(50, task);
  }
  EXPECT_EQ(begun.load(), ended.load());
  EXPECT_LT(ended.load(), after_run + 50);
}

}  // namespace
}  // namespace rlisim::core
