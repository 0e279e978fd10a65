#include "sim/core/flow_key.hpp"

#include <cstdint>

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace rlisim::core {
namespace {

TEST(FlowKey, FormatsIpv4AndIpv6) {
  const auto k = FlowKey::ipv4(0x0a000001, 0xc0a80102, 80, 1234, 6);
  EXPECT_EQ(k.to_string(), "10.0.0.1:80>192.168.1.2:1234/6");
  FlowKey v6;
  v6.ip_version = 6;
  v6.src[0] = 0x20;
  v6.src[1] = 0x01;
  v6.src[2] = 0x0d;
  v6.src[3] = 0xb8;
  v6.src[15] = 1;
  v6.dst[15] = 2;
  v6.protocol = 58;
  EXPECT_EQ(v6.to_string(), "[2001:db8::1]:0>[::2]:0/58");
}

TEST(FlowKey, Ipv4AddressesReadAsInetNtopWritesThem) {
  std::uint32_t x = 12345;
  for (int i = 0; i < 100'000; ++i) {
    x = x * 1664525u + 1013904223u;  // every byte value, leading and trailing zeros included
    const std::uint32_t addr = i < 256 ? static_cast<std::uint32_t>(i) * 0x01010101u : x;
    const FlowKey k = FlowKey::ipv4(addr, ~addr, 1, 2, 6);
    char expected[INET_ADDRSTRLEN] = {};
    ASSERT_NE(inet_ntop(AF_INET, k.src.data(), expected, sizeof expected), nullptr);
    ASSERT_EQ(k.src_string(), expected) << addr;
  }
}

TEST(FlowKey, EqualityCoversEveryField) {
  const auto a = FlowKey::ipv4(1, 2, 3, 4, 6);
  EXPECT_EQ(a, FlowKey::ipv4(1, 2, 3, 4, 6));
  EXPECT_NE(a, FlowKey::ipv4(1, 2, 3, 4, 17));
  EXPECT_NE(a, FlowKey::ipv4(1, 2, 3, 5, 6));
  EXPECT_TRUE(FlowKey::ipv4(1, 2, 3, 4, 6) < FlowKey::ipv4(1, 3, 0, 0, 0));
}

}  // namespace
}  // namespace rlisim::core
