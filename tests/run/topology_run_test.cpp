// A run with [topology]: VXLAN bytes reach the router, per-flow shares sum to 1, and the
// aggregate is the packet-weighted sum of the flows.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "sim/config/experiment_config.hpp"
#include "sim/run/scenario.hpp"

namespace rlisim::run {
namespace {

const std::string kBase = R"(seed = 3
[[source]]
kind = "synthetic"
profile = "chic"
rate = "200Mbps"
duration = "0.2s"
[router]
[[router.port]]
rate = "1Gbps"
buffer_packets = 100000
)";

std::string topology_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "rlisim_topology_run_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pair.toml") << R"(
[[host]]
name = "h1"
[[host]]
name = "h2"
[[router]]
name = "r"
[[container]]
name = "c1"
host = "h1"
mode = "vxlan"
[[container]]
name = "c2"
host = "h2"
mode = "vxlan"
[[link]]
a = "h1"
b = "r"
propagation = "1us"
[[link]]
a = "r"
b = "h2"
propagation = "2us"
)";
  return dir.string();
}

TEST(TopologyRun, VxlanBytesReachTheRouterAndRaiseItsLoad) {
  const auto plain = run_experiment(config::parse_config(kBase, "plain.toml"));
  const auto dir = topology_dir();
  const auto with = run_experiment(config::parse_config(
      kBase + "[topology]\nfile = \"pair.toml\"\nrouter = \"r\"\n", "t.toml", {}, dir));
  ASSERT_EQ(plain.ports[0].offered_packets, with.ports[0].offered_packets);
  // Every packet goes c1 -> c2 or c2 -> c1, both VXLAN: 50 more bytes each.
  EXPECT_EQ(with.ports[0].offered_bytes,
            plain.ports[0].offered_bytes + 50 * plain.ports[0].offered_packets);
  EXPECT_EQ(plain.topology, nullptr);
}

TEST(TopologyRun, PerFlowSharesSumToOneAndTheAggregateWeighsFlowsByPackets) {
  const auto dir = topology_dir();
  const auto r = run_experiment(config::parse_config(
      kBase + "[topology]\nfile = \"pair.toml\"\nrouter = \"r\"\n", "t.toml", {}, dir));
  ASSERT_NE(r.topology, nullptr);
  double e2e = 0, visible = 0;
  std::uint64_t delivered = 0;
  for (const auto& [key, rec, id] : r.truth->flows()) {
    const auto* f = r.topology->find(*key);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->delivered, rec->delivered_packets());
    if (f->delivered == 0)
      continue;
    const double sum = f->share(f->stack_ps) +
                       f->share(f->measured_router_ps + f->other_routers_ps) +
                       f->share(f->links_ps);
    EXPECT_NEAR(sum, 1.0, 1e-9);
    // The router segment is exactly what the ground truth measured at the router.
    EXPECT_NEAR(f->measured_router_ps, rec->delay.mean_ps() * static_cast<double>(f->delivered),
                1e-6 * f->measured_router_ps + 1);
    // Propagation is 3 us per packet (no jitter, no link rates).
    EXPECT_NEAR(f->links_ps, 3e6 * static_cast<double>(f->delivered), 1e-3);
    e2e += f->e2e_ps;
    visible += f->measured_router_ps;
    delivered += f->delivered;
  }
  const auto& s = r.topology->summary();
  EXPECT_EQ(s.delivered, delivered);
  EXPECT_NEAR(s.e2e_ps, e2e, 1e-9 * e2e);
  EXPECT_GT(s.stack_ps, 0);
  EXPECT_NEAR(s.measured_router_ps / s.e2e_ps, visible / e2e, 1e-12);
}

}  // namespace
}  // namespace rlisim::run
