// Sweep files: grid expansion, seed derivation, sharding, and errors on bad sweep files.

#include "sim/sweep/sweep_spec.hpp"

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"
#include "tests/sweep/sweep_test_support.hpp"

namespace rlisim::sweep {
namespace {

using ::testing::HasSubstr;

const std::string kBase = std::string(RLISIM_SOURCE_DIR) + "/configs";

SweepSpec parse(const std::string& text) {
  return parse_sweep("base = \"quickstart.toml\"\n" + text, "test.toml", kBase);
}

std::vector<std::string> keys(const std::vector<Point>& points) {
  std::vector<std::string> out;
  for (const auto& p : points)
    out.push_back(p.key);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SweepSpec, ExpandsTheCrossProductFirstAxisOutermost) {
  const auto points = expand(parse(R"(
[[axis]]
key = "utilization.target"
values = [0.5, 0.9]
[[axis]]
key = "source.0.profile"
values = ["chic", "sanj", "default"]
)"));
  ASSERT_EQ(points.size(), 6u);
  EXPECT_THAT(keys(points),
              ::testing::ElementsAre("utilization.target=0.5, source.0.profile=chic",
                                     "utilization.target=0.5, source.0.profile=sanj",
                                     "utilization.target=0.5, source.0.profile=default",
                                     "utilization.target=0.9, source.0.profile=chic",
                                     "utilization.target=0.9, source.0.profile=sanj",
                                     "utilization.target=0.9, source.0.profile=default"));
  for (std::size_t i = 0; i < points.size(); ++i)
    EXPECT_EQ(points[i].index, i);
  // Strings go to --set quoted, as TOML; the reported value has no quotes.
  EXPECT_EQ(points[1].overrides[1].assignment(), "source.0.profile=\"sanj\"");
  EXPECT_EQ(points[1].params[1].value, "sanj");
}

TEST(SweepSpec, RepetitionsAreInnermostWithDistinctDerivedSeeds) {
  const auto spec = parse("repetitions = 3\n[[axis]]\nkey = \"rli.n\"\nvalues = [10, 20]\n");
  const auto points = expand(spec);
  ASSERT_EQ(points.size(), 6u);
  std::set<std::uint64_t> seeds;
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(points[i].repetition, static_cast<std::int64_t>(i % 3));
    EXPECT_EQ(points[i].overrides.back().key, "seed");
    EXPECT_EQ(points[i].overrides.back().value, std::to_string(points[i].seed));
    EXPECT_LT(points[i].seed, std::uint64_t{1} << 53);
    seeds.insert(points[i].seed);
  }
  EXPECT_EQ(seeds.size(), 6u);
}

TEST(SweepSpec, SeedsDependOnThePointNotOnTheRestOfTheGrid) {
  const auto small = expand(parse("[[axis]]\nkey = \"utilization.target\"\nvalues = [0.5]\n"));
  const auto large = expand(
      parse("repetitions = 2\n[[axis]]\nkey = \"utilization.target\"\nvalues = [0.3, 0.5, 0.7]\n"));
  ASSERT_EQ(small.size(), 1u);
  ASSERT_EQ(large.size(), 6u);
  // Same grid point and repetition: same seed, though its index moved from 0 to 2.
  EXPECT_EQ(large[2].key, small[0].key);
  EXPECT_EQ(large[2].seed, small[0].seed);
  EXPECT_EQ(small[0].seed, derive_seed("utilization.target=0.5", 0, 1));
  // Another sweep seed draws other seeds.
  EXPECT_NE(derive_seed("utilization.target=0.5", 0, 2), small[0].seed);
  EXPECT_NE(derive_seed("utilization.target=0.5", 1, 1), small[0].seed);
}

TEST(SweepSpec, RangesIncludeBothEndsWithoutRoundingNoise) {
  const auto points = expand(parse(R"(
[[axis]]
key = "utilization.target"
range = { from = 0.2, to = 0.9, step = 0.1 }
)"));
  ASSERT_EQ(points.size(), 8u);
  EXPECT_EQ(points[1].params[0].value, "0.3");
  EXPECT_EQ(points[7].params[0].value, "0.9");
  const auto log = expand(parse(R"(
[[axis]]
key = "rli.n"
range = { from = 10, to = 1000, count = 3, scale = "log" }
)"));
  EXPECT_THAT(keys(log), ::testing::ElementsAre("rli.n=10", "rli.n=100", "rli.n=1000"));
  const auto ints =
      expand(parse("[[axis]]\nkey = \"rli.n\"\nrange = { from = 10, to = 40, step = 15 }\n"));
  EXPECT_THAT(keys(ints), ::testing::ElementsAre("rli.n=10", "rli.n=25", "rli.n=40"));
}

TEST(SweepSpec, ZippedAndVariantAxesMoveSeveralKeysTogether) {
  const auto points = expand(parse(R"(
[set]
"source.0.duration" = "50ms"
[[axis]]
keys = ["utilization.target", "source.0.rate"]
values = [[0.3, "3Gbps"], [0.6, "6Gbps"]]
[[axis]]
name = "policy"
# A variant's keys apply in key order (TOML tables are unordered).
variants = [{ "rli.policy" = "static", "rli.n" = 10 }, { "rli.policy" = "periodic" }]
labels = ["static-10", "periodic"]
)"));
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].key, "utilization.target=0.3, source.0.rate=3Gbps, policy=static-10");
  std::vector<std::string> assignments;
  for (const auto& o : points[0].overrides)
    assignments.push_back(o.assignment());
  EXPECT_THAT(assignments,
              ::testing::ElementsAre("source.0.duration=\"50ms\"", "utilization.target=0.3",
                                     "source.0.rate=\"3Gbps\"", "rli.n=10", "rli.policy=\"static\"",
                                     ::testing::StartsWith("seed=")));
  EXPECT_EQ(points[3].params.back().name, "policy");
  EXPECT_EQ(points[3].params.back().value, "periodic");
}

TEST(SweepSpec, StringValuesWithControlCharactersReachTheConfigurationUnchanged) {
  // Each override must be TOML value text, or --set would take it as a string, quotes and all.
  const auto points = expand(parse(R"(
[[axis]]
key = "router.port.0.name"
values = ["tab\there", "del\u007f", "new\nline", "quote\"s"]
)"));
  std::vector<std::string> names;
  for (const auto& p : points) {
    std::vector<std::string> set;
    for (const auto& o : p.overrides)
      set.push_back(o.assignment());
    names.push_back(config::load_config(kBase + "/quickstart.toml", set).router.egress[0].name);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("tab\there", "del\x7f", "new\nline", "quote\"s"));
}

TEST(SweepSpec, ArrayValuesStayOnOneLine) {
  // --set refuses a value that spans lines.
  const auto points = expand(parse(R"(
[[axis]]
key = "source.0.size_mix"
values = [[["multi\nline", 1]]]
)"));
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].overrides[0].value.find('\n'), std::string::npos)
      << points[0].overrides[0].value;
}

TEST(SweepSpec, ALongArrayOfTablesIsOneOverride) {
  // TOML printers break long arrays of tables over lines; --set takes one line.
  const auto spec = parse(R"([set]
"router.port" = [{ name = "a", rate = "10Gbps", buffer_packets = 1000 },
                 { name = "b", rate = "10Gbps", buffer_packets = 1000 },
                 { name = "c", rate = "1Gbps", buffer_packets = 100 }]
)");
  ASSERT_EQ(spec.fixed.size(), 1u);
  EXPECT_EQ(spec.fixed[0].value.find('\n'), std::string::npos) << spec.fixed[0].value;
  const auto config = config::load_config(kBase + "/quickstart.toml", {spec.fixed[0].assignment()});
  ASSERT_EQ(config.router.egress.size(), 3u);
  EXPECT_EQ(config.router.egress[2].name, "c");
}

TEST(SweepSpec, UnquotedDottedKeysAreRefusedWithTheSpellingThatWorks) {
  // Unquoted, utilization.target = 0.5 is a table [utilization] that would replace the base's.
  EXPECT_THAT(error_of("[set]\nutilization.target = 0.5\n"), HasSubstr("quote dotted key paths"));
  EXPECT_THAT(error_of("[[axis]]\nname = \"v\"\nvariants = [{ rli.n = 10 }]\n"),
              HasSubstr("quote dotted key paths"));
  // A quoted path, and an inline table that replaces a whole table, are fine.
  EXPECT_EQ(error_of("[set]\n\"utilization.target\" = 0.5\nrli = { n = 10 }\n"), "no error");
}

TEST(SweepSpec, NoAxesIsOnePointPerRepetition) {
  const auto points = expand(parse("repetitions = 2\n"));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].key, "");
  EXPECT_NE(points[0].seed, points[1].seed);
}

TEST(SweepSpec, AnExplicitSeedAxisIsUsedAsIs) {
  const auto points = expand(parse("[[axis]]\nkey = \"seed\"\nvalues = [7, 8]\n"));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].overrides.back().assignment(), "seed=7");
  EXPECT_THAT(error_of("repetitions = 2\n[set]\nseed = 3\n"), HasSubstr("repetitions"));
}

TEST(SweepSpec, BadSweepFilesNameTheKeyAndWhatWasExpected) {
  EXPECT_THAT(error_of("[[axis]]\nkey = \"a\"\n"), HasSubstr("an axis is one of"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"a\"\nvalues = []\n"), HasSubstr("non-empty"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"a\"\nrange = { from = 1, to = 2 }\n"),
              HasSubstr("exactly one of 'step'"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"a\"\nrange = { from = 1, to = 2, step = -1 }\n"),
              HasSubstr("never reaches"));
  EXPECT_THAT(error_of("[[axis]]\nkeys = [\"a\", \"b\"]\nvalues = [[1]]\n"),
              HasSubstr("row 0: expected an array of 2 values"));
  EXPECT_THAT(error_of("[[axis]]\nvariants = [{ a = 1 }]\n"), HasSubstr("needs a 'name'"));
  EXPECT_THAT(error_of("repetitons = 2\n"), HasSubstr("unknown key 'repetitons'"));
  EXPECT_THAT(error_of("repetitions = 0\n"), HasSubstr("test.toml:2"));
  try {
    parse_sweep("name = \"x\"\n", "nobase.toml", ".");
    FAIL() << "a sweep without base was accepted";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("needs 'base'"));
  }
}

TEST(SweepSpec, AKeyOnTwoAxesIsRefusedNamingTheLineAndTheKey) {
  // Line 1 is the base; the second axis opens on line 5 and names its key on line 6.
  EXPECT_THAT(
      error_of("[[axis]]\nkey = \"utilization.target\"\nvalues = [0.5]\n"
               "[[axis]]\nkey = \"utilization.target\"\nvalues = [0.6]\n"),
      HasSubstr("test.toml:6: key 'axis[1].key': 'utilization.target' is also set by axis 0 "
                "(test.toml:3)"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"rli.n\"\nvalues = [10]\n"
                       "[[axis]]\nname = \"policy\"\nvariants = [{ \"rli.policy\" = \"static\" }, "
                       "{ \"rli.n\" = 20 }]\n"),
              HasSubstr("test.toml:7: key 'axis[1].variants': 'rli.n' is also set by axis 0"));
  EXPECT_THAT(error_of("[[axis]]\nkeys = [\"a\", \"b\", \"a\"]\nvalues = [[1, 2, 3]]\n"),
              HasSubstr("test.toml:3: key 'axis[0].keys': 'a' is listed twice"));
}

TEST(SweepSpec, AValueTwiceOnAnAxisIsRefusedNamingItsLine) {
  EXPECT_THAT(error_of("[[axis]]\nkey = \"utilization.target\"\nvalues = [0.5, 0.5]\n"),
              HasSubstr("test.toml:4: key 'axis[0].values': utilization.target=0.5 is on this "
                        "axis twice (positions 0 and 1)"));
  // The line of the repeated value itself, in a multi-line array; 0.50 is 0.5.
  EXPECT_THAT(
      error_of("[[axis]]\nkey = \"utilization.target\"\nvalues = [\n  0.3,\n  0.5,\n  0.50,\n]\n"),
      HasSubstr("test.toml:7: key 'axis[0].values': utilization.target=0.5 is on this axis "
                "twice (positions 1 and 2)"));
  EXPECT_THAT(error_of("[[axis]]\nkeys = [\"a\", \"b\"]\nvalues = [[1, 2],\n  [1, 2]]\n"),
              HasSubstr("test.toml:5: key 'axis[0].values': a=1, b=2 is on this axis twice"));
  EXPECT_THAT(error_of("[[axis]]\nname = \"v\"\nvariants = [{ a = 1, b = 2 },\n"
                       "  { b = 2, a = 1 }]\n"),
              HasSubstr("test.toml:5: key 'axis[0].variants': a=1, b=2 is on this axis twice"));
  // Different settings under one label would share a point key (and a derived seed).
  EXPECT_THAT(error_of("[[axis]]\nname = \"v\"\nvariants = [{ a = 1 }, { a = 2 }]\n"
                       "labels = [\"x\", \"x\"]\n"),
              HasSubstr("key 'axis[0].variants': v=x is on this axis twice"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"rli.n\"\nrange = { from = 1, to = 1.0000000000001, "
                       "count = 3 }\n"),
              HasSubstr("test.toml:4: key 'axis[0].range': rli.n=1.0 is on this axis twice"));
}

// A grid over the limit is refused at the range that overflows it, before its values exist: a
// file of several ranges of a million values each would otherwise build them all first.
TEST(SweepSpec, ARangeLargerThanTheGridHasRoomForIsRefusedBeforeItIsBuilt) {
  EXPECT_THAT(error_of("repetitions = 10\n[[axis]]\nkey = \"a\"\nrange = { from = 1, to = 2, "
                       "count = 1000 }\n[[axis]]\nkey = \"b\"\nrange = { from = 1, to = "
                       "1e9, count = 1000000 }\n"),
              HasSubstr("key 'axis[1].range.count': the range has 1000000 values; the grid has "
                        "room for 100 more (at most 1000000 points in all)"));
  EXPECT_THAT(error_of("[[axis]]\nkey = \"a\"\nrange = { from = 0, to = 1e7, step = 1 }\n"),
              HasSubstr("key 'axis[0].range.step': the range has 10000001 values"));
  // Exactly at the limit is allowed.
  EXPECT_EQ(parse("repetitions = 10\n[[axis]]\nkey = \"a\"\nrange = { from = 1, to = 1e5, "
                  "count = 100000 }\n")
                .axes.front()
                .values.size(),
            100000u);
}

TEST(SweepSpec, ResolveRejectsABadPointBeforeAnythingRuns) {
  auto spec = parse("[[axis]]\nkey = \"utilization.target\"\nvalues = [0.5, 7.0]\n");
  auto points = expand(spec);
  try {
    resolve(spec, points);
    FAIL() << "utilization.target = 7 was accepted";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("point 1 (utilization.target=7.0"));
    EXPECT_THAT(e.what(), HasSubstr("utilization.target"));
  }
}

TEST(SweepSpec, PointHashesFollowTheResolvedConfiguration) {
  auto spec =
      parse("repetitions = 2\n[[axis]]\nkey = \"utilization.target\"\nvalues = [0.5, 0.8]\n");
  auto points = expand(spec);
  resolve(spec, points);
  std::set<std::string> hashes;
  for (const auto& p : points) {
    EXPECT_EQ(p.hash.size(), 32u);
    EXPECT_THAT(p.config_toml, HasSubstr(fmt::format("seed = {}", p.seed)));
    hashes.insert(p.hash);
  }
  EXPECT_EQ(hashes.size(), points.size());
  auto again = expand(spec);
  resolve(spec, again);
  EXPECT_EQ(again[3].hash, points[3].hash);
  EXPECT_NE(content_hash("abc"), content_hash("abd"));
}

TEST(SweepSpec, EveryCommittedSweepFileResolves) {
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(RLISIM_SOURCE_DIR) + "/configs/sweeps")) {
    if (entry.path().extension() != ".toml")
      continue;
    // Sweep files name their base; the others here are base configurations of sweeps.
    const auto text = test_support::read_file(entry.path().string());
    if (text.rfind("base", 0) != 0 && text.find("\nbase") == std::string::npos) {
      EXPECT_NO_THROW(config::load_config(entry.path().string())) << entry.path();
      continue;
    }
    ++files;
    const auto spec = load_sweep(entry.path().string());
    auto points = expand(spec);
    EXPECT_NO_THROW(resolve(spec, points)) << entry.path();
    EXPECT_FALSE(points.empty()) << entry.path();
  }
  EXPECT_GE(files, 1u);
}

TEST(SweepSpec, BufferAxisSetsPacketOrTimeLimitsPerPoint) {
  const auto spec =
      load_sweep(std::string(RLISIM_SOURCE_DIR) + "/configs/sweeps/buffer-depth.toml");
  auto points = expand(spec);
  ASSERT_EQ(points.size(), 16u);
  resolve(spec, points);
  std::map<std::string, int> seen;
  for (const auto& p : points) {
    ASSERT_EQ(p.params.size(), 2u);
    const std::string label = p.params[1].value;
    ++seen[label];
    std::vector<std::string> assignments;
    for (const auto& o : p.overrides)
      assignments.push_back(o.assignment());
    const auto config = config::load_config(spec.base, assignments);
    const auto& buffer = config.router.egress.at(0).buffer;
    EXPECT_FALSE(buffer.bytes) << p.key;
    if (label == "100pkt" || label == "1000pkt") {
      EXPECT_EQ(buffer.packets, label == "100pkt" ? 100u : 1000u) << p.key;
      EXPECT_FALSE(buffer.time) << p.key;
    } else {
      ASSERT_TRUE(buffer.time) << p.key;
      EXPECT_EQ(buffer.time->count(), label == "10ms" ? 10'000'000'000 : 50'000'000'000) << p.key;
      EXPECT_FALSE(buffer.packets) << p.key;
    }
  }
  EXPECT_EQ(seen,
            (std::map<std::string, int>{{"100pkt", 4}, {"1000pkt", 4}, {"10ms", 4}, {"50ms", 4}}));
  // A key axis over buffer_time, values as a sweep writes them, and a bad one named by key.
  const auto timed_spec =
      parse("[[axis]]\nkey = \"router.port.0.buffer_time\"\nvalues = [\"20ms\", 0.005]\n");
  auto timed = expand(timed_spec);
  ASSERT_EQ(timed.size(), 2u);
  resolve(timed_spec, timed);
  EXPECT_THAT(timed[0].config_toml, HasSubstr("20ms"));
  EXPECT_NE(timed[0].hash, timed[1].hash);
  const auto bad_spec =
      parse("[[axis]]\nkey = \"router.port.0.buffer_time\"\nvalues = [\"1ms\", 0]\n");
  auto bad = expand(bad_spec);
  try {
    resolve(bad_spec, bad);
    ADD_FAILURE() << "a zero buffer_time resolved";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("key 'router.port[0].buffer_time': expected a positive"));
  }
}

TEST(SweepSpec, ShardsPartitionTheManifest) {
  const auto points = expand(parse("repetitions = 7\n"));
  const Shard a = parse_shard("0/3");
  const Shard b = parse_shard("1/3");
  const Shard c = parse_shard("2/3");
  std::size_t total = 0;
  for (const auto& p : points) {
    const int in = a.contains(p) + b.contains(p) + c.contains(p);
    EXPECT_EQ(in, 1) << p.index;
    total += static_cast<std::size_t>(in);
  }
  EXPECT_EQ(total, points.size());
  for (const char* bad : {"3/3", "1", "a/2", "1/0", "-1/2", "1/2/3", ""})
    EXPECT_THROW(parse_shard(bad), core::ConfigError) << bad;
}

}  // namespace
}  // namespace rlisim::sweep
