// append_fixed3 against fmt's "{:.3f}", which it replaces in flows.csv: the same text for every
// finite double, so that the rows stay byte-identical.

#include "sim/run/report/text_fields.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace rlisim::run {
namespace {

std::string fixed3(double v) {
  std::string out = "x";  // appends: what is there stays
  append_fixed3(out, v);
  return out;
}

void expect_as_fmt(double v) {
  std::string expected = "x";
  expected += fmt::format("{:.3f}", v);
  EXPECT_EQ(fixed3(v), expected) << fmt::format("{:a}", v);
}

TEST(TextFields, FixedThreeDecimalsAreWhatFmtWrites) {
  // Exact ties (ties go to the even digit), values next to them and next to every rounding
  // boundary, signs and zeros, the extremes of the exponent range.
  std::vector<double> values = {0.0,
                                -0.0,
                                0.0625,
                                -0.0625,
                                0.1875,
                                1.0625,
                                2.5625,
                                0.0005,
                                -0.0004,
                                0.0015,
                                999.9995,
                                1e-300,
                                -1e-300,
                                4.9e-324,
                                std::numeric_limits<double>::min(),
                                0.99999,
                                123456.0625,
                                9007199254740991.0,
                                9007199254740992.0,
                                4503599627370495.5,
                                1e300,
                                -1e300};
  for (std::int64_t k = 0; k < 4000; ++k) {
    const double tie = (2.0 * static_cast<double>(k) + 1) / 2000;  // exact only when it can be
    values.push_back(tie);
    values.push_back(std::nextafter(tie, 0.0));
    values.push_back(std::nextafter(tie, 1e9));
    values.push_back(-tie);
  }
  for (int e = -60; e <= 60; ++e)
    values.push_back(std::ldexp(1.0, e) * 0.1875);
  for (const double v : values)
    expect_as_fmt(v);
  // Delays as a run writes them: ps times 1e-3, from 1 ps to days, and random bit patterns.
  std::mt19937_64 rng(20);
  for (int i = 0; i < 100'000; ++i) {
    const double ps = std::floor(std::exp(std::uniform_real_distribution<double>(0, 40)(rng)));
    expect_as_fmt(ps * 1e-3);
    expect_as_fmt(std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
    const double any = std::bit_cast<double>(rng());
    if (std::isfinite(any))
      expect_as_fmt(any);
  }
}

TEST(TextFields, NanosecondFieldsAreEmptyWhenUndefined) {
  EXPECT_EQ(ns_field(NAN), "");
  EXPECT_EQ(ns_field(1234567), "1234.567");
  std::string row = "a";
  append_ns_field(row, 1500);
  append_ns_field(row, INFINITY);
  EXPECT_EQ(row, "a,1.500,");
}

}  // namespace
}  // namespace rlisim::run
