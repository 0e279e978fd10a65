#pragma once
// A thread that gunzips an input descriptor into a pipe, so decompression overlaps parsing.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace rlisim::traces {

/// Decompresses gzip data (one or more concatenated members) from `input_fd` on its own thread
/// and writes the result into a pipe whose read end is read_fd(). The consumer reads read_fd()
/// until end of file, then calls finish() to learn whether the stream was complete.
///
/// Shutdown: the destructor (or stop()) wakes the thread even if it is blocked writing into a
/// full pipe (the read end is closed, so the write fails with EPIPE; SIGPIPE is blocked on the
/// thread) or waiting for input from a pipe or terminal (poll() on a wake-up pipe), then joins
/// it. It never hangs and never leaks the thread or a descriptor.
class GzipPump {
 public:
  /// Takes ownership of `input_fd`. `prefix` holds bytes already consumed from it (the magic
  /// bytes read to detect gzip); they are decompressed first. `input_is_regular` says whether
  /// reads from the input can block indefinitely (false: poll before each read).
  /// @throws core::TraceError if the pipe or the thread cannot be created (names `name`).
  GzipPump(int input_fd, std::vector<std::uint8_t> prefix, bool input_is_regular,
           const std::string& name);
  ~GzipPump();
  GzipPump(const GzipPump&) = delete;
  GzipPump& operator=(const GzipPump&) = delete;

  /// The read end of the pipe carrying decompressed bytes.
  int read_fd() const { return read_fd_; }
  /// Joins the thread (call once the pipe reported end of file) and returns its error message:
  /// empty if the gzip stream ended cleanly, else zlib's reason with the compressed byte offset.
  const std::string& finish();
  /// Compressed bytes consumed so far (safe to call from the consumer thread at any time).
  std::uint64_t compressed_bytes() const { return compressed_.load(std::memory_order_relaxed); }
  /// Stops and joins the thread and closes every descriptor; idempotent.
  void stop();

 private:
  void run(std::vector<std::uint8_t> prefix);
  bool read_input(std::uint8_t* buffer, std::size_t capacity, std::size_t& got);
  bool write_output(const std::uint8_t* data, std::size_t size);

  int input_fd_ = -1;
  int read_fd_ = -1;
  int write_fd_ = -1;
  int wake_read_fd_ = -1;
  int wake_write_fd_ = -1;
  bool input_is_regular_ = true;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> compressed_{0};
  std::uint64_t produced_ = 0;  // decompressed bytes written; pump thread only
  std::string error_;           // written by the pump thread, read after join
  std::thread thread_;
};

}  // namespace rlisim::traces
