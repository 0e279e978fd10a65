#pragma once
// Bounded, type-checked reading of input files. A path that names a directory, a device or a
// file far larger than any hand-written input must fail at once with its name, not be read as
// an empty file or grow memory without end (`rlisim run /dev/zero`).

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace rlisim::core {

/// Default cap on a whole-file text input (configuration, sweep, topology, container modes,
/// event paths): 16 MiB is about a thousand times the largest bundled file. The environment
/// variable RLISIM_MAX_TEXT_MB raises or lowers it for generated inputs.
inline constexpr std::uint64_t kDefaultMaxTextFileBytes = std::uint64_t{16} << 20;

/// The cap in force: RLISIM_MAX_TEXT_MB (a positive whole number of MiB) or the default.
/// Throws ConfigError if the variable is set to anything else.
std::uint64_t max_text_file_bytes();

/// Which kinds of file a reader takes. A streamed reader takes pipes as well as regular files,
/// because piping a capture (`zcat trace.gz | rlisim ... /dev/stdin`) is how large traces
/// arrive, and its per-line cap already bounds its memory.
enum class FileKinds { kRegularOnly, kRegularOrPipe };

/// Why `path` cannot be read as a `what` ("configuration file"), or nothing if it can be
/// opened: a missing file, a directory, a device or socket (and a pipe unless allowed), each
/// named with the OS reason.
std::optional<std::string> input_file_problem(const std::string& path, std::string_view what,
                                              FileKinds kinds);

/// The whole content of the regular file `path`, read as a `what`. Throws ConfigError naming the
/// file when it is not a regular file, cannot be read, or holds more than `max_bytes`.
std::string read_text_file(const std::string& path, std::string_view what,
                           std::uint64_t max_bytes = max_text_file_bytes());

/// Outcome of read_bounded_line.
enum class LineRead { kLine, kEnd, kTooLong };

/// std::getline with a cap: reads one '\n'-terminated line (or the last, unterminated one) into
/// `line` without the newline. Returns kTooLong, with the first `max_bytes` or more bytes in
/// `line`, as soon as the line exceeds `max_bytes`, so a file without newlines costs bounded
/// memory.
LineRead read_bounded_line(std::istream& in, std::string& line, std::size_t max_bytes);

}  // namespace rlisim::core
