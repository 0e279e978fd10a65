#include "sim/core/output_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rlisim::core {
namespace {

// Only a regular file, or a path not yet there, is replaced by a rename.
bool replace_by_rename(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT;
  return S_ISREG(st.st_mode);
}

}  // namespace

OutputFile::OutputFile(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
  if (replace_by_rename(path_))
    temporary_ = fmt::format("{}.tmp-{}", path_, ::getpid());
  const std::string& target = temporary_.empty() ? path_ : temporary_;
  fd_ = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw OutputError(
        fmt::format("{}: cannot create the {}: {}", path_, what_, std::strerror(errno)));
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0)
    ::close(fd_);
  discard_temporary();
}

void OutputFile::discard_temporary() noexcept {
  if (!temporary_.empty())
    ::unlink(temporary_.c_str());
  temporary_.clear();
}

void OutputFile::flush() {
  write_all(std::string_view(buffer_.data(), buffer_.size()));
  buffer_.clear();
}

void OutputFile::write_all(std::string_view text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0 && error_ == 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno != EINTR)
        error_ = errno;
      continue;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

void OutputFile::close() {
  if (fd_ < 0)
    throw OutputError(fmt::format("{}: the {} is already closed", path_, what_));
  flush();
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0 && error_ == 0)
    error_ = errno;
  if (error_ == 0 && !temporary_.empty() && std::rename(temporary_.c_str(), path_.c_str()) != 0)
    error_ = errno;
  if (error_ != 0) {
    discard_temporary();
    throw OutputError(
        fmt::format("{}: cannot write the {}: {}", path_, what_, std::strerror(error_)));
  }
  temporary_.clear();
}

void write_output_file(const std::string& path, std::string_view what, std::string_view text) {
  OutputFile file(path, std::string(what));
  file.write(text);
  file.close();
}

}  // namespace rlisim::core
