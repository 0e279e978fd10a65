#include "traces/pcap/gzip_pump.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/error.hpp"
#include "traces/pcap/inflate_guard.hpp"

namespace rlisim::traces {
namespace {

constexpr std::size_t kInputChunk = std::size_t{1} << 17;
constexpr std::size_t kOutputChunk = std::size_t{1} << 17;
// Larger than the default 64 KiB so the pump can run ahead of the parser; 1 MiB is the default
// unprivileged maximum on Linux. Best effort.
constexpr int kPipeBytes = 1 << 20;

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

GzipPump::GzipPump(int input_fd, std::vector<std::uint8_t> prefix, bool input_is_regular,
                   const std::string& name)
    : input_fd_(input_fd), input_is_regular_(input_is_regular) {
  const auto fail = [&](const char* what) {
    const int err = errno;
    close_fd(input_fd_);
    close_fd(read_fd_);
    close_fd(write_fd_);
    close_fd(wake_read_fd_);
    close_fd(wake_write_fd_);
    throw core::TraceError(
        fmt::format("{}: cannot start gzip decompression: {}: {}", name, what, std::strerror(err)));
  };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    fail("pipe");
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  (void)::fcntl(write_fd_, F_SETPIPE_SZ, kPipeBytes);
  if (!input_is_regular_) {
    if (::pipe2(fds, O_CLOEXEC) != 0)
      fail("pipe");
    wake_read_fd_ = fds[0];
    wake_write_fd_ = fds[1];
  }
  // The thread inherits the creator's signal mask: block SIGPIPE for it alone, so a write into
  // a pipe whose reader has gone fails with EPIPE instead of killing the process.
  sigset_t block;
  sigset_t old;
  sigemptyset(&block);
  sigaddset(&block, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  try {
    thread_ = std::thread(&GzipPump::run, this, std::move(prefix));
  } catch (const std::system_error&) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    fail("thread");
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

GzipPump::~GzipPump() {
  stop();
}

void GzipPump::stop() {
  if (thread_.joinable()) {
    stop_.store(true, std::memory_order_relaxed);
    if (wake_write_fd_ >= 0) {
      const char byte = 1;
      (void)!::write(wake_write_fd_, &byte, 1);
    }
    // Closing the read end turns a write blocked on a full pipe into EPIPE.
    close_fd(read_fd_);
    thread_.join();
  }
  close_fd(input_fd_);
  close_fd(read_fd_);
  close_fd(write_fd_);
  close_fd(wake_read_fd_);
  close_fd(wake_write_fd_);
}

const std::string& GzipPump::finish() {
  if (thread_.joinable())
    thread_.join();
  return error_;
}

bool GzipPump::read_input(std::uint8_t* buffer, std::size_t capacity, std::size_t& got) {
  for (;;) {
    if (stop_.load(std::memory_order_relaxed))
      return false;
    if (!input_is_regular_) {
      pollfd fds[2] = {{input_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        error_ = fmt::format("poll failed: {}", std::strerror(errno));
        return false;
      }
      if (fds[1].revents != 0)
        return false;
    }
    const ssize_t n = ::read(input_fd_, buffer, capacity);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      error_ = fmt::format("read error after {} compressed bytes: {}", compressed_bytes(),
                           std::strerror(errno));
      return false;
    }
    got = static_cast<std::size_t>(n);
    compressed_.fetch_add(got, std::memory_order_relaxed);
    return true;
  }
}

bool GzipPump::write_output(const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(write_fd_, data, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;  // EPIPE: the consumer has gone, which is not an error of the input
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    produced_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

void GzipPump::run(std::vector<std::uint8_t> prefix) {
  try {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) {  // 15 + 16: gzip wrapper only
      error_ = "cannot initialise zlib";
      close_fd(write_fd_);
      return;
    }
    // Everything below may throw (allocation, formatting): the guard frees zlib's state then.
    const InflateGuard guard(z);
    std::vector<std::uint8_t> in(kInputChunk);
    std::vector<std::uint8_t> out(kOutputChunk);
    if (!prefix.empty())
      std::memcpy(in.data(), prefix.data(), prefix.size());
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(prefix.size());
    std::uint64_t read_total = prefix.size();
    bool eof = false;
    // Makes at least `n` input bytes available unless the input ends; false on stop or error.
    const auto ensure_input = [&](std::size_t n) {
      while (z.avail_in < n && !eof) {
        std::memmove(in.data(), z.next_in, z.avail_in);
        std::size_t got = 0;
        if (!read_input(in.data() + z.avail_in, in.size() - z.avail_in, got))
          return false;
        read_total += got;
        z.next_in = in.data();
        z.avail_in += static_cast<uInt>(got);
        eof = got == 0;
      }
      return true;
    };
    const auto offset = [&] { return read_total - z.avail_in; };
    for (;;) {
      if (!ensure_input(1))
        break;
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      const int ret = inflate(&z, Z_NO_FLUSH);
      const std::size_t produced = out.size() - z.avail_out;
      if (produced > 0 && !write_output(out.data(), produced))
        break;
      if (ret == Z_STREAM_END) {
        // Concatenated members form one stream, as for gzip -d; other trailing bytes (such as
        // zero padding) are ignored, as gzip -d does.
        if (!ensure_input(2))
          break;
        if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
          inflateReset(&z);
          continue;
        }
        break;
      }
      if (ret == Z_BUF_ERROR && eof && z.avail_in == 0) {
        error_ = fmt::format(
            "corrupt gzip data: unexpected end of file after {} compressed bytes ({} "
            "decompressed): the gzip stream is truncated",
            offset(), produced_);
        break;
      }
      if (ret != Z_OK && ret != Z_BUF_ERROR) {
        error_ = fmt::format(
            "corrupt gzip data at compressed byte offset {} (after {} "
            "decompressed bytes): {}",
            offset(), produced_, z.msg != nullptr ? z.msg : zError(ret));
        break;
      }
    }
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  close_fd(write_fd_);  // the consumer now sees end of file
}

}  // namespace rlisim::traces
