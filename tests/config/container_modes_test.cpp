// The container mode catalog: the committed modes.toml, sources, validation and round trip.

#include "sim/config/container_modes.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "sim/core/error.hpp"

namespace rlisim::config {
namespace {

namespace mc = models::container;

const char* kGoodMode = R"([modes.bridge-nat]
cold_gap = "5ms"
wire_overhead_bytes = 0

[modes.bridge-nat.egress]
fixed_floor = "3us"
fixed_median = "4.5us"
fixed_sigma = 0.3
cold_extra = "10.5us"
cold_jitter_sd = "2us"
service = "8us"
service_cv = 0.5
tail_probability = 0.004
tail_median = "185us"
tail_sigma = 0.15

[modes.bridge-nat.ingress]
fixed_floor = "3us"
fixed_median = "4.5us"
fixed_sigma = 0.3
cold_extra = "10.5us"
cold_jitter_sd = "2us"
service = "10us"
service_cv = 0.5
tail_probability = 0.03
tail_median = "225us"
tail_sigma = 0.15

[modes.bridge-nat.source]
cold_gap = "model: assumption"
)";

/// kGoodMode with the first occurrence of `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kGoodMode;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_container_modes(text, "modes.toml");
  } catch (const core::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ContainerModes, CommittedFileHasEveryModeWithASourceForEveryParameter) {
  const auto catalog = default_container_modes();
  for (auto mode : mc::kAllNetworkModes) {
    const auto* entry = catalog.find(mc::to_string(mode));
    ASSERT_NE(entry, nullptr) << mc::to_string(mode);
    EXPECT_EQ(entry->params.mode, mode);
    for (const auto& key : container_mode_parameter_keys()) {
      const auto it = entry->sources.find(key);
      ASSERT_NE(it, entry->sources.end()) << entry->name << " lacks a source for " << key;
      EXPECT_GT(it->second.size(), 10u) << entry->name << "." << key;
    }
  }
  EXPECT_EQ(catalog.modes.size(), std::size(mc::kAllNetworkModes));
}

TEST(ContainerModes, CommittedFileCarriesThePublishedBridgeNatValues) {
  const auto catalog = default_container_modes();
  const auto& p = catalog.at(mc::NetworkMode::kBridgeNat);
  // F by direction: the traced N = 1 medians 10.1 / 8.4 halved (container.md §2.2).
  EXPECT_EQ(p.egress.fixed_median, core::nanoseconds(5050));
  EXPECT_EQ(p.ingress.fixed_median, core::nanoseconds(4200));
  EXPECT_EQ(p.egress.fixed_floor, core::microseconds(3));
  EXPECT_EQ(p.ingress.cold_extra, core::nanoseconds(10500));
  EXPECT_EQ(p.ingress.service, core::microseconds(10));
  EXPECT_EQ(catalog.at("vxlan").wire_overhead_bytes, 50u);
  const auto& host = catalog.at(mc::NetworkMode::kHost);
  EXPECT_EQ(host.egress.fixed_median.count() + host.ingress.fixed_median.count() +
                host.egress.cold_extra.count() + host.ingress.service.count(),
            0);
}

TEST(ContainerModes, AMinimalFileLoads) {
  const auto catalog = parse_container_modes(kGoodMode, "modes.toml");
  ASSERT_EQ(catalog.modes.size(), 1u);
  EXPECT_EQ(catalog.modes[0].sources.at("cold_gap"), "model: assumption");
  EXPECT_EQ(catalog.at("bridge-nat").cold_gap, core::milliseconds(5));
  EXPECT_THROW(catalog.at("macvlan"), core::ConfigError);
}

TEST(ContainerModes, UnknownKeyIsRejectedWithItsLine) {
  const auto e = error_of(edited("service_cv = 0.5\n", "service_cv = 0.5\nservise = 3\n"));
  EXPECT_NE(e.find("modes.toml:13: unknown key 'modes.bridge-nat.egress.servise'"),
            std::string::npos)
      << e;
}

TEST(ContainerModes, OutOfRangeValueIsRejectedWithItsLine) {
  const auto e = error_of(edited("tail_probability = 0.004", "tail_probability = 1.4"));
  EXPECT_NE(e.find("modes.toml:13: key 'modes.bridge-nat.egress.tail_probability'"),
            std::string::npos)
      << e;
}

TEST(ContainerModes, MedianBelowFloorIsRejected) {
  const auto e = error_of(edited("fixed_median = \"4.5us\"", "fixed_median = \"2us\""));
  EXPECT_NE(e.find("modes.toml:1: key 'modes.bridge-nat'"), std::string::npos) << e;
  EXPECT_NE(e.find("fixed_median"), std::string::npos) << e;
}

TEST(ContainerModes, MissingParameterIsNamed) {
  const auto e = error_of(edited("tail_sigma = 0.15\n", ""));
  EXPECT_NE(e.find("'modes.bridge-nat.egress.tail_sigma': missing"), std::string::npos) << e;
}

TEST(ContainerModes, UnknownModeNameIsRejected) {
  std::string text = kGoodMode;
  for (auto at = text.find("bridge-nat"); at != std::string::npos; at = text.find("bridge-nat"))
    text.replace(at, 10, "bridged");
  const auto e = error_of(text);
  EXPECT_NE(e.find("modes.toml:1: key 'modes.bridged': unknown network mode \"bridged\""),
            std::string::npos)
      << e;
}

TEST(ContainerModes, SourceMustNameAKnownParameterAndATag) {
  auto e = error_of(edited("cold_gap = \"model: assumption\"", "cold_gaps = \"model: x\""));
  EXPECT_NE(e.find("modes.toml:30: key 'modes.bridge-nat.source.cold_gaps': unknown parameter"),
            std::string::npos)
      << e;
  e = error_of(edited("\"model: assumption\"", "\"an assumption\""));
  EXPECT_NE(e.find("modes.toml:30: key 'modes.bridge-nat.source.cold_gap': expected \"primary"),
            std::string::npos)
      << e;
}

TEST(ContainerModes, SyntaxErrorHasLineAndColumn) {
  const auto e = error_of(edited("fixed_sigma = 0.3", "fixed_sigma = = 0.3"));
  EXPECT_NE(e.find("modes.toml:8:"), std::string::npos) << e;
}

TEST(ContainerModes, MissingFileIsAConfigError) {
  EXPECT_THROW(load_container_modes("/nonexistent/modes.toml"), core::ConfigError);
}

TEST(ContainerModes, AFileGivenToACommandReplacesBuiltInEntriesOfTheSameName) {
  const auto built_in = default_container_modes();
  EXPECT_EQ(container_modes_with("").modes.size(), built_in.modes.size());

  // One fitted mode, as `container fit --out` writes it.
  auto fitted = *built_in.find("bridge-nat");
  fitted.params.egress.fixed_median += core::microseconds(7);
  const auto path = std::filesystem::temp_directory_path() / "rlisim_one_mode.toml";
  {
    std::ofstream out(path);
    write_container_mode(out, fitted);
  }
  const auto merged = container_modes_with(path.string());
  ASSERT_EQ(merged.modes.size(), built_in.modes.size());
  EXPECT_EQ(merged.modes.front().name, "bridge-nat");
  EXPECT_EQ(merged.at(models::container::NetworkMode::kBridgeNat).egress.fixed_median,
            fitted.params.egress.fixed_median);
  for (const auto& entry : built_in.modes) {
    ASSERT_NE(merged.find(entry.name), nullptr) << entry.name;
    if (entry.name != "bridge-nat") {
      EXPECT_EQ(merged.at(entry.name).egress.fixed_median, entry.params.egress.fixed_median);
    }
  }
  std::filesystem::remove(path);
  EXPECT_THROW(container_modes_with("/nonexistent/modes.toml"), core::ConfigError);
}

TEST(ContainerModes, WrittenEntryReadsBackIdentically) {
  const auto catalog = default_container_modes();
  std::ostringstream out;
  for (const auto& entry : catalog.modes) {
    auto renamed = entry;
    renamed.name = entry.name + "-copy";  // exercises the explicit `mode` key
    renamed.params.egress.fixed_median += core::picoseconds(1);
    write_container_mode(out, renamed);
    out << '\n';
  }
  const auto back = parse_container_modes(out.str(), "written.toml");
  ASSERT_EQ(back.modes.size(), catalog.modes.size());
  for (const auto& entry : catalog.modes) {
    const auto* copy = back.find(entry.name + "-copy");
    ASSERT_NE(copy, nullptr) << entry.name;
    EXPECT_EQ(copy->params.mode, entry.params.mode);
    EXPECT_EQ(copy->params.egress.fixed_median,
              entry.params.egress.fixed_median + core::picoseconds(1));
    EXPECT_EQ(copy->params.ingress.service, entry.params.ingress.service);
    EXPECT_EQ(copy->params.ingress.tail_sigma, entry.params.ingress.tail_sigma);
    EXPECT_EQ(copy->params.cold_gap, entry.params.cold_gap);
    EXPECT_EQ(copy->params.wire_overhead_bytes, entry.params.wire_overhead_bytes);
    EXPECT_EQ(copy->sources, entry.sources);
  }
}

}  // namespace
}  // namespace rlisim::config
