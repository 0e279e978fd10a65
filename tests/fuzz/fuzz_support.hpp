#pragma once
// Shared pieces of the fuzz harnesses: inputs as in-memory files, and the errors a harness
// expects from bad input.

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"

namespace rlisim::fuzz {

/// A file in memory (memfd), reachable by path as /proc/self/fd/N, so that the readers open it
/// exactly as they open a file named on the command line.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// Replaces the content with `bytes` and returns path().
  const std::string& write(std::string_view bytes);
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

/// An empty folder, removed with its content at exit: what relative paths in a fuzzed file
/// resolve against, so that no input reaches the source tree's files by a relative path.
const std::string& scratch_dir();

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// `text` cut at each `separator`, into at most `max_parts` parts (the last takes the rest).
std::vector<std::string_view> split(std::string_view text, char separator, std::size_t max_parts);

/// An output stream that discards everything (the printers still format every field).
class NullStream : public std::ostream {
 public:
  NullStream() : std::ostream(&buffer_) {}

 private:
  struct Discard : std::streambuf {
    int overflow(int c) override { return traits_type::not_eof(c); }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
  };
  Discard buffer_;
};

/// Runs `body`; the documented errors for bad input (core::ConfigError, core::TraceError) are
/// the expected outcome and are swallowed. Anything else escapes, and libFuzzer reports it.
template <typename Body>
void expect_input_errors(Body&& body) {
  try {
    body();
  } catch (const core::ConfigError&) {
  } catch (const core::TraceError&) {
  }
}

/// Stores `value` where the compiler cannot drop it, so that the computation producing it runs.
void keep(double value);

/// Stops the process with `what` on stderr (a broken invariant of the code under test, e.g. a
/// printed file that its own reader rejects): libFuzzer records the input as a crash.
[[noreturn]] void finding(const std::string& what);

}  // namespace rlisim::fuzz
