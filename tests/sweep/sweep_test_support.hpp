#pragma once
// Shared by the sweep tests: scratch folders, files, running the rlisim binary, reading CSV
// and databases.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sweep/sqlite_db.hpp"

namespace rlisim::sweep::test_support {

namespace fs = std::filesystem;

/// A fresh folder under the system temp folder, removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::temp_directory_path() / fmt::format("rlisim-{}-{}", name, getpid())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string rlisim_binary() {
  return std::string(RLISIM_BINARY_DIR) + "/rlisim";
}

/// Runs `rlisim ARGS` (stdout and stderr to `log`), under the command `wrapper` if one is
/// given (`setpriv ...`); returns the exit code.
inline int rlisim(const std::string& args, const std::string& log,
                  const std::string& wrapper = "") {
  const int status = std::system(
      fmt::format("{} '{}' {} > '{}' 2>&1", wrapper, rlisim_binary(), args, log).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Starts `rlisim ARGS` without waiting (stdout and stderr to `log`); returns its pid.
inline pid_t start_rlisim(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv_text = {rlisim_binary()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

/// The three export files of `db` (exported into DIR/NAME), without timing columns: what must
/// not depend on scheduling.
inline std::string exported(const ScratchDir& dir, const std::string& db, const std::string& name,
                            const std::string& wrapper = "") {
  const std::string out = dir / name;
  EXPECT_EQ(rlisim(fmt::format("sweep export '{}' --csv '{}' --no-timings", db, out),
                   dir / "export.log", wrapper),
            0)
      << read_file(dir / "export.log");
  return read_file(out + "/points.csv") + read_file(out + "/results.csv") +
         read_file(out + "/cdfs.csv");
}

/// The first column of the first row of `sql`.
inline std::int64_t scalar(SqliteDb& db, const std::string& sql) {
  Statement st(db, sql);
  EXPECT_TRUE(st.step()) << sql;
  return st.integer(0);
}

/// A sweep over the quickstart configuration with points short enough for unit tests: two
/// utilizations times `repetitions`, RLI (with its run without references) and LDA on.
/// `sets` adds lines to the [set] table; `base` replaces the quickstart file's path.
inline std::string quick_sweep(const std::string& duration, int repetitions,
                               const std::string& sets = "",
                               const std::string& base = RLISIM_SOURCE_DIR
                               "/configs/quickstart.toml") {
  return fmt::format(R"(base = "{}"
repetitions = {}
[set]
"source.0.duration" = "{}"
"source.0.rate" = "200Mbps"
"rli.enabled" = true
"lda.enabled" = true
{}
[[axis]]
key = "utilization.target"
values = [0.5, 0.9]
)",
                     base, repetitions, duration, sets);
}

}  // namespace rlisim::sweep::test_support
