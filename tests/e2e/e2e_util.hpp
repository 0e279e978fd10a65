#pragma once
// Helpers for end-to-end tests: run the rlisim binary, read files, parse CSV.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sys/wait.h>

namespace rlisim::e2e {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs `args` with the rlisim binary from the source directory (so relative paths in
/// committed configs resolve the same way everywhere).
inline CommandResult rlisim(const std::string& args) {
  const std::string cmd =
      fmt::format("cd '{}' && '{}' {} 2>&1", RLISIM_SOURCE_DIR, RLISIM_EXE, args);
  CommandResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe)
    return r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0)
    r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh scratch directory under the build tree.
inline std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::path(RLISIM_BINARY_DIR) / "e2e-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Rows of a CSV file without quoting (rlisim writes none), header first.
inline std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ','))
      fields.push_back(field);
    if (!line.empty() && line.back() == ',')
      fields.emplace_back();
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace rlisim::e2e
