#include "sim/core/worker_pool.hpp"

namespace rlisim::core {

WorkerPool::WorkerPool(unsigned helpers) {
  threads_.reserve(helpers);
  try {
    for (unsigned i = 0; i < helpers; ++i)
      threads_.emplace_back([this] { serve(); });
  } catch (...) {
    stop();
    throw;
  }
}

WorkerPool::~WorkerPool() {
  cancel();
  stop();
}

void WorkerPool::stop() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  job_ready_.notify_all();
  for (std::thread& t : threads_)
    t.join();
  threads_.clear();
}

void WorkerPool::start(std::size_t count, std::function<void(std::size_t)> task) {
  wait();
  {
    const std::lock_guard lock(mutex_);
    task_ = std::move(task);
    count_ = count;
    next_ = 0;
    finished_ = 0;
  }
  if (!threads_.empty())
    job_ready_.notify_all();
}

void WorkerPool::wait() {
  std::unique_lock lock(mutex_);
  // Claims are made under the lock, and a thread claims only while tasks remain, so no thread
  // is still inside this job once every task has finished: the next job cannot be mixed up
  // with it.
  while (next_ < count_) {
    const std::size_t i = next_++;
    lock.unlock();
    run_task(i);
    lock.lock();
    ++finished_;
  }
  await_claimed(lock);
  if (std::exception_ptr error = std::exchange(error_, nullptr))
    std::rethrow_exception(error);
}

void WorkerPool::cancel() noexcept {
  std::unique_lock lock(mutex_);
  finished_ += count_ - next_;
  next_ = count_;
  await_claimed(lock);
  error_ = nullptr;
}

void WorkerPool::await_claimed(std::unique_lock<std::mutex>& lock) {
  job_done_.wait(lock, [this] { return finished_ == count_; });
  task_ = nullptr;
  count_ = 0;
  next_ = 0;
  finished_ = 0;
}

void WorkerPool::run_task(std::size_t i) {
  try {
    task_(i);
  } catch (...) {
    const std::lock_guard lock(mutex_);
    if (!error_)
      error_ = std::current_exception();
  }
}

void WorkerPool::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    job_ready_.wait(lock, [this] { return stop_ || next_ < count_; });
    if (stop_)
      return;
    const std::size_t i = next_++;
    lock.unlock();
    run_task(i);
    lock.lock();
    if (++finished_ == count_)
      job_done_.notify_one();
  }
}

}  // namespace rlisim::core
