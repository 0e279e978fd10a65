// Topology files: every committed one loads; bad files and bad measured circuits give
// line-numbered errors; the Docker-overlay configs: VM rows reproduced (calibration),
// Docker minus VM equal to the modelled container part, Docker rows within 0.1 ms counted.

#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/config/topology_config.hpp"
#include "sim/core/error.hpp"
#include "sim/net/circuit_calibration.hpp"
#include "sim/topology/commands.hpp"

namespace rlisim::topology {
namespace {

using ::testing::HasSubstr;

const std::string kDir = std::string(RLISIM_SOURCE_DIR) + "/configs/topologies";

std::string error_of(const std::string& text) {
  try {
    config::parse_topology(text, "t.toml", kDir);
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
    const auto c = config::load_topology(e.path().string());
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
  // A link carries both directions: b - a after a - b is the same link again.
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\na = \"a\"\n"
                       "b = \"b\"\n[[link]]\nb = \"a\"\na = \"b\"\n"),
              HasSubstr("t.toml:10: key 'link[1].a': topology: link b - a: the two nodes are "
                        "already linked"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[container]]\nname = \"c\"\nhost = \"a\"\n"
                       "mode = \"warp\"\n"),
              HasSubstr("t.toml:6: key 'container[0].mode': unknown network mode 'warp'"));
  EXPECT_THAT(error_of("[[container]]\nname = \"c\"\nhost = \"nohost\"\nmode = \"host\"\n"),
              HasSubstr("t.toml:3: key 'container[0].host': unknown host 'nohost'"));
  EXPECT_THAT(error_of("[[host]]\nname = \"a\"\n[[published]]\na = \"a\"\nb = \"a\"\n"),
              HasSubstr("min_ms"));
}

TEST(TopologyConfig, CircuitsGivenByTheirRoundTripAreCalibratedOrRejectedWithTheLine) {
  const std::string hosts =
      "[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\na = \"a\"\n"
      "b = \"b\"\n";  // [[link]] opens on line 5, its first rtt_* key is on line 8
  const auto c = config::parse_topology(
      hosts + "rtt_min = \"36.3ms\"\nrtt_mean = \"36.5ms\"\nrtt_p99 = \"37.0ms\"\n", "t.toml",
      kDir);
  ASSERT_EQ(c.circuits.size(), 1U);
  const auto& link = c.topology.links()[c.circuits[0].link];
  const auto want = net::calibrate_circuit(c.circuits[0].target);
  EXPECT_EQ(link.propagation, want.propagation);
  EXPECT_EQ(link.jitter.mean, want.jitter.mean);
  EXPECT_EQ(link.jitter.shape, want.jitter.shape);
  EXPECT_EQ(c.circuits[0].target.mean, core::microseconds(36500));
  EXPECT_THAT(error_of(hosts + "rtt_min = \"36.3ms\"\nrtt_mean = \"36.5ms\"\n"),
              HasSubstr("t.toml:8: key 'link[0].rtt_min': a circuit given by its round trip needs "
                        "all of rtt_min, rtt_mean and rtt_p99 (rtt_p99 is missing)"));
  EXPECT_THAT(error_of(hosts + "rtt_min = \"36.3ms\"\nrtt_mean = \"36.5ms\"\nrtt_p99 = \"37ms\"\n"
                               "propagation = \"18ms\"\n"),
              HasSubstr("t.toml:11: key 'link[0].propagation': cannot be combined with rtt_min"));
  EXPECT_THAT(error_of(hosts + "jitter_shape = 2.0\nrtt_min = \"36.3ms\"\nrtt_mean = \"36.5ms\"\n"
                               "rtt_p99 = \"37ms\"\n"),
              HasSubstr("t.toml:8: key 'link[0].jitter_shape': cannot be combined"));
  EXPECT_THAT(error_of(hosts + "rate = \"1Gbps\"\nrtt_min = \"36.3ms\"\nrtt_mean = \"36.5ms\"\n"
                               "rtt_p99 = \"37ms\"\n"),
              HasSubstr("key 'link[0].rate': cannot be combined"));
  EXPECT_THAT(
      error_of(hosts + "rtt_min = \"36.3ms\"\nrtt_mean = \"37.0ms\"\nrtt_p99 = \"37.02ms\"\n"),
      HasSubstr("t.toml:8: key 'link[0].rtt_min': link a - b: cannot calibrate the "
                "circuit: RTT min 36.3000 ms, mean 37.0000 ms, p99 37.0200 ms: (p99 - min) / "
                "(mean - min) = 1.029 is outside"));
  EXPECT_THAT(error_of(hosts + "rtt_min = \"36.6ms\"\nrtt_mean = \"36.5ms\"\nrtt_p99 = \"37ms\"\n"),
              HasSubstr("link a - b: cannot calibrate the circuit"));
}

const std::vector<std::string> kOverlays{"libnetwork", "weave", "flannel"};

config::TopologyConfig overlay(const std::string& name) {
  return config::load_topology(kDir + "/gts-" + name + ".toml");
}

RttStats simulate(const config::TopologyConfig& c, const std::string& a, const std::string& b,
                  std::uint64_t probes, std::uint64_t seed) {
  return simulate_rtt(c, c.topology.index(a), c.topology.index(b), probes, seed);
}

// Mean of one direction of a stack at one endpoint: the shifted log-normal body
// f0 + (m - f0) exp(sigma^2 / 2), plus the cold extra (every UDP_RR transaction is cold; the
// cold jitter's truncation at 0 is negligible at 9 us mean, 2 us sd).
double direction_mean_ms(const models::container::DirectionParams& d) {
  const auto ms = [](core::Time t) { return static_cast<double>(t.count()) * 1e-9; };
  return ms(d.fixed_floor) +
         (ms(d.fixed_median) - ms(d.fixed_floor)) * std::exp(d.fixed_sigma * d.fixed_sigma / 2) +
         ms(d.cold_extra);
}

// Every circuit is calibrated from its VM row, so the simulated VM rows must match it: a check
// of the calibration (1e5 probes: the sample min estimates the 1e-5 quantile it was set to).
TEST(TopologyRtt, CalibratedCircuitsReproduceThePublishedVmRows) {
  for (const auto& name : kOverlays) {
    const auto c = overlay(name);
    ASSERT_EQ(c.published.size(), 12U);
    ASSERT_EQ(c.circuits.size(), 6U);
    std::uint64_t seed = 100;
    for (const auto& row : c.published) {
      if (c.topology.node(c.topology.index(row.a)).kind != net::NodeKind::kHost)
        continue;
      SCOPED_TRACE(name + " " + row.a + "-" + row.b);
      const auto s = simulate(c, row.a, row.b, 100000, ++seed);
      EXPECT_FALSE(s.containers);
      EXPECT_TRUE(matches(s, row)) << s.min_ms << " / " << s.mean_ms << " / " << s.p99_ms;
      EXPECT_EQ(s.stack_mean_ms, 0.0);
    }
  }
}

// Docker minus VM on one circuit is the modelled container part (two stacks, both directions),
// computed here in closed form from the mode parameters, within Monte Carlo error
// (independent seeds, 4 standard errors).
TEST(TopologyRtt, DockerMinusVmIsTheModelledContainerPart) {
  for (const auto& name : kOverlays) {
    const auto c = overlay(name);
    const auto& mode = c.modes.at("vxlan-" + name);
    const double part = 2 * (direction_mean_ms(mode.egress) + direction_mean_ms(mode.ingress));
    EXPECT_NEAR(part, 0.0604, 0.0005);  // 4 x 15.1 us
    std::uint64_t seed = 200;
    for (const auto& row : c.published) {
      const auto ia = c.topology.index(row.a);
      if (c.topology.node(ia).kind != net::NodeKind::kContainer)
        continue;
      SCOPED_TRACE(name + " " + row.a + "-" + row.b);
      const auto& ha = c.topology.node(c.topology.node(ia).host).name;
      const auto& hb = c.topology.node(c.topology.node(c.topology.index(row.b)).host).name;
      constexpr std::uint64_t kProbes = 20000;
      const auto d = simulate(c, row.a, row.b, kProbes, ++seed);
      const auto v = simulate(c, ha, hb, kProbes, ++seed);
      const double se = std::sqrt((d.sd_ms * d.sd_ms + v.sd_ms * v.sd_ms) / kProbes);
      EXPECT_NEAR(d.mean_ms - v.mean_ms, part, 4 * se);
      EXPECT_NEAR(d.stack_mean_ms, part, 0.001);
    }
  }
}

// How many Docker rows land within 0.1 ms, reported (not asserted: the published VM and Docker
// rows are separate runs). What is asserted: the Weave BRA-LJU outlier misses, and every other
// miss is explained by the published rows themselves - the published Docker figure differs from
// the published VM figure plus the modelled container part by more than the resolution (less
// a Monte Carlo allowance).
TEST(TopologyRtt, DockerRowsMissOnlyWhereThePublishedRowsDisagree) {
  int rows = 0, within = 0;
  for (const auto& name : kOverlays) {
    const auto c = overlay(name);
    const auto& mode = c.modes.at("vxlan-" + name);
    const double part = 2 * (direction_mean_ms(mode.egress) + direction_mean_ms(mode.ingress));
    std::uint64_t seed = 300;
    for (const auto& row : c.published) {
      const auto ia = c.topology.index(row.a);
      if (c.topology.node(ia).kind != net::NodeKind::kContainer)
        continue;
      SCOPED_TRACE(name + " " + row.a + "-" + row.b);
      const auto s = simulate(c, row.a, row.b, 100000, ++seed);
      ++rows;
      within += matches(s, row);
      if (row.outlier) {
        EXPECT_FALSE(matches(s, row));
        continue;
      }
      const auto& ha = c.topology.node(c.topology.node(ia).host).name;
      const auto& hb = c.topology.node(c.topology.node(c.topology.index(row.b)).host).name;
      const config::PublishedRtt* vm = nullptr;
      for (const auto& r : c.published) {
        if ((r.a == ha && r.b == hb) || (r.a == hb && r.b == ha))
          vm = &r;
      }
      ASSERT_NE(vm, nullptr);
      for (const auto& [ours, docker, base] : {std::tuple{s.min_ms, row.min_ms, vm->min_ms},
                                               std::tuple{s.mean_ms, row.mean_ms, vm->mean_ms},
                                               std::tuple{s.p99_ms, row.p99_ms, vm->p99_ms}}) {
        if (!within_resolution(ours, docker)) {
          EXPECT_GT(std::abs(docker - (base + part)), 0.1 - 0.03) << ours << " vs " << docker;
        }
      }
    }
  }
  EXPECT_EQ(rows, 18);
  RecordProperty("docker_rows_within_0_1_ms", within);
  std::cout << "Docker rows within 0.1 ms: " << within << " of " << rows << '\n';
}

}  // namespace
}  // namespace rlisim::topology
