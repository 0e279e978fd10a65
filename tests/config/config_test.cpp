#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"

namespace rlisim::config {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal = R"(seed = 7
[[source]]
kind = "synthetic"
profile = "chic"
rate = "1Gbps"
duration = "100ms"

[router]
processing_delay = "100ns"
[[router.port]]
rate = "10Gbps"
buffer_packets = 1000
propagation = "1us"
)";

std::string error_of(std::string_view text, std::vector<std::string> overrides = {}) {
  try {
    parse_config(text, "exp.toml", overrides);
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, MapsKeysOntoStructs) {
  const auto c = parse_config(kMinimal, "exp.toml");
  EXPECT_EQ(c.seed, 7u);
  ASSERT_EQ(c.sources.size(), 1u);
  EXPECT_EQ(c.sources[0].kind, SourceKind::kSynthetic);
  EXPECT_EQ(c.sources[0].rate->value, 1'000'000'000u);
  EXPECT_EQ(c.sources[0].duration->count(), 100'000'000'000);
  EXPECT_EQ(c.router.processing_delay.count(), 100'000);
  ASSERT_EQ(c.router.egress.size(), 1u);
  EXPECT_EQ(c.router.egress[0].rate.value, 10'000'000'000u);
  EXPECT_EQ(*c.router.egress[0].buffer.packets, 1000u);
  EXPECT_FALSE(c.router.egress[0].buffer.bytes);
  EXPECT_EQ(c.router.egress[0].propagation.count(), 1'000'000);
  EXPECT_THAT(c.resolved_json, HasSubstr("\"seed\" : 7"));
}

TEST(Config, FlowTimeoutDefaultsToNetflowsInactiveTimeoutAndZeroMeansNever) {
  EXPECT_EQ(parse_config(kMinimal, "exp.toml").truth.flow_timeout, core::seconds(15));
  const std::string never = std::string(kMinimal) + "[truth]\nflow_timeout = \"0s\"\n";
  EXPECT_EQ(parse_config(never, "exp.toml").truth.flow_timeout, core::Time{});
  const std::string negative = std::string(kMinimal) + "[truth]\nflow_timeout = \"-1s\"\n";
  EXPECT_THAT(error_of(negative),
              HasSubstr("key 'truth.flow_timeout': expected a non-negative duration"));
}

TEST(Config, RouterTimingNs3SetsBothConventionsOnEveryPort) {
  const auto exact = parse_config(kMinimal, "exp.toml");
  EXPECT_EQ(exact.router.egress[0].tie_order, net::TieOrder::kDepartureFirst);
  EXPECT_EQ(exact.router.egress[0].serialization_rounding,
            net::SerializationRounding::kCeilPicoseconds);
  std::string two_ports = std::string(kMinimal) + "[[router.port]]\nrate = \"1Gbps\"\n";
  const auto ns3 = parse_config(two_ports, "exp.toml", {"router.timing=ns3"});
  ASSERT_EQ(ns3.router.egress.size(), 2u);
  for (const auto& port : ns3.router.egress) {
    EXPECT_EQ(port.tie_order, net::TieOrder::kArrivalFirst);
    EXPECT_EQ(port.serialization_rounding, net::SerializationRounding::kNs3Nanoseconds);
  }
  const auto said_exact = parse_config(kMinimal, "exp.toml", {"router.timing=exact"});
  EXPECT_EQ(said_exact.router.egress[0].tie_order, net::TieOrder::kDepartureFirst);
  EXPECT_THAT(error_of(kMinimal, {"router.timing=ns2"}),
              HasSubstr("key 'router.timing': expected one of"));
}

TEST(Config, RejectsAnUnknownKeyWithItsNameAndLine) {
  const std::string text = "bogus_key = 3\n" + std::string(kMinimal);
  EXPECT_THAT(error_of(text), HasSubstr("exp.toml:1: unknown key 'bogus_key'"));
  std::string nested = kMinimal;
  nested.replace(nested.find("buffer_packets"), 14, "buffer_pakets");
  EXPECT_THAT(error_of(nested),
              HasSubstr("exp.toml:12: unknown key 'router.port[0].buffer_pakets'"));
}

TEST(Config, ChecksRangesAndTypes) {
  std::string t = kMinimal;
  t.replace(t.find("buffer_packets = 1000"), 21, "buffer_packets = 0");
  EXPECT_THAT(error_of(t), HasSubstr("key 'router.port[0].buffer_packets': expected an integer "
                                     "in [1,"));
  t = kMinimal;
  t.replace(t.find("\"10Gbps\""), 8, "\"fast\"");
  EXPECT_THAT(error_of(t), HasSubstr("exp.toml:11: key 'router.port[0].rate': expected a rate"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[utilization]\ntarget = 1.5\n"),
              HasSubstr("key 'utilization.target': expected a number in [1e-06, 1]"));
  EXPECT_THAT(error_of("seed = 1\n"), HasSubstr("at least one [[source]]"));
  EXPECT_THAT(error_of("[[source]]\nkind = \"movie\"\n"),
              HasSubstr("exp.toml:2: key 'source[0].kind': expected one of"));
}

TEST(Config, ReportsTomlSyntaxErrorsWithLine) {
  EXPECT_THAT(error_of("seed = 1\n[[source]\n"), HasSubstr("exp.toml:2:"));
}

TEST(Config, AppliesOverridesBeforeValidation) {
  const auto c = parse_config(
      kMinimal, "exp.toml",
      {"router.port.0.rate=20Gbps", "seed=9", "source[0].profile=sanj", "utilization.target=0.9"});
  EXPECT_EQ(c.router.egress[0].rate.value, 20'000'000'000u);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_EQ(c.sources[0].profile, "sanj");
  EXPECT_DOUBLE_EQ(*c.utilization.target, 0.9);
  EXPECT_THAT(c.resolved_toml, HasSubstr("20Gbps"));
}

TEST(Config, RejectsBadOverrides) {
  EXPECT_THAT(error_of(kMinimal, {"novalue"}), HasSubstr("expected key=value"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.3.rate=1"}), HasSubstr("index 3 is out of range"));
  EXPECT_THAT(error_of(kMinimal, {"router.prot=1"}),
              HasSubstr("exp.toml (--set): unknown key 'router.prot'"));
  EXPECT_THAT(error_of(kMinimal, {"seed=-4"}), HasSubstr("key 'seed': expected an integer in"));
}

TEST(Config, BoundsRatesAndFixedDelays) {
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.rate=999"}),
              HasSubstr("key 'router.port[0].rate': expected a rate in [1 kb/s"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.rate=9Tbps"}),
              HasSubstr("key 'router.port[0].rate': expected a rate in"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.propagation=2d"}),
              HasSubstr("key 'router.port[0].propagation': expected a non-negative duration"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.propagation=90000s"}),
              HasSubstr("key 'router.port[0].propagation': expected at most one day"));
  EXPECT_THAT(error_of(kMinimal, {"router.processing_delay=90000s"}),
              HasSubstr("key 'router.processing_delay': expected at most one day"));
  EXPECT_THAT(error_of(kMinimal, {"seed=5\nbogus=1"}), HasSubstr("may not span lines"));
}

TEST(Config, ReadsABufferGivenAsTime) {
  std::string t = kMinimal;
  t.replace(t.find("propagation"), 0, "buffer_time = \"10ms\"\n");
  const auto c = parse_config(t, "exp.toml");
  const auto& buffer = c.router.egress[0].buffer;
  ASSERT_TRUE(buffer.time);
  EXPECT_EQ(buffer.time->count(), 10'000'000'000);  // 10 ms in ps
  EXPECT_EQ(*buffer.packets, 1000u);                // both limits apply
  EXPECT_FALSE(buffer.bytes);                       // resolved by the port, at its final rate
  // As --set gives it (also how a sweep sets keys), in both index spellings.
  const auto o = parse_config(kMinimal, "exp.toml", {"router.port.0.buffer_time=20ms"});
  EXPECT_EQ(o.router.egress[0].buffer.time->count(), 20'000'000'000);
  EXPECT_THAT(o.resolved_toml, HasSubstr("buffer_time = "));
  EXPECT_THAT(o.resolved_toml, HasSubstr("20ms"));
  const auto b = parse_config(kMinimal, "exp.toml", {"router.port[0].buffer_time=\"1.5us\""});
  EXPECT_EQ(b.router.egress[0].buffer.time->count(), 1'500'000);
  // A bare number is seconds, as for every duration.
  const auto n = parse_config(kMinimal, "exp.toml", {"router.port.0.buffer_time=0.025"});
  EXPECT_EQ(n.router.egress[0].buffer.time->count(), 25'000'000'000);
  EXPECT_FALSE(parse_config(kMinimal, "exp.toml").router.egress[0].buffer.time);
}

TEST(Config, RejectsBadBufferTimesNamingTheKey) {
  const std::string key = "key 'router.port[0].buffer_time': ";
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=0"}),
              HasSubstr(key + "expected a positive duration like \"10ms\""));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=0ms"}), HasSubstr("got 0"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=-5ms"}),
              HasSubstr(key + "expected a positive duration like \"10ms\" (time of traffic at "
                              "the port's rate), got a negative one"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=-2"}),
              HasSubstr(key + "expected a positive duration"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=61min"}),
              HasSubstr(key + "expected at most 1 hour of traffic, got 3660 s"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=3601"}),
              HasSubstr(key + "expected at most 1 hour"));
  EXPECT_NO_THROW(parse_config(kMinimal, "exp.toml", {"router.port.0.buffer_time=60min"}));
  EXPECT_THAT(
      error_of(kMinimal, {"router.port.0.buffer_time=deep"}),
      HasSubstr(
          key +
          "expected a non-negative duration below 106 days (9.2e6 s) like \"1.5us\" or \"10ms\", "
          "got \"deep\""));
  // A value too large to be a time names the limit rather than its sign.
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=1e300"}),
              HasSubstr(key + "expected a non-negative duration below 106 days"));
  EXPECT_THAT(error_of(kMinimal, {"router.port.0.buffer_time=true"}),
              HasSubstr(key + "expected a non-negative duration"));
  // In the file: the message points at its line.
  std::string t = kMinimal;
  t.replace(t.find("propagation"), 0, "buffer_time = \"0s\"\n");
  EXPECT_THAT(error_of(t), HasSubstr("exp.toml:13: " + key + "expected a positive duration"));
}

TEST(Config, RejectsBufferTimeTogetherWithBufferBytes) {
  const std::string message =
      "key 'router.port[0].buffer_time': cannot be combined with buffer_bytes";
  EXPECT_THAT(
      error_of(kMinimal, {"router.port.0.buffer_time=10ms", "router.port.0.buffer_bytes=64KiB"}),
      HasSubstr(message));
  std::string t = kMinimal;
  t.replace(t.find("propagation"), 0, "buffer_time = \"10ms\"\nbuffer_bytes = 1500\n");
  EXPECT_THAT(error_of(t), HasSubstr("exp.toml:13: " + message));
  // buffer_bytes alone still works and leaves no time.
  const auto c = parse_config(kMinimal, "exp.toml", {"router.port.0.buffer_bytes=64KiB"});
  EXPECT_EQ(*c.router.egress[0].buffer.bytes, 65536u);
  EXPECT_FALSE(c.router.egress[0].buffer.time);
}

TEST(Config, ResolvesPcapPathsAgainstTheConfigFolder) {
  const auto c = parse_config("[[source]]\nkind = \"pcap\"\npath = \"data/x.pcap\"\n", "e.toml", {},
                              "/srv/exp");
  EXPECT_EQ(c.sources[0].path, "/srv/exp/data/x.pcap");
  const auto s = parse_config("[[source]]\nkind = \"pcap\"\npath = \"-\"\n", "e.toml", {}, "/x");
  EXPECT_EQ(s.sources[0].path, "-");
}

TEST(Config, TheResolvedTomlReadsBackWhateverAStringHolds) {
  // Newlines, tabs, runs of both quote kinds and a trailing quote: each once tripped the
  // TOML writer's choice between literal and multi-line strings.
  const std::string path = "a'''b\n'c\"\"\"d\t\\e'";
  const auto c =
      parse_config("[[source]]\nkind = \"pcap\"\npath = " + nlohmann::json(path).dump() + "\n",
                   "e.toml", {}, "/x");
  EXPECT_EQ(c.sources[0].path, "/x/" + path);
  const auto again = with_derived_settings(c, {});
  EXPECT_EQ(again.sources[0].path, c.sources[0].path);
}

TEST(Config, RequiresRouteFieldsAndValidPorts) {
  const std::string t =
      std::string(kMinimal) + "[router]\n";  // duplicate table is a TOML error, with a line number
  EXPECT_THAT(error_of(t), HasSubstr("exp.toml:14:1: Error while parsing table header"));
  std::string r = kMinimal;
  r.replace(r.find("processing_delay"), 0,
            "forwarding = \"table\"\n[[router.route]]\nprefix = \"10.0.0.0/8\"\nport = 4\n"
            "[router.x]\n");
  EXPECT_THAT(error_of(r), HasSubstr("key 'router.route[0].port': expected an integer in [0, 0]"));
}

}  // namespace
}  // namespace rlisim::config
