#include "sim/core/output_file.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

namespace rlisim::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() /
                   fmt::format("rlisim-output-file-{}-{}", name, static_cast<long>(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string content(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

// A file-size limit makes writes past it fail with EFBIG, as a full disk fails them with ENOSPC,
// without needing a full disk. The signal it would raise is ignored so the write returns.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(OutputFile, WritesInFullAndLeavesNoTemporary) {
  const auto dir = fresh_dir("ok");
  const auto path = (dir / "out.csv").string();
  OutputFile file(path, "table");
  file.write("a,b\n");
  for (int i = 0; i < 300000; ++i)  // several buffer flushes
    file.print("{},{}\n", i, i * 2);
  EXPECT_FALSE(fs::exists(path)) << "visible before close";
  file.close();
  const std::string text = content(path);
  EXPECT_EQ(text.substr(0, 8), "a,b\n0,0\n");
  EXPECT_EQ(text.substr(text.size() - 14), "299999,599998\n");
  EXPECT_EQ(entries(dir), 1U);
}

TEST(OutputFile, AFailedWriteKeepsThePreviousFileAndRemovesTheTemporary) {
  const auto dir = fresh_dir("full");
  const auto path = (dir / "summary.json").string();
  write_output_file(path, "summary", "previous\n");
  {
    const FileSizeLimit limit(4096);
    OutputFile file(path, "summary");
    file.write(std::string(2u << 20, 'x'));
    try {
      file.close();
      ADD_FAILURE() << "close() succeeded past the file-size limit";
    } catch (const OutputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(path + ": cannot write the summary: File too large"));
    }
  }
  EXPECT_EQ(content(path), "previous\n");
  EXPECT_EQ(entries(dir), 1U);
}

TEST(OutputFile, AnAbandonedFileLeavesNothing) {
  const auto dir = fresh_dir("abandoned");
  {
    OutputFile file((dir / "flows.csv").string(), "flows");
    file.write("half a table");
  }
  EXPECT_EQ(entries(dir), 0U);
}

TEST(OutputFile, DevicesAndLinksAreWrittenInPlace) {
  OutputFile full("/dev/full", "packet log");
  full.write("row\n");
  EXPECT_THROW(
      {
        try {
          full.close();
        } catch (const OutputError& e) {
          EXPECT_STREQ(e.what(), "/dev/full: cannot write the packet log: No space left on device");
          throw;
        }
      },
      OutputError);
  const auto dir = fresh_dir("link");
  write_output_file((dir / "target").string(), "target", "old");
  fs::create_symlink(dir / "target", dir / "link");
  write_output_file((dir / "link").string(), "link", "new");
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
  EXPECT_EQ(content(dir / "target"), "new");
}

TEST(OutputFile, ACreateFailureNamesTheFileAndReason) {
  try {
    OutputFile file("/nonexistent-dir/x.csv", "CSV export");
    ADD_FAILURE();
  } catch (const OutputError& e) {
    EXPECT_STREQ(e.what(),
                 "/nonexistent-dir/x.csv: cannot create the CSV export: No such file or "
                 "directory");
  }
}

}  // namespace
}  // namespace rlisim::core
