#include "sim/core/input_file.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/error.hpp"

namespace rlisim::core {
namespace {

std::string_view kind_name(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISFIFO(mode))
    return "a pipe (FIFO)";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

// Closes the descriptor on every path out of read_text_file.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

}  // namespace

std::uint64_t max_text_file_bytes() {
  const char* env = std::getenv("RLISIM_MAX_TEXT_MB");
  if (env == nullptr || *env == '\0')
    return kDefaultMaxTextFileBytes;
  const std::string_view text(env);
  std::uint64_t mib = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mib);
  constexpr std::uint64_t kMaxMib = std::uint64_t{1} << 30;  // keeps the byte count in range
  if (ec != std::errc() || end != text.data() + text.size() || mib == 0 || mib > kMaxMib) {
    throw ConfigError(
        fmt::format("RLISIM_MAX_TEXT_MB: expected a whole number of MiB from 1 to {}, got '{}'",
                    kMaxMib, text));
  }
  return mib << 20;
}

std::optional<std::string> input_file_problem(const std::string& path, std::string_view what,
                                              FileKinds kinds) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fmt::format("{}: cannot open the {}: {}", path, what, std::strerror(errno));
  if (S_ISREG(st.st_mode) || (kinds == FileKinds::kRegularOrPipe && S_ISFIFO(st.st_mode)))
    return std::nullopt;
  return fmt::format("{}: is {}; expected a {} (a regular file{})", path, kind_name(st.st_mode),
                     what, kinds == FileKinds::kRegularOrPipe ? " or a pipe" : "");
}

std::string read_text_file(const std::string& path, std::string_view what,
                           std::uint64_t max_bytes) {
  if (auto problem = input_file_problem(path, what, FileKinds::kRegularOnly))
    throw ConfigError(*problem);
  const Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    throw ConfigError(fmt::format("{}: cannot open the {}: {}", path, what, std::strerror(errno)));
  const auto too_large = [&] {
    return ConfigError(fmt::format(
        "{}: the {} is larger than the {} MiB cap on text inputs (set RLISIM_MAX_TEXT_MB to "
        "raise it)",
        path, what, max_bytes >> 20));
  };
  struct stat st {};
  if (::fstat(file.fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw too_large();
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.fd, buf, sizeof buf);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw ConfigError(
          fmt::format("{}: cannot read the {}: {}", path, what, std::strerror(errno)));
    }
    // The file may have grown since fstat.
    if (text.size() + static_cast<std::uint64_t>(n) > max_bytes)
      throw too_large();
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes) {
  line.clear();
  char buf[4096];
  for (;;) {
    in.getline(buf, sizeof buf);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad())
      return LineRead::kEnd;
    if (in.eof()) {
      // The last line has no newline: gcount holds only its characters.
      line.append(buf, got);
      if (line.size() > max_bytes)
        return LineRead::kTooLong;
      return line.empty() && got == 0 ? LineRead::kEnd : LineRead::kLine;
    }
    if (in.fail()) {
      // The buffer filled before a newline: keep reading the same line.
      line.append(buf, got);
      in.clear();
      if (line.size() > max_bytes)
        return LineRead::kTooLong;
      continue;
    }
    line.append(buf, got - 1);  // gcount counts the newline, which is not stored
    return line.size() > max_bytes ? LineRead::kTooLong : LineRead::kLine;
  }
}

}  // namespace rlisim::core
