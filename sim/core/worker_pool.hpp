#pragma once
// Threads that share out the tasks of one job at a time with the thread that hands it over.

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace rlisim::core {

/// A fixed set of threads for fork-join work: start() hands them a job of `count` tasks,
/// wait() takes the tasks left over on the calling thread and returns once every task has run.
/// Each task runs exactly once, on whichever thread claims it first, so a task must not depend
/// on which thread runs it or on the order of the other tasks.
class WorkerPool {
 public:
  /// `helpers` threads besides the caller's; zero runs every task on the caller's thread, in
  /// wait().
  /// @throws std::system_error if a thread cannot be started.
  explicit WorkerPool(unsigned helpers);
  /// Cancels the job in flight, if any (cancel()), then stops and joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Starts task(0) .. task(count - 1) on the pool's threads and returns at once. One job at a
  /// time, started and waited for by one thread: a job in flight is waited for first.
  void start(std::size_t count, std::function<void(std::size_t)> task);
  /// Runs the job's unclaimed tasks on the calling thread, then waits for the others; returns
  /// once every task of the job has returned (at once without a job). If tasks threw, the
  /// first exception caught is rethrown then.
  void wait();
  /// Drops the job's tasks not claimed yet and waits for those running; their exceptions are
  /// dropped too. For unwinding, when what the tasks use may be about to go.
  void cancel() noexcept;
  /// start() then wait().
  void run(std::size_t count, std::function<void(std::size_t)> task) {
    start(count, std::move(task));
    wait();
  }

  unsigned helpers() const { return static_cast<unsigned>(threads_.size()); }

 private:
  void serve();
  void stop();
  // Runs claimed task `i` (the lock not held), keeping the first exception.
  void run_task(std::size_t i);
  // Waits, under `lock`, for the tasks claimed to return, then clears the job.
  void await_claimed(std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable job_ready_;  // a task to claim, or stop_
  std::condition_variable job_done_;   // the last task of the job returned
  std::function<void(std::size_t)> task_;
  std::size_t count_ = 0;
  std::size_t next_ = 0;      // the next task to claim
  std::size_t finished_ = 0;  // tasks returned (or dropped)
  std::exception_ptr error_;  // the first a task of the job threw
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rlisim::core
