// Golden-output test: replaying the committed gnutella capture must reproduce the committed
// summary.json and flows.csv (numbers within 1e-9 relative). Refresh the expected files only
// deliberately, with scripts/update_golden.sh, and review the diff.

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_util.hpp"

namespace rlisim::e2e {
namespace {

using nlohmann::json;

bool numbers_match(double a, double b) {
  return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

void expect_json_near(const json& got, const json& want, const std::string& path) {
  if (want.is_number() && got.is_number()) {
    EXPECT_TRUE(numbers_match(got.get<double>(), want.get<double>()))
        << path << ": got " << got << ", want " << want;
    return;
  }
  ASSERT_EQ(got.type(), want.type()) << path;
  if (want.is_object()) {
    ASSERT_EQ(got.size(), want.size()) << path << ": different keys";
    for (const auto& [key, value] : want.items()) {
      ASSERT_TRUE(got.contains(key)) << path << "." << key << " is missing";
      expect_json_near(got[key], value, path + "." + key);
    }
  } else if (want.is_array()) {
    ASSERT_EQ(got.size(), want.size()) << path;
    for (std::size_t i = 0; i < want.size(); ++i) {
      expect_json_near(got[i], want[i], path + "[" + std::to_string(i) + "]");
    }
  } else {
    EXPECT_EQ(got, want) << path;
  }
}

TEST(Golden, GnutellaReplayReproducesTheCommittedResults) {
  const auto dir = scratch("golden");
  const auto r =
      rlisim(fmt::format("run tests/e2e/data/gnutella_replay.toml --quiet --out {}", dir.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto expected =
      std::filesystem::path(RLISIM_SOURCE_DIR) / "tests/e2e/data/gnutella_expected";
  auto got = json::parse(read_file(dir / "summary.json"));
  auto want = json::parse(read_file(expected / "summary.json"));
  got.erase("rlisim_version");
  want.erase("rlisim_version");
  expect_json_near(got, want, "summary");

  const auto got_rows = read_csv(dir / "flows.csv");
  const auto want_rows = read_csv(expected / "flows.csv");
  ASSERT_EQ(got_rows.size(), want_rows.size());
  for (std::size_t i = 0; i < want_rows.size(); ++i) {
    ASSERT_EQ(got_rows[i].size(), want_rows[i].size()) << "row " << i;
    for (std::size_t k = 0; k < want_rows[i].size(); ++k) {
      const auto& g = got_rows[i][k];
      const auto& w = want_rows[i][k];
      char* end = nullptr;
      const double wv = std::strtod(w.c_str(), &end);
      if (!w.empty() && *end == '\0' && w.find_first_not_of("0123456789.-e") == std::string::npos) {
        EXPECT_TRUE(numbers_match(std::stod(g), wv))
            << "flows.csv row " << i << " column " << k << ": got " << g << ", want " << w;
      } else {
        EXPECT_EQ(g, w) << "flows.csv row " << i << " column " << k;
      }
    }
  }
}

}  // namespace
}  // namespace rlisim::e2e
