// PacketHasher against packet_hash() itself: the same value at both taps for every packet,
// whether the flow's key hash is kept or not.

#include "models/packet_hash.hpp"

#include <cstdint>

#include <gtest/gtest.h>

#include "sim/core/rng.hpp"

namespace rlisim::models {
namespace {

core::Packet packet(std::uint32_t flow, std::uint64_t seq, std::int64_t arrival) {
  core::Packet p;
  p.flow = core::FlowKey::ipv4(0x0a000000u + flow, 0x0b000000u, 1000, 80, 6);
  p.arrival = core::Time{arrival};
  p.source = static_cast<std::uint16_t>(flow % 3);
  p.seq = seq;
  return p;
}

TEST(PacketHasher, GivesPacketHashAtBothTapsForKnownAndUnknownFlows) {
  const std::uint64_t seed = 0x1234'5678'9abc'def0ULL;
  PacketHasher hasher(seed);
  // Flows 0-49 are announced, 50-99 are not; ids are reused for other keys once restarted.
  for (std::uint32_t f = 0; f < 50; ++f)
    hasher.start_flow(packet(f, 0, 0).flow, f);
  std::uint64_t mismatches = 0;
  for (std::uint64_t n = 0; n < 20'000; ++n) {
    const auto f = static_cast<std::uint32_t>(core::mix64(n) % 100);
    const core::Packet p = packet(f, n, static_cast<std::int64_t>(n) * 1000);
    const std::uint64_t expected = packet_hash(p, seed);
    mismatches += hasher.at_ingress(p, f) != expected;
    mismatches += hasher.at_egress(p, f) != expected;
    mismatches += hasher.at_egress(p, f) != expected;
  }
  EXPECT_EQ(mismatches, 0u);
  // A reused id: the new key's hash from the restart on; a released id that no flow restarted
  // is hashed in full.
  hasher.start_flow(packet(77, 0, 0).flow, 3);
  const core::Packet reused = packet(77, 5, 1);
  EXPECT_EQ(hasher.at_ingress(reused, 3), packet_hash(reused, seed));
  hasher.release_flow(4);
  const core::Packet unannounced = packet(78, 6, 2);
  EXPECT_EQ(hasher.at_ingress(unannounced, 4), packet_hash(unannounced, seed));
}

TEST(PacketHasher, AnEgressThatIsNotTheLatestIngressPacketIsHashedInFull) {
  const std::uint64_t seed = 7;
  PacketHasher hasher(seed);
  hasher.start_flow(packet(1, 0, 0).flow, 0);
  hasher.start_flow(packet(2, 0, 0).flow, 1);
  const core::Packet a = packet(1, 10, 100);
  const core::Packet b = packet(2, 10, 100);  // same seq and time, another flow and source
  const core::Packet c = packet(1, 11, 100);  // same flow and time, another seq
  hasher.at_ingress(a, 0);
  EXPECT_EQ(hasher.at_egress(b, 1), packet_hash(b, seed));
  EXPECT_EQ(hasher.at_egress(c, 0), packet_hash(c, seed));
  EXPECT_NE(packet_hash(a, seed), packet_hash(c, seed));
  EXPECT_EQ(hasher.at_egress(a, 0), packet_hash(a, seed));
}

}  // namespace
}  // namespace rlisim::models
