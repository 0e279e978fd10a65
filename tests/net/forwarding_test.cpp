// Forwarding: single port, destination-prefix hash, longest-prefix-match table, validation.

#include "sim/net/forwarding.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rlisim::net {
namespace {

using ::testing::HasSubstr;

// A ForwardingConfig in one expression (designated initializers that skip members warn under
// -Wextra).
ForwardingConfig fwd(ForwardingKind kind, models::PortId default_port = 0,
                     std::vector<Route> routes = {}, int v4 = 24, int v6 = 48) {
  ForwardingConfig c;
  c.kind = kind;
  c.default_port = default_port;
  c.routes = std::move(routes);
  c.prefix_length_v4 = v4;
  c.prefix_length_v6 = v6;
  return c;
}

constexpr auto kSingle = ForwardingKind::kSingle;
constexpr auto kHash = ForwardingKind::kDstPrefixHash;
constexpr auto kTable = ForwardingKind::kTable;

core::FlowKey key_to(const std::string& dst, std::uint16_t dst_port = 80) {
  core::FlowKey k;
  const bool v6 = dst.find(':') != std::string::npos;
  EXPECT_EQ(inet_pton(v6 ? AF_INET6 : AF_INET, dst.c_str(), k.dst.data()), 1) << dst;
  k.ip_version = v6 ? 6 : 4;
  k.src[0] = 192;
  k.src_port = 1234;
  k.dst_port = dst_port;
  k.protocol = 6;
  return k;
}

TEST(Forwarding, SingleSendsEverythingToTheDefaultPort) {
  Forwarding f(fwd(kSingle, 2), 3);
  EXPECT_EQ(f.port_for(key_to("10.0.0.1")), 2);
  EXPECT_EQ(f.port_for(key_to("2001:db8::1")), 2);
  EXPECT_EQ(f.port_for(core::FlowKey{}), 2);
}

TEST(Forwarding, PrefixHashIsAFunctionOfTheDestinationPrefixOnly) {
  Forwarding f(fwd(kHash), 8);
  Forwarding again(fwd(kHash), 8);
  std::set<models::PortId> used;
  for (int net = 0; net < 200; ++net) {
    const std::string prefix = "10." + std::to_string(net) + ".7.";
    const models::PortId port = f.port_for(key_to(prefix + "1"));
    used.insert(port);
    for (int host = 2; host < 255; host += 50) {
      core::FlowKey k = key_to(prefix + std::to_string(host), static_cast<std::uint16_t>(host));
      k.src[3] = static_cast<std::uint8_t>(host);
      EXPECT_EQ(f.port_for(k), port) << prefix << host;
      EXPECT_EQ(again.port_for(k), port);
    }
  }
  EXPECT_EQ(used.size(), 8u) << "200 prefixes should reach all 8 ports";
}

TEST(Forwarding, PrefixHashSpreadsPrefixesEvenly) {
  Forwarding f(fwd(kHash, 0, {}, 16), 4);
  std::vector<int> per_port(4, 0);
  for (int a = 0; a < 40; ++a) {
    for (int b = 0; b < 100; ++b) {
      ++per_port[f.port_for(key_to(std::to_string(a + 1) + "." + std::to_string(b) + ".3.4"))];
    }
  }
  // 4000 prefixes over 4 ports: 1000 each, binomial sd about 27.
  for (const int n : per_port)
    EXPECT_NEAR(n, 1000, 150);
}

TEST(Forwarding, PrefixHashUsesTheConfiguredIpv6Length) {
  Forwarding f(fwd(kHash, 0, {}, 24, 32), 16);
  const models::PortId port = f.port_for(key_to("2001:db8::1"));
  EXPECT_EQ(f.port_for(key_to("2001:db8:ffff:1::9")), port);
  std::set<models::PortId> used;
  for (int i = 0; i < 64; ++i)
    used.insert(f.port_for(key_to("2001:" + std::to_string(i) + "::1")));
  EXPECT_GT(used.size(), 8u);
}

TEST(Forwarding, PrefixLengthZeroSendsEveryAddressToOnePort) {
  Forwarding f(fwd(kHash, 0, {}, 0), 5);
  const models::PortId port = f.port_for(key_to("1.2.3.4"));
  EXPECT_EQ(f.port_for(key_to("200.1.1.1")), port);
}

TEST(Forwarding, NonIpKeysGoToTheDefaultPort) {
  Forwarding hash(fwd(kHash, 3), 4);
  Forwarding table(fwd(kTable, 1, {{"0.0.0.0/0", 2}}), 4);
  core::FlowKey other;
  other.ip_version = 0;
  EXPECT_EQ(hash.port_for(other), 3);
  EXPECT_EQ(table.port_for(other), 1);
}

TEST(Forwarding, TablePicksTheLongestMatchingPrefix) {
  Forwarding f(fwd(kTable, 0,
                   {{"10.0.0.0/8", 1},
                    {"10.1.2.0/24", 3},
                    {"10.1.0.0/16", 2},
                    {"10.1.2.128/25", 4},
                    {"192.0.2.7/32", 5},
                    {"2001:db8::/32", 1},
                    {"2001:db8:1::/48", 2},
                    {"::/0", 6}}),
               7);
  EXPECT_EQ(f.port_for(key_to("10.200.0.1")), 1);
  EXPECT_EQ(f.port_for(key_to("10.1.9.9")), 2);
  EXPECT_EQ(f.port_for(key_to("10.1.2.3")), 3);
  EXPECT_EQ(f.port_for(key_to("10.1.2.200")), 4);
  EXPECT_EQ(f.port_for(key_to("192.0.2.7")), 5);
  EXPECT_EQ(f.port_for(key_to("192.0.2.8")), 0);
  EXPECT_EQ(f.port_for(key_to("11.0.0.1")), 0);
  EXPECT_EQ(f.port_for(key_to("2001:db8:2::1")), 1);
  EXPECT_EQ(f.port_for(key_to("2001:db8:1:5::1")), 2);
  EXPECT_EQ(f.port_for(key_to("2002::1")), 6);
  // An IPv6 address whose first bytes spell 10.1.2.3 does not match IPv4 routes.
  EXPECT_EQ(f.port_for(key_to("a01:203::")), 6);
}

TEST(Forwarding, TableWithoutAMatchUsesTheDefaultPort) {
  Forwarding f(fwd(kTable, 2, {{"10.0.0.0/8", 1}}), 3);
  EXPECT_EQ(f.port_for(key_to("172.16.0.1")), 2);
  EXPECT_EQ(f.port_for(key_to("2001:db8::1")), 2);
}

void expect_invalid(const ForwardingConfig& config, std::size_t ports,
                    const std::vector<std::string>& needles) {
  try {
    Forwarding f(config, ports);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    for (const std::string& n : needles)
      EXPECT_THAT(e.what(), HasSubstr(n));
  }
}

TEST(Forwarding, ValidationNamesTheBadPortOrRoute) {
  expect_invalid(fwd(kSingle), 0, {"no egress ports"});
  expect_invalid(fwd(kSingle, 3), 3, {"default_port 3", "0..2"});
  expect_invalid(fwd(kSingle, 0, {}, 33), 1, {"prefix_length_v4", "33"});
  expect_invalid(fwd(kSingle, 0, {}, -1), 1, {"prefix_length_v4"});
  expect_invalid(fwd(kSingle, 0, {}, 24, 129), 1, {"prefix_length_v6", "129"});
  const auto with_route = [](std::string prefix, models::PortId port) {
    return fwd(kTable, 0, {{"10.0.0.0/8", 0}, {std::move(prefix), port}});
  };
  expect_invalid(with_route("10.1.0.0/16", 4), 2, {"route 1", "'10.1.0.0/16'", "port 4"});
  expect_invalid(with_route("10.1.0.0", 1), 2, {"route 1", "'10.1.0.0'", "address/length"});
  expect_invalid(with_route("10.1.0/16", 1), 2, {"'10.1.0/16'", "not a valid IPv4 address"});
  expect_invalid(with_route("2001:db8::g/32", 1), 2, {"not a valid IPv6 address"});
  expect_invalid(with_route("10.1.0.0/33", 1), 2, {"'10.1.0.0/33'", "0..32"});
  expect_invalid(with_route("2001:db8::/129", 1), 2, {"0..128"});
  expect_invalid(with_route("10.1.0.0/1x", 1), 2, {"prefix length '1x'"});
  expect_invalid(with_route("10.1.0.0/", 1), 2, {"prefix length ''"});
  expect_invalid(with_route("10.1.0.1/16", 1), 2, {"'10.1.0.1/16'", "bits set beyond /16"});
  expect_invalid(with_route("10.0.0.0/8", 1), 2, {"route 1", "duplicate prefix"});
}

}  // namespace
}  // namespace rlisim::net
