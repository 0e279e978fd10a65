// RLI sender policies: when references are due, adaptive switching, the byte-share cap.

#include "models/rli/reference_policy.hpp"

#include <gtest/gtest.h>

namespace rlisim::models::rli {
namespace {

using core::Time;

constexpr core::BitsPerSecond k8Mbps{8'000'000};  // one byte per microsecond

TEST(ReferenceSender, StaticPolicySendsOneReferenceAfterEveryNRegularPackets) {
  ReferencePolicyConfig c;
  c.n = 3;
  ReferenceSender s(c, k8Mbps);
  std::vector<int> after;
  for (int i = 1; i <= 10; ++i) {
    if (s.on_packet(Time{i}, 100, true)) {
      after.push_back(i);
      s.on_reference(Time{i});
    }
    EXPECT_FALSE(s.on_packet(Time{i}, 100, false));  // cross traffic never triggers one
  }
  EXPECT_EQ(after, (std::vector<int>{3, 6, 9}));
  EXPECT_EQ(s.counters().references, 3u);
  EXPECT_EQ(s.counters().reference_bytes, 3u * 64);
  EXPECT_EQ(s.counters().regular_packets, 10u);
  EXPECT_EQ(s.counters().egress_packets, 23u);
}

TEST(ReferenceSender, PeriodicPolicyIsDueEveryPeriod) {
  ReferencePolicyConfig c;
  c.kind = PolicyKind::kPeriodic;
  c.period = core::microseconds(10);
  ReferenceSender s(c, k8Mbps);
  std::vector<std::int64_t> due;
  for (int i = 0; i < 3; ++i) {
    due.push_back(s.next_due()->count());
    EXPECT_TRUE(s.take_due());
  }
  EXPECT_EQ(due, (std::vector<std::int64_t>{10'000'000, 20'000'000, 30'000'000}));
  EXPECT_FALSE(s.on_packet(Time{1}, 100, true));
}

TEST(ReferenceSender, JitterStaysWithinItsBoundsAndIsReproducible) {
  ReferencePolicyConfig c;
  c.kind = PolicyKind::kPeriodic;
  c.period = core::microseconds(10);
  c.jitter = 0.5;
  ReferenceSender a(c, k8Mbps);
  ReferenceSender b(c, k8Mbps);
  bool varied = false;
  for (int i = 0; i < 1000; ++i) {
    const auto before = *a.next_due();
    a.take_due();
    b.take_due();
    const auto gap = (*a.next_due() - before).count();
    EXPECT_GE(gap, 5'000'000);
    EXPECT_LE(gap, 15'000'000);
    varied |= gap != 10'000'000;
    EXPECT_EQ(*a.next_due(), *b.next_due());
  }
  EXPECT_TRUE(varied);
}

TEST(ReferenceSender, AdaptivePolicySwitchesNWhereTheTableSays) {
  ReferencePolicyConfig c;
  c.kind = PolicyKind::kAdaptive;
  c.table = {{0.0, 10}, {0.5, 100}};
  c.window = core::milliseconds(1);  // 1000 bytes per window at 8 Mb/s
  ReferenceSender s(c, k8Mbps);
  EXPECT_EQ(s.current_n(), 10u);  // before any window closes: the idle row
  // Window 0: 400 bytes (u = 0.4) -> stays at 10 when window 1 starts.
  s.on_packet(core::microseconds(100), 400, true);
  s.on_packet(core::microseconds(1000), 600, true);
  EXPECT_DOUBLE_EQ(s.utilization(), 0.4);
  EXPECT_EQ(s.current_n(), 10u);
  // Window 1 carried 600 bytes (u = 0.6): n switches to 100 when window 2 starts.
  s.on_packet(core::microseconds(2000), 100, true);
  EXPECT_DOUBLE_EQ(s.utilization(), 0.6);
  EXPECT_EQ(s.current_n(), 100u);
  EXPECT_EQ(s.counters().n_changes, 1u);
  // Ten idle windows: utilization 0, back to 10.
  s.on_packet(core::microseconds(13000), 100, true);
  EXPECT_EQ(s.utilization(), 0.0);
  EXPECT_EQ(s.current_n(), 10u);
  EXPECT_EQ(s.counters().windows, 13u);
}

TEST(ReferenceSender, AdaptiveTableInterpolatesWhenAsked) {
  ReferencePolicyConfig c;
  c.kind = PolicyKind::kAdaptive;
  c.table = {{0.0, 10}, {0.5, 110}};
  EXPECT_EQ(n_for_utilization(c, 0.25), 10u);
  c.interpolate = true;
  EXPECT_EQ(n_for_utilization(c, 0.25), 60u);
  EXPECT_EQ(n_for_utilization(c, 0.9), 110u);
}

TEST(ReferenceSender, PresetsRunInOppositeDirections) {
  ReferencePolicyConfig a;
  a.kind = PolicyKind::kAdaptive;
  a.table = preset_table("fewer-at-high-load");
  ReferencePolicyConfig b = a;
  b.table = preset_table("B");
  EXPECT_EQ(n_for_utilization(a, 0.1), 10u);
  EXPECT_EQ(n_for_utilization(a, 0.9), 300u);
  EXPECT_EQ(n_for_utilization(b, 0.1), 300u);
  EXPECT_EQ(n_for_utilization(b, 0.9), 10u);
  EXPECT_THROW(preset_table("C"), std::invalid_argument);
}

TEST(ReferenceSender, ByteShareCapSuppressesReferences) {
  ReferencePolicyConfig c;
  c.n = 1;
  c.reference_bytes = 100;
  c.max_byte_share = 0.1;  // at most 10 % of the bytes
  ReferenceSender s(c, k8Mbps);
  for (int i = 0; i < 1000; ++i) {
    if (s.on_packet(Time{i}, 400, true))
      s.on_reference(Time{i});
    const auto& k = s.counters();
    EXPECT_LE(static_cast<double>(k.reference_bytes), 0.1 * static_cast<double>(k.egress_bytes));
  }
  EXPECT_GT(s.counters().skipped_by_cap, 0u);
  EXPECT_GT(s.counters().references, 0u);
  EXPECT_EQ(s.counters().references + s.counters().skipped_by_cap, 1000u);
}

TEST(ReferenceSender, RejectsInvalidConfigurationsWithTheFieldName) {
  const auto message = [](const ReferencePolicyConfig& c) {
    try {
      validate(c);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  ReferencePolicyConfig c;
  c.n = 0;
  EXPECT_NE(message(c).find("n must be"), std::string::npos);
  c = {};
  c.kind = PolicyKind::kAdaptive;
  EXPECT_NE(message(c).find("table"), std::string::npos);
  c.table = {{0.0, 10}, {0.0, 20}};
  EXPECT_NE(message(c).find("increase strictly"), std::string::npos);
  c.table = {{0.1, 10}};
  EXPECT_NE(message(c).find("start at utilization 0"), std::string::npos);
  c = {};
  c.max_byte_share = 0;
  EXPECT_NE(message(c).find("max_byte_share"), std::string::npos);
  EXPECT_THROW(ReferenceSender(ReferencePolicyConfig{}, core::BitsPerSecond{0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace rlisim::models::rli
