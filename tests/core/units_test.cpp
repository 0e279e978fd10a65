#include "sim/core/units.hpp"

#include <gtest/gtest.h>

namespace rlisim::core {
namespace {

TEST(SerializationTime, IsExactAtTenGigabit) {
  // 8 bits at 10 Gb/s = 800 ps per byte, no rounding.
  EXPECT_EQ(serialization_time(Bytes{1}, BitsPerSecond{10'000'000'000}).count(), 800);
  EXPECT_EQ(serialization_time(Bytes{1500}, BitsPerSecond{10'000'000'000}).count(), 1'200'000);
}

TEST(SerializationTime, RoundsUpWhenNotExact) {
  // 40 B at 9.953280 Gb/s: 320e12 / 9953280000 = 32150.17... ps -> 32151 ps.
  EXPECT_EQ(serialization_time(Bytes{40}, BitsPerSecond{9'953'280'000}).count(), 32151);
  // 1 B at 3 b/s = 8/3 s -> ceil in ps.
  EXPECT_EQ(serialization_time(Bytes{1}, BitsPerSecond{3}).count(), 2'666'666'666'667);
}

TEST(Ns3SerializationTime, RoundsToWholeNanosecondsAsNs3Does) {
  // Values checked against ns-3.37's DataRate::CalculateBytesTxTime.
  EXPECT_EQ(ns3_serialization_time(Bytes{1500}, BitsPerSecond{10'000'000'000}).count(), 1'200'000);
  // 40 B at OC-192: 32.150 ns -> 32 ns; 1500 B: 1205.633 ns -> 1206 ns.
  EXPECT_EQ(ns3_serialization_time(Bytes{40}, BitsPerSecond{9'953'280'000}).count(), 32'000);
  EXPECT_EQ(ns3_serialization_time(Bytes{1500}, BitsPerSecond{9'953'280'000}).count(), 1'206'000);
  // 100 B at 3 Gb/s: 266.67 ns -> 267 ns.
  EXPECT_EQ(ns3_serialization_time(Bytes{100}, BitsPerSecond{3'000'000'000}).count(), 267'000);
}

TEST(Ns3SerializationTime, TruncatesToFixedPointBeforeRoundingHalves) {
  // 1 B at 16 Gb/s is exactly 0.5 ns, but 0.5e-9 s is not a multiple of 2^-64 s: truncated
  // just below the half, it rounds down to 0 (3 B, 1.5 ns, to 1 ns).
  EXPECT_EQ(ns3_serialization_time(Bytes{1}, BitsPerSecond{16'000'000'000}).count(), 0);
  EXPECT_EQ(ns3_serialization_time(Bytes{3}, BitsPerSecond{16'000'000'000}).count(), 1000);
  // 1 B at 8192 b/s is 2^-10 s = 976562.5 ns exactly in Q64.64: the half rounds up.
  EXPECT_EQ(ns3_serialization_time(Bytes{1}, BitsPerSecond{8192}).count(), 976'563'000);
  // Whole seconds: 1 B at 3 b/s = 2.6666666667 s.
  EXPECT_EQ(ns3_serialization_time(Bytes{1}, BitsPerSecond{3}).count(), 2'666'666'667'000);
}

TEST(SerializationTime, DoesNotOverflowForHugeFrames) {
  EXPECT_EQ(serialization_time(Bytes{262144}, BitsPerSecond{1'000'000}).count(),
            262144LL * 8 * 1'000'000);
}

TEST(ParseDuration, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(try_parse_duration("1.5us")->count(), 1'500'000);
  EXPECT_EQ(try_parse_duration("10 ms")->count(), 10'000'000'000);
  EXPECT_EQ(try_parse_duration("250ns")->count(), 250'000);
  EXPECT_EQ(try_parse_duration("2")->count(), 2'000'000'000'000);
  EXPECT_EQ(try_parse_duration("800ps")->count(), 800);
}

TEST(ParseDuration, RejectsMalformedAndNegative) {
  EXPECT_FALSE(try_parse_duration(""));
  EXPECT_FALSE(try_parse_duration("fast"));
  EXPECT_FALSE(try_parse_duration("-1us"));
  EXPECT_FALSE(try_parse_duration("1 parsec"));
  EXPECT_FALSE(try_parse_duration("1e30s"));
}

TEST(ParseRate, AcceptsCommonSpellings) {
  EXPECT_EQ(try_parse_rate("10Gbps")->value, 10'000'000'000ULL);
  EXPECT_EQ(try_parse_rate("9.95328 Gb/s")->value, 9'953'280'000ULL);
  EXPECT_EQ(try_parse_rate("100Mbps")->value, 100'000'000ULL);
  EXPECT_EQ(try_parse_rate("1e9")->value, 1'000'000'000ULL);
  EXPECT_FALSE(try_parse_rate("10 Gigs"));
}

TEST(ParseRate, KeepsRatesAboveTheInt64Range) {
  // Rates past 2^63 b/s must not wrap, as a rounding through long long would.
  EXPECT_EQ(try_parse_rate("1e19")->value, 10'000'000'000'000'000'000ULL);
  EXPECT_EQ(try_parse_rate("18e18")->value, 18'000'000'000'000'000'000ULL);
  EXPECT_FALSE(try_parse_rate("1.9e19"));
}

TEST(ParseBytes, AcceptsBinaryAndDecimalPrefixes) {
  EXPECT_EQ(try_parse_bytes("1500")->value, 1500u);
  EXPECT_EQ(try_parse_bytes("64KiB")->value, 65536u);
  EXPECT_EQ(try_parse_bytes("1MB")->value, 1'000'000u);
  EXPECT_FALSE(try_parse_bytes("1.5"));
  EXPECT_FALSE(try_parse_bytes("12 apples"));
}

}  // namespace
}  // namespace rlisim::core
