// Topology paths against hand-computed ones: shortest delay, routers-only transit, tie-breaks,
// and the errors for bad input.

#include "sim/net/topology.hpp"

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/rng.hpp"

namespace rlisim::net {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> names(const Topology& t, const TopologyPath& p) {
  std::vector<std::string> out;
  for (const auto n : p.nodes)
    out.push_back(t.node(n).name);
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Topology, PicksTheShortestPropagationDelayThroughRouters) {
  Topology t;
  t.add_host("h1");
  t.add_host("h2");
  t.add_router("r1");
  t.add_router("r2");
  t.add_link("h1", "r1", core::microseconds(10));
  t.add_link("r1", "h2", core::microseconds(50));
  t.add_link("h1", "r2", core::microseconds(20));
  t.add_link("r2", "h2", core::microseconds(30));  // 20 + 30 = 50 < 10 + 50 = 60
  const auto p = t.path("h1", "h2");
  EXPECT_THAT(names(t, p), ElementsAre("h1", "r2", "h2"));
  EXPECT_EQ(p.propagation, core::microseconds(50));
  EXPECT_EQ(p.hops(), 2U);
  ASSERT_EQ(p.links.size(), 2U);
  EXPECT_EQ(t.links()[p.links[0]].propagation, core::microseconds(20));
}

TEST(Topology, HostsDoNotForwardTransitTraffic) {
  // The GTS mesh: MIL-BRA-LJU (6.35 + 23.55) is shorter than MIL-LJU (30.8) but crosses BRA.
  Topology t;
  for (const char* h : {"MIL", "BRA", "LJU"})
    t.add_host(h);
  t.add_link("MIL", "LJU", core::microseconds(30800));
  t.add_link("MIL", "BRA", core::microseconds(6350));
  t.add_link("BRA", "LJU", core::microseconds(23550));
  const auto p = t.path("MIL", "LJU");
  EXPECT_THAT(names(t, p), ElementsAre("MIL", "LJU"));
  EXPECT_EQ(p.propagation, core::microseconds(30800));
}

TEST(Topology, TheSameDetourIsTakenWhenTheMiddleSiteIsARouter) {
  Topology t;
  t.add_host("MIL");
  t.add_router("BRA");
  t.add_host("LJU");
  t.add_link("MIL", "LJU", core::microseconds(30800));
  t.add_link("MIL", "BRA", core::microseconds(6350));
  t.add_link("BRA", "LJU", core::microseconds(23550));
  EXPECT_THAT(names(t, t.path("MIL", "LJU")), ElementsAre("MIL", "BRA", "LJU"));
  EXPECT_EQ(t.path("MIL", "LJU").propagation, core::microseconds(29900));
}

TEST(Topology, ContainersReachTheNetworkThroughTheirOwnHostOnly) {
  Topology t;
  t.add_host("h1");
  t.add_host("h2");
  t.add_host("h3");
  t.add_router("tor");
  t.add_container("c1", "h1", "bridge");
  t.add_container("c2", "h2", "vxlan");
  t.add_link("h1", "tor", core::microseconds(1));
  t.add_link("tor", "h2", core::microseconds(2));
  // A shortcut through a third host must not be used.
  t.add_link("h1", "h3", core::nanoseconds(1));
  t.add_link("h3", "h2", core::nanoseconds(1));
  const auto p = t.path("c1", "c2");
  EXPECT_THAT(names(t, p), ElementsAre("c1", "h1", "tor", "h2", "c2"));
  EXPECT_EQ(p.propagation, core::microseconds(3));
  EXPECT_EQ(t.node(t.index("c2")).mode, "vxlan");
  EXPECT_EQ(t.node(t.index("c2")).host, t.index("h2"));
}

TEST(Topology, EqualDelaysPreferFewerHopsThenTheLowerNodeIndex) {
  Topology t;
  t.add_host("a");
  t.add_host("b");
  t.add_router("r9");  // declared first: lower index than r1
  t.add_router("r1");
  t.add_router("x");
  t.add_router("y");
  t.add_link("a", "r1", core::microseconds(5));
  t.add_link("r1", "b", core::microseconds(5));
  t.add_link("a", "r9", core::microseconds(5));
  t.add_link("r9", "b", core::microseconds(5));
  // Same 10 us in three hops.
  t.add_link("a", "x", core::microseconds(3));
  t.add_link("x", "y", core::microseconds(3));
  t.add_link("y", "b", core::microseconds(4));
  EXPECT_THAT(names(t, t.path("a", "b")), ElementsAre("a", "r9", "b"));
  EXPECT_THAT(names(t, t.path("b", "a")), ElementsAre("b", "r9", "a"));
}

TEST(Topology, RejectsBadInputWithNamedErrors) {
  Topology t;
  t.add_host("h1");
  t.add_host("h2");
  t.add_host("lonely");
  t.add_router("r");
  t.add_link("h1", "r", core::microseconds(1));
  t.add_link("r", "h2", core::microseconds(1));
  EXPECT_THAT(error_of([&] { t.add_host("h1"); }), HasSubstr("duplicate node name 'h1'"));
  EXPECT_THAT(error_of([&] { t.add_router("h2"); }), HasSubstr("duplicate node name 'h2'"));
  EXPECT_THAT(error_of([&] { t.add_link("h1", "nowhere", core::microseconds(1)); }),
              HasSubstr("unknown node 'nowhere'"));
  EXPECT_THAT(error_of([&] { t.add_link("h1", "r", core::microseconds(-1)); }),
              HasSubstr("negative propagation"));
  EXPECT_THAT(error_of([&] { t.add_link("h1", "r", core::microseconds(2)); }),
              HasSubstr("link h1 - r: the two nodes are already linked"));
  EXPECT_THAT(error_of([&] { t.add_link("h2", "r", core::microseconds(1)); }),
              HasSubstr("link h2 - r: the two nodes are already linked"));
  EXPECT_THAT(error_of([&] { t.add_router("r2", core::microseconds(-1)); }),
              HasSubstr("negative processing"));
  EXPECT_THAT(error_of([&] { t.add_container("c", "nohost", "host"); }),
              HasSubstr("'nohost' is not a declared host"));
  EXPECT_THAT(error_of([&] { t.path("h1", "lonely"); }),
              HasSubstr("no path from 'h1' to 'lonely'"));
  EXPECT_THAT(error_of([&] { t.path("h1", "h1"); }), HasSubstr("to itself"));
  EXPECT_THAT(error_of([&] { t.path("h1", "ghost"); }), HasSubstr("unknown node 'ghost'"));
  t.add_container("c", "h1", "host");
  EXPECT_THAT(error_of([&] { t.add_link("c", "r", core::microseconds(1)); }),
              HasSubstr("containers attach to their host only"));
}

TEST(LinkJitter, WeibullMeanAndQuantilesMatchTheClosedForm) {
  LinkJitter j{core::microseconds(100), 1.0};  // exponential, mean 100 us
  EXPECT_NEAR(static_cast<double>(j.quantile(0.99).count()), 100e6 * std::log(100.0), 2.0);
  std::mt19937_64 rng = core::make_rng(3, 0);
  double sum = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i)
    sum += static_cast<double>(j.sample(rng).count());
  // Standard error of the mean: 100 us / sqrt(2e5) = 0.22 us; allow 5 of them.
  EXPECT_NEAR(sum / kDraws, 100e6, 1.2e6);
  EXPECT_EQ(LinkJitter{}.sample(rng), core::Time{0});
}

}  // namespace
}  // namespace rlisim::net
