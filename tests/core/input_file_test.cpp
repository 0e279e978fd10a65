#include "sim/core/input_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/error.hpp"

namespace rlisim::core {
namespace {

namespace fs = std::filesystem;

fs::path scratch_dir() {
  const auto dir = fs::temp_directory_path() /
                   ("rlisim-input-file-" + std::to_string(static_cast<long>(::getpid())));
  fs::create_directories(dir);
  return dir;
}

fs::path write(const std::string& name, const std::string& text) {
  const auto path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string message_of(const std::string& path, std::uint64_t max_bytes = 1 << 20) {
  try {
    read_text_file(path, "configuration file", max_bytes);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ReadTextFile, ReadsARegularFileWhole) {
  const std::string text = "a = 1\nb = \"x\"\n";
  EXPECT_EQ(read_text_file(write("ok.toml", text).string(), "configuration file"), text);
}

TEST(ReadTextFile, RefusesDirectoriesDevicesAndPipesByName) {
  const std::string dir = scratch_dir().string();
  EXPECT_EQ(message_of(dir),
            dir + ": is a directory; expected a configuration file (a regular file)");
  EXPECT_EQ(message_of("/dev/zero"),
            "/dev/zero: is a character device; expected a configuration file (a regular file)");
  const std::string fifo = (scratch_dir() / "fifo").string();
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Refused before open(), which would block until a writer came.
  EXPECT_NE(message_of(fifo).find("is a pipe (FIFO)"), std::string::npos);
  EXPECT_EQ(input_file_problem(fifo, "kernel trace", FileKinds::kRegularOrPipe), std::nullopt);
  EXPECT_NE(message_of("/nonexistent/x.toml").find("No such file or directory"), std::string::npos);
}

TEST(ReadTextFile, RefusesFilesAboveTheCap) {
  const auto path = write("big.toml", std::string(2000, '#')).string();
  EXPECT_EQ(read_text_file(path, "configuration file", 2000).size(), 2000U);
  EXPECT_NE(message_of(path, 1999).find("larger than the 0 MiB cap"), std::string::npos);
}

TEST(ReadTextFile, CapComesFromTheEnvironment) {
  ::unsetenv("RLISIM_MAX_TEXT_MB");
  EXPECT_EQ(max_text_file_bytes(), kDefaultMaxTextFileBytes);
  ::setenv("RLISIM_MAX_TEXT_MB", "3", 1);
  EXPECT_EQ(max_text_file_bytes(), 3U << 20);
  for (const char* bad : {"0", "-1", "2x", "99999999999999999999"}) {
    ::setenv("RLISIM_MAX_TEXT_MB", bad, 1);
    EXPECT_THROW(max_text_file_bytes(), ConfigError) << bad;
  }
  ::unsetenv("RLISIM_MAX_TEXT_MB");
}

// Every line read_bounded_line returns, in order, for a given input and cap.
std::vector<std::string> lines_of(const std::string& text, std::size_t max_bytes,
                                  bool* too_long = nullptr) {
  std::istringstream in(text);
  std::vector<std::string> out;
  std::string line;
  for (;;) {
    const LineRead r = read_bounded_line(in, line, max_bytes);
    if (r == LineRead::kEnd)
      break;
    if (r == LineRead::kTooLong) {
      if (too_long)
        *too_long = true;
      break;
    }
    out.push_back(line);
  }
  return out;
}

TEST(ReadBoundedLine, MatchesGetlineBelowTheCap) {
  // Lengths around the 4096-byte read buffer, empty lines and a last line without a newline.
  for (const std::size_t len : {0UL, 1UL, 4094UL, 4095UL, 4096UL, 4097UL, 10000UL}) {
    for (const bool final_newline : {false, true}) {
      const std::string text =
          std::string(len, 'x') + "\n\nab\n" + std::string(len, 'y') + (final_newline ? "\n" : "");
      std::vector<std::string> expected;
      std::istringstream ref(text);
      for (std::string l; std::getline(ref, l);)
        expected.push_back(l);
      EXPECT_EQ(lines_of(text, 1 << 20), expected) << len << " " << final_newline;
    }
  }
}

TEST(ReadBoundedLine, StopsAtTheCapWithoutReadingTheRest) {
  bool too_long = false;
  EXPECT_EQ(lines_of("short\n" + std::string(100000, 'z') + "\nafter\n", 5000, &too_long),
            std::vector<std::string>{"short"});
  EXPECT_TRUE(too_long);
  too_long = false;
  EXPECT_EQ(lines_of(std::string(5000, 'z') + "\n", 5000, &too_long).size(), 1U);
  EXPECT_FALSE(too_long);
}

}  // namespace
}  // namespace rlisim::core
