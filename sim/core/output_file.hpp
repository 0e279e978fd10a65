#pragma once
// Output files that are complete or absent. Every write and the close are checked; a failure
// names the file and the OS reason, and leaves no partial file under the final name.

#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace rlisim::core {

/// Writing an output failed: the message names the file and the OS reason.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file being written. A regular file (or a new one) is written to a temporary sibling
/// (`NAME.tmp-PID`) that close() renames over `path`, so readers never see a half-written file
/// and a failure leaves the previous one in place. Anything else (a device such as /dev/stdout,
/// a FIFO, a symbolic link) is written in place, since renaming over it would replace it.
///
/// A failed write does not throw at once: the file stops taking text, and close() throws. A
/// long producer (the per-packet log of a run) can thus finish the work whose results go to
/// other files before the failure is reported.
class OutputFile {
 public:
  /// Opens `path` as a `what` ("packet log"). Throws OutputError if it cannot be created.
  OutputFile(std::string path, std::string what);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Without a successful close(), removes the temporary file.
  ~OutputFile();

  void write(std::string_view text) {
    if (text.size() >= kFlushBytes) {
      // Large text goes to the file as it is, not through a copy in the buffer.
      flush();
      write_all(text);
      return;
    }
    buffer_.append(text.data(), text.data() + text.size());
    if (buffer_.size() >= kFlushBytes)
      flush();
  }

  template <typename... T>
  void print(fmt::format_string<T...> format, T&&... args) {
    fmt::format_to(std::back_inserter(buffer_), format, std::forward<T>(args)...);
    if (buffer_.size() >= kFlushBytes)
      flush();
  }

  /// Writes what is buffered, closes and renames into place. Throws OutputError naming the
  /// file and the first failure's OS reason; the temporary file is then removed.
  void close();

  const std::string& path() const { return path_; }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  void write_all(std::string_view data);

  void flush();
  void discard_temporary() noexcept;

  std::string path_;
  std::string what_;
  std::string temporary_;  // empty when writing in place
  int fd_ = -1;
  int error_ = 0;  // errno of the first failed write
  fmt::memory_buffer buffer_;
};

/// Writes `text` to `path` as a `what` through an OutputFile.
void write_output_file(const std::string& path, std::string_view what, std::string_view text);

}  // namespace rlisim::core
