#include "traces/synthetic/size_mix.hpp"

#include <cstdint>
#include <map>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/core/error.hpp"

namespace rlisim::traces {
namespace {

using ::testing::HasSubstr;

// Fraction of a fine uniform grid that the alias table maps to each size: exact up to 1/grid.
std::map<std::uint32_t, double> grid_frequencies(const SizeMix& mix, int grid) {
  std::map<std::uint32_t, double> freq;
  for (int i = 0; i < grid; ++i)
    freq[mix.sample((i + 0.5) / grid)] += 1.0 / grid;
  return freq;
}

TEST(SizeMix, DefaultIsTheCaida2018BimodalMix) {
  const SizeMix mix;
  EXPECT_EQ(mix.name(), "caida2018");
  // 0.3 * 40 + 0.1 * 576 + 0.6 * 1500 (anchors.md §5).
  EXPECT_NEAR(mix.mean_bytes(), 969.6, 1e-9);
  EXPECT_NEAR(mix.second_moment_bytes2(), 0.3 * 1600 + 0.1 * 331776 + 0.6 * 2250000, 1e-6);
  EXPECT_NEAR(mix.variance_bytes2(), 1383657.6 - 969.6 * 969.6, 1e-6);
  EXPECT_EQ(mix.min_bytes(), 40u);
  EXPECT_EQ(mix.max_bytes(), 1500u);
}

TEST(SizeMix, NamedMixesHaveTheDocumentedMeans) {
  EXPECT_NEAR(SizeMix::named("trimodal").mean_bytes(), 539.0, 1e-9);
  EXPECT_NEAR(SizeMix::named("imix").mean_bytes(), (7 * 40 + 4 * 576 + 1500) / 12.0, 1e-9);
  EXPECT_NEAR(SizeMix::named("imix").probability(40), 7.0 / 12, 1e-12);
  EXPECT_NEAR(SizeMix::named("trimodal").probability(576), 0.25, 1e-12);
  EXPECT_EQ(SizeMix::named("trimodal").probability(577), 0.0);
}

TEST(SizeMix, UnknownNameListsTheValidNames) {
  try {
    (void)SizeMix::named("caida2019");
    FAIL() << "expected ConfigError";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("caida2019"));
    EXPECT_THAT(e.what(), HasSubstr("caida2018, trimodal, imix"));
  }
}

TEST(SizeMix, AliasTableReproducesTheProbabilities) {
  for (const auto name : SizeMix::names()) {
    const SizeMix mix = SizeMix::named(name);
    const auto freq = grid_frequencies(mix, 1 << 20);
    for (const auto& e : mix.entries()) {
      EXPECT_NEAR(freq.at(e.wire_bytes), e.probability, 1e-5) << name << " " << e.wire_bytes;
    }
  }
}

TEST(SizeMix, AliasTableIsExactForManyUnevenSizes) {
  std::vector<SizeMix::Entry> entries;
  double total = 0;
  for (std::uint32_t s = 40; s < 1540; s += 15) {
    entries.push_back({s, 1.0 + (s % 7) * (s % 11)});
    total += 1.0 + (s % 7) * (s % 11);
  }
  const SizeMix mix(entries);
  const auto freq = grid_frequencies(mix, 1 << 22);
  double mean = 0;
  for (const auto& e : entries) {
    EXPECT_NEAR(freq.at(e.wire_bytes), e.probability / total, 2e-6) << e.wire_bytes;
    mean += e.wire_bytes * e.probability / total;
  }
  EXPECT_NEAR(mix.mean_bytes(), mean, 1e-9);
}

TEST(SizeMix, SamplingWithAGeneratorIsDeterministic) {
  const SizeMix mix;
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(mix.sample(a), mix.sample(b));
}

TEST(SizeMix, FromHistogramNormalisesCounts) {
  const SizeMix mix = SizeMix::from_histogram({{40, 250}, {1500, 750}});
  EXPECT_NEAR(mix.probability(40), 0.25, 1e-12);
  EXPECT_NEAR(mix.probability(1500), 0.75, 1e-12);
  EXPECT_NEAR(mix.mean_bytes(), 0.25 * 40 + 0.75 * 1500, 1e-9);
  EXPECT_THAT(mix.name(), HasSubstr("1000 packets"));
}

TEST(SizeMix, FromSizesCountsEachObservation) {
  const std::vector<std::uint32_t> sizes = {40, 40, 52, 1500, 40, 1500, 576, 40};
  const SizeMix mix = SizeMix::from_sizes(sizes);
  EXPECT_EQ(mix.entries().size(), 4u);
  EXPECT_NEAR(mix.probability(40), 0.5, 1e-12);
  EXPECT_NEAR(mix.probability(1500), 0.25, 1e-12);
  EXPECT_NEAR(mix.mean_bytes(), (4 * 40 + 52 + 2 * 1500 + 576) / 8.0, 1e-9);
}

TEST(SizeMix, EqualSizesAreMergedAndZeroWeightsDropped) {
  const SizeMix mix({{100, 1}, {200, 0}, {100, 3}, {300, 4}});
  ASSERT_EQ(mix.entries().size(), 2u);
  EXPECT_NEAR(mix.probability(100), 0.5, 1e-12);
  EXPECT_EQ(mix.probability(200), 0.0);
}

TEST(SizeMix, ANormalisedMixBuildsTheSameMixAgain) {
  // 0.7 + 0.1 + 0.5 = 1.3: normalised, the weights no longer sum to exactly 1, and dividing by
  // that sum again would move them by an ulp each time a printed mix is read back.
  const SizeMix once({{40, 0.7}, {576, 0.1}, {1500, 0.5}});
  const SizeMix twice(once.entries());
  ASSERT_EQ(twice.entries().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(twice.entries()[i].probability, once.entries()[i].probability) << i;
}

TEST(SizeMix, WithMinSizeRaisesSmallPackets) {
  const SizeMix mix = SizeMix::from_histogram({{28, 1}, {36, 1}, {1500, 2}});
  const SizeMix raised = mix.with_min_size(40);
  EXPECT_EQ(raised.min_bytes(), 40u);
  EXPECT_NEAR(raised.probability(40), 0.5, 1e-12);
  EXPECT_NEAR(raised.mean_bytes(), 0.5 * 40 + 0.5 * 1500, 1e-9);
}

TEST(SizeMix, RejectsBadInputWithClearMessages) {
  const auto message = [](auto&& make) -> std::string {
    try {
      make();
    } catch (const core::ConfigError& e) {
      return e.what();
    }
    return "no exception";
  };
  EXPECT_THAT(message([] { SizeMix(std::vector<SizeMix::Entry>{}); }), HasSubstr("no sizes given"));
  EXPECT_THAT(message([] { SizeMix({{19, 1}}); }), HasSubstr("size of 19 B"));
  EXPECT_THAT(message([] { SizeMix({{65536, 1}}); }), HasSubstr("[20, 65535]"));
  EXPECT_THAT(message([] { SizeMix({{40, -1}}); }), HasSubstr("weight of size 40 B is -1"));
  EXPECT_THAT(message([] { SizeMix({{40, std::nan("")}}); }), HasSubstr("finite"));
  EXPECT_THAT(message([] { SizeMix({{40, 0}, {80, 0}}); }), HasSubstr("all weights are zero"));
  EXPECT_THAT(message([] { SizeMix::from_histogram({}); }), HasSubstr("no packets"));
  EXPECT_THAT(message([] { SizeMix::from_histogram({{40, 0}}); }), HasSubstr("no packets"));
  EXPECT_THAT(message([] { SizeMix::from_histogram({{10, 5}}); }), HasSubstr("10 B"));
  EXPECT_THAT(message([] { SizeMix().with_min_size(70000); }), HasSubstr("70000"));
}

}  // namespace
}  // namespace rlisim::traces
