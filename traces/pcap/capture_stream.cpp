#include "traces/pcap/capture_stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio_ext.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/error.hpp"

namespace rlisim::traces {
namespace {

// stdio buffer between the input and libpcap: large enough that the read() calls and the
// framing check are amortised over hundreds of records, small enough to stay in L2.
constexpr std::size_t kStdioBufferBytes = std::size_t{1} << 17;

}  // namespace

std::unique_ptr<CaptureStream> CaptureStream::open(const std::string& path,
                                                   const std::string& name) {
  int fd = -1;
  if (path == "-") {
    fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    throw core::TraceError(fmt::format("{}: cannot open: {}", name, std::strerror(errno)));
  }
  return std::make_unique<CaptureStream>(fd, name);
}

CaptureStream::CaptureStream(int fd, std::string name) : name_(std::move(name)), fd_(fd) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    throw core::TraceError(fmt::format("{}: cannot open: {}", name_, std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd_);
    throw core::TraceError(fmt::format("{}: is a directory; expected a capture file", name_));
  }
  const bool regular = S_ISREG(st.st_mode);
  bool gzip = false;
  if (regular) {
    const off_t start = std::max<off_t>(::lseek(fd_, 0, SEEK_CUR), 0);
    size_ = static_cast<std::uint64_t>(std::max<off_t>(st.st_size - start, 0));
    std::uint8_t magic[2] = {};
    gzip = ::pread(fd_, magic, 2, start) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    (void)::posix_fadvise(fd_, start, 0, POSIX_FADV_SEQUENTIAL);
  } else {
    // A pipe cannot be rewound: keep the sniffed bytes and replay them.
    std::uint8_t magic[2] = {};
    std::size_t got = 0;
    while (got < 2) {
      const ssize_t n = ::read(fd_, magic + got, 2 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd_);
        throw core::TraceError(fmt::format("{}: read error: {}", name_, std::strerror(err)));
      }
      if (n == 0)
        break;
      got += static_cast<std::size_t>(n);
    }
    prefix_.assign(magic, magic + got);
    gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  }
  if (gzip) {
    const int input = fd_;
    fd_ = -1;  // the pump owns it now, even if its constructor throws
    pump_ = std::make_unique<GzipPump>(input, std::move(prefix_), regular, name_);
    prefix_.clear();
    source_fd_ = pump_->read_fd();
  } else {
    source_fd_ = fd_;
  }
}

CaptureStream::~CaptureStream() {
  pump_.reset();  // stops and joins the thread before anything it could touch goes away
  if (fd_ >= 0)
    ::close(fd_);
}

std::FILE* CaptureStream::make_file() {
  cookie_io_functions_t io{};
  io.read = &CaptureStream::cookie_read;
  io.close = &CaptureStream::cookie_close;
  std::FILE* file = fopencookie(this, "rb", io);
  if (file == nullptr) {
    throw core::TraceError(
        fmt::format("{}: cannot create a stdio stream: {}", name_, std::strerror(errno)));
  }
  // glibc ignores the size when it allocates the buffer itself, so supply one.
  // stdio fills it before reading from it, so it is not zeroed (128 KiB per open file).
  stdio_buffer_ = std::make_unique_for_overwrite<char[]>(kStdioBufferBytes);
  std::setvbuf(file, stdio_buffer_.get(), _IOFBF, kStdioBufferBytes);
  // Only the reader's own thread touches this stream, so stdio need not lock it: libpcap makes
  // two fread() calls per record, and once any thread exists in the process (the gzip pump, a
  // sweep's workers) glibc would otherwise take and release the stream lock on every one.
  __fsetlocking(file, FSETLOCKING_BYCALLER);
  return file;
}

ssize_t CaptureStream::cookie_read(void* cookie, char* buffer, std::size_t size) {
  return static_cast<CaptureStream*>(cookie)->read_some(buffer, size);
}

int CaptureStream::cookie_close(void*) {
  return 0;
}

ssize_t CaptureStream::read_some(char* buffer, std::size_t size) {
  if (eof_ || size == 0)
    return 0;
  std::size_t n = 0;
  if (prefix_pos_ < prefix_.size()) {
    n = std::min(size, prefix_.size() - prefix_pos_);
    std::memcpy(buffer, prefix_.data() + prefix_pos_, n);
    prefix_pos_ += n;
  } else {
    for (;;) {
      const ssize_t got = ::read(source_fd_, buffer, size);
      if (got >= 0) {
        n = static_cast<std::size_t>(got);
        break;
      }
      if (errno == EINTR)
        continue;
      const int err = errno;
      failure_ = fmt::format("read error at byte offset {}: {}", consumed_, std::strerror(err));
      eof_ = true;
      errno = err;
      return -1;
    }
  }
  if (n == 0) {
    eof_ = true;
    if (pump_ != nullptr) {
      // The pump closes the pipe when it is done, so this join does not wait long.
      const std::string& error = pump_->finish();
      if (!error.empty()) {
        failure_ = error;
        errno = EIO;
        return -1;
      }
    }
    framing_.finish();
    return 0;
  }
  consumed_ += n;
  framing_.feed(reinterpret_cast<const std::uint8_t*>(buffer), n);
  return static_cast<ssize_t>(n);
}

std::optional<double> CaptureStream::progress() const {
  if (!size_ || *size_ == 0)
    return std::nullopt;
  const std::uint64_t done = pump_ != nullptr ? pump_->compressed_bytes() : consumed_;
  return std::min(1.0, static_cast<double>(done) / static_cast<double>(*size_));
}

}  // namespace rlisim::traces
