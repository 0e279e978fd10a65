#include "sim/config/traffic_config.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "sim/config/experiment_config.hpp"
#include "sim/core/error.hpp"
#include "traces/synthetic/flow_generator.hpp"

namespace rlisim::config {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TrafficConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rlisim_traffic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

// What a configuration generates: the strongest test that two configurations are the same.
std::vector<core::Packet> packets_of(traces::SyntheticTrafficConfig c) {
  c.duration = core::milliseconds(20);
  traces::FlowGenerator g(c);
  std::vector<core::Packet> out;
  core::Packet p;
  while (g.next(p))
    out.push_back(p);
  return out;
}

bool same_stream(const std::vector<core::Packet>& a, const std::vector<core::Packet>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].arrival != b[i].arrival || !(a[i].flow == b[i].flow) ||
        a[i].wire_bytes != b[i].wire_bytes || a[i].tcp != b[i].tcp)
      return false;
  }
  return true;
}

TEST_F(TrafficConfig, PrintedProfilesReadBackToTheSameTraffic) {
  for (const auto name : traces::profile_names()) {
    for (auto model : {traces::FlowModel::kTcp, traces::FlowModel::kPaced}) {
      traces::SyntheticTrafficConfig c = traces::profile(name);
      c.flow_model = model;
      const std::string path = write("p.toml", traffic_toml(c, "a comment\nover two lines"));
      const traces::SyntheticTrafficConfig back = read_traffic_file(path);
      EXPECT_EQ(back.rate.value, c.rate.value) << name;
      EXPECT_EQ(back.tcp.rtt_median, c.tcp.rtt_median) << name;
      EXPECT_EQ(back.size_mix.entries().size(), c.size_mix.entries().size()) << name;
      ASSERT_GT(packets_of(c).size(), 100u);
      EXPECT_TRUE(same_stream(packets_of(back), packets_of(c))) << name;
    }
  }
}

TEST_F(TrafficConfig, PrintedNamesWithControlCharactersReadBack) {
  // TOML forbids raw control characters in strings: the printer escapes them.
  traces::SyntheticTrafficConfig c = traces::profile("chic");
  c.name = std::string("two\nlines, a tab\t, \"quotes\", a \\ and DEL\x7f");
  const traces::SyntheticTrafficConfig back =
      parse_traffic_file(traffic_toml(c, "named"), "printed.toml", ".");
  EXPECT_EQ(back.name, c.name);
}

TEST_F(TrafficConfig, APrintedProfileReadsBackToTheSameText) {
  // Weights that do not sum to 1 are normalised once, and -0.0 reads as 0: printing and
  // reading again changes nothing more.
  const auto read =
      parse_traffic_file("tcp_fraction = -0.0\nsize_mix = [[40, 0.7], [576, 0.1], [1500, 0.5]]\n",
                         "weights.toml", ".");
  const std::string printed = traffic_toml(read, "printed");
  EXPECT_NE(printed.find("tcp_fraction = 0\n"), std::string::npos) << printed;
  EXPECT_EQ(traffic_toml(parse_traffic_file(printed, "printed.toml", "."), "printed"), printed);
}

TEST_F(TrafficConfig, SourceTablesOverrideTheProfile) {
  const std::string text = R"(seed = 7
[[source]]
kind = "synthetic"
profile = "chic"
flow_model = "paced"
tcp_fraction = 0.5
pareto_min_packets = 3
size_mix = [[40, 1], [1500, 3]]
[source.tcp]
rtt_median = "20ms"
access_median = "1Gbps"
rwnd_max = "1MiB"
ack_streams = false
[source.udp]
burst_packets = 4
[source.pacing]
max_flow_duration = "30s"

[router]
[[router.port]]
rate = "10Gbps"
)";
  const ExperimentConfig c = parse_config(text, "exp.toml");
  ASSERT_TRUE(c.sources.at(0).traffic.has_value());
  const traces::SyntheticTrafficConfig& t = *c.sources[0].traffic;
  EXPECT_EQ(t.name, "chic");
  EXPECT_EQ(t.flow_model, traces::FlowModel::kPaced);
  EXPECT_EQ(t.tcp_fraction, 0.5);
  EXPECT_EQ(t.flow_size.min_packets, 3);
  EXPECT_EQ(t.flow_size.alpha, 1.3);  // the profile's, untouched
  EXPECT_DOUBLE_EQ(t.size_mix.mean_bytes(), (40 + 3 * 1500) / 4.0);
  EXPECT_EQ(t.tcp.rtt_median, core::milliseconds(20));
  EXPECT_EQ(t.tcp.access_median_bps, 1e9);
  EXPECT_EQ(t.tcp.rwnd_max_bytes, 1048576);
  EXPECT_FALSE(t.tcp.ack_streams);
  EXPECT_EQ(t.udp.burst_packets, 4u);
  EXPECT_EQ(t.pacing.max_flow_duration, core::seconds(30));
}

std::string error_of(const std::string& source_lines) {
  const std::string text = "[[source]]\nkind = \"synthetic\"\n" + source_lines +
                           "\n[router]\n[[router.port]]\nrate = \"10Gbps\"\n";
  try {
    parse_config(text, "exp.toml");
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_F(TrafficConfig, BadTrafficKeysNameTheKeyAndTheLine) {
  EXPECT_THAT(error_of("flow_model = \"bursty\""), HasSubstr("flow_model"));
  EXPECT_THAT(error_of("[source.tcp]\nrtt_mediann = \"20ms\""), HasSubstr("rtt_mediann"));
  EXPECT_THAT(error_of("[source.tcp]\nack_every = 0"), HasSubstr("source[0].tcp.ack_every"));
  EXPECT_THAT(error_of("size_mix = [[10, 1]]"), HasSubstr("size_mix"));
  EXPECT_THAT(error_of("profile = \"chicago\""), HasSubstr("chic, sanj"));
  EXPECT_THAT(error_of("profile_file = \"nowhere.toml\""), HasSubstr("nowhere.toml"));
  // Checks across keys name the file and the table too.
  const std::string crossed = error_of("[source.tcp]\nrtt_min = \"50ms\"\nrtt_max = \"10ms\"");
  EXPECT_THAT(crossed, HasSubstr("exp.toml:2"));
  EXPECT_THAT(crossed, HasSubstr("tcp.rtt_max"));
}

TEST_F(TrafficConfig, ProfileFileErrorsNameTheFile) {
  const std::string bad = write("bad.toml", "profile = \"chic\"\n[tcp]\ninitial_window = -1\n");
  try {
    read_traffic_file(bad);
    FAIL() << "no error";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.toml"));
    EXPECT_THAT(e.what(), HasSubstr("initial_window"));
  }
  try {
    read_traffic_file(dir_.string());
    FAIL() << "no error";
  } catch (const core::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("is a directory"));
  }
}

}  // namespace
}  // namespace rlisim::config
