// Topology files: every committed one loads; bad files give line-numbered errors; the
// Docker-overlay configs reproduce their published RTT rows.

#include "sim/run/topology_config.hpp"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/error.hpp"
#include "sim/run/topology_commands.hpp"

namespace rlisim::run {
namespace {

using ::testing::HasSubstr;

const std::string kDir = std::string(RLISIM_SOURCE_DIR) + "/configs/topologies";

std::string error_of(const std::string& text) {
  try {
    parse_topology(text, "t.toml", kDir);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TopologyConfig, EveryCommittedTopologyLoads) {
  int loaded = 0;
  for (const auto& e : std::filesystem::directory_iterator(kDir)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() != ".toml" || name.find(".modes.") != std::string::npos)
      continue;
    SCOPED_TRACE(name);
    const auto c = load_topology(e.path().string());
    EXPECT_FALSE(c.topology.nodes().empty());
    ++loaded;
  }
  EXPECT_GE(loaded, 4);
}

TEST(TopologyConfig, BadFilesGiveLineNumberedErrors) {
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\nspeed = 3\n"), HasSubstr("t.toml:3"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[host]]\nname = \"a\"\n"),
              HasSubstr("t.toml:4: key 'host[1].name': topology: duplicate node name 'a'"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\na = \"a\"\n"
                       "b = \"b\"\npropagation = \"-1ms\"\n"),
              HasSubstr("t.toml:8: key 'link[0].propagation'"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[link]]\na = \"a\"\nb = \"zz\"\n"),
              HasSubstr("t.toml:5: key 'link[0].b': unknown node 'zz'"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[container]]\nname = \"c\"\nhost = \"a\"\n"
                       "mode = \"warp\"\n"),
              HasSubstr("t.toml:6: key 'container[0].mode': unknown network mode 'warp'"));
  EXPECT_THAT(error_of("[[container]]\nname = \"c\"\nhost = \"nohost\"\nmode = \"host\"\n"),
              HasSubstr("t.toml:3: key 'container[0].host': unknown host 'nohost'"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[published]]\na = \"a\"\nb = \"a\"\n"),
              HasSubstr("min_ms"));
}

// The Docker-overlay reproduction: every published row within 0.1 ms, except the Weave
// BRA-LJU Docker row that the authors call an outlier.
TEST(TopologyRtt, DockerOverlayConfigsReproduceThePublishedRows) {
  for (const char* overlay : {"libnetwork", "weave", "flannel"}) {
    const auto c = load_topology(kDir + "/gts-" + std::string(overlay) + ".toml");
    ASSERT_EQ(c.published.size(), 12U);
    std::uint64_t seed = 1;
    for (const auto& row : c.published) {
      SCOPED_TRACE(std::string(overlay) + " " + row.a + "-" + row.b);
      const auto s =
          simulate_rtt(c, c.topology.index(row.a), c.topology.index(row.b), 10000, ++seed);
      const bool ok = within_resolution(s.min_ms, row.min_ms) &&
                      within_resolution(s.mean_ms, row.mean_ms) &&
                      within_resolution(s.p99_ms, row.p99_ms);
      EXPECT_EQ(ok, !row.outlier) << s.min_ms << " / " << s.mean_ms << " / " << s.p99_ms;
      if (s.containers) {
        EXPECT_NEAR(s.stack_mean_ms, 0.06, 0.02);  // 4 x (F + C_cold) of 14-15 us
      }
    }
  }
}

}  // namespace
}  // namespace rlisim::run
