#pragma once
// Shared by the sweep tests: scratch folders, files, running the rlisim binary, reading CSV.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

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

/// Runs `rlisim ARGS` (stdout and stderr to `log`); returns the exit code.
inline int rlisim(const std::string& args, const std::string& log) {
  const int status =
      std::system(fmt::format("'{}' {} > '{}' 2>&1", rlisim_binary(), args, log).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// A sweep over the quickstart configuration with points short enough for unit tests: two
/// utilizations times `repetitions`, RLI (with its run without references) and LDA on.
/// `sets` adds lines to the [set] table.
inline std::string quick_sweep(const std::string& duration, int repetitions,
                               const std::string& sets = "") {
  return fmt::format(R"(base = "{}/configs/quickstart.toml"
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
                     RLISIM_SOURCE_DIR, repetitions, duration, sets);
}

}  // namespace rlisim::sweep::test_support
