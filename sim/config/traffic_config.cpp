#include "sim/config/traffic_config.hpp"

#include <filesystem>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/core/packet.hpp"
#include "traces/analysis/size_mix_spec.hpp"

namespace rlisim::config {
namespace {

double rate_or(TomlSection& s, std::string_view key, double current) {
  const auto r = s.rate(key);
  return r ? static_cast<double>(r->value) : current;
}

core::Time duration_or(TomlSection& s, std::string_view key, core::Time current) {
  return s.duration(key).value_or(current);
}

double bytes_or(TomlSection& s, std::string_view key, double current) {
  const auto b = s.bytes(key);
  if (b && b->value == 0)
    s.fail(key, "expected at least 1 byte");
  return b ? static_cast<double>(b->value) : current;
}

void read_pacing(TomlSection& s, traces::FlowPacingConfig& p) {
  p.median_bps = rate_or(s, "median", p.median_bps);
  p.sigma = s.number("sigma", 0, 10).value_or(p.sigma);
  p.min_bps = rate_or(s, "min", p.min_bps);
  p.max_bps = rate_or(s, "max", p.max_bps);
  if (auto t = s.integer("train_packets", 1, 1'000'000))
    p.train_packets = static_cast<std::uint32_t>(*t);
  p.train_peak_bps = rate_or(s, "train_peak", p.train_peak_bps);
  p.max_flow_duration = duration_or(s, "max_flow_duration", p.max_flow_duration);
  s.finish();
}

void read_tcp(TomlSection& s, traces::TcpFlowConfig& t) {
  t.rtt_median = duration_or(s, "rtt_median", t.rtt_median);
  t.rtt_sigma = s.number("rtt_sigma", 0, 10).value_or(t.rtt_sigma);
  t.rtt_min = duration_or(s, "rtt_min", t.rtt_min);
  t.rtt_max = duration_or(s, "rtt_max", t.rtt_max);
  t.access_median_bps = rate_or(s, "access_median", t.access_median_bps);
  t.access_sigma = s.number("access_sigma", 0, 10).value_or(t.access_sigma);
  t.access_min_bps = rate_or(s, "access_min", t.access_min_bps);
  t.access_max_bps = rate_or(s, "access_max", t.access_max_bps);
  if (auto w = s.integer("initial_window", 1, 1'000'000))
    t.initial_window = static_cast<std::uint32_t>(*w);
  t.ssthresh_bdp = s.number("ssthresh_bdp", 1e-6, 1000).value_or(t.ssthresh_bdp);
  t.rwnd_min_bytes = bytes_or(s, "rwnd_min", t.rwnd_min_bytes);
  t.rwnd_max_bytes = bytes_or(s, "rwnd_max", t.rwnd_max_bytes);
  t.app_limited_fraction = s.number("app_limited_fraction", 0, 1).value_or(t.app_limited_fraction);
  t.app_burst_bytes = bytes_or(s, "app_burst", t.app_burst_bytes);
  t.rto_min = duration_or(s, "rto_min", t.rto_min);
  if (auto a = s.integer("ack_every", 1, core::tcp_mark::kMaxAcked))
    t.ack_every = static_cast<std::uint32_t>(*a);
  t.ack_streams = s.boolean("ack_streams").value_or(t.ack_streams);
  s.finish();
}

void read_udp(TomlSection& s, traces::UdpFlowConfig& u) {
  u.on_off_fraction = s.number("on_off_fraction", 0, 1).value_or(u.on_off_fraction);
  if (auto b = s.integer("burst_packets", 1, 1'000'000))
    u.burst_packets = static_cast<std::uint32_t>(*b);
  u.peak_bps = rate_or(s, "peak", u.peak_bps);
  s.finish();
}

// The shortest exact spelling: "80ms" rather than "80000000000ps".
std::string exact_duration(core::Time t) {
  const std::int64_t ps = t.count();
  constexpr std::pair<std::int64_t, const char*> kUnits[] = {
      {1'000'000'000'000, "s"}, {1'000'000'000, "ms"}, {1'000'000, "us"}, {1'000, "ns"}};
  for (const auto& [scale, unit] : kUnits) {
    if (ps % scale == 0)
      return fmt::format("\"{}{}\"", ps / scale, unit);
  }
  return fmt::format("\"{}ps\"", ps);
}

std::string exact_rate(double bps) {
  return fmt::format("{}", static_cast<std::uint64_t>(std::llround(bps)));
}

}  // namespace

std::optional<std::string> read_traffic_keys(TomlSection& s,
                                             traces::SyntheticTrafficConfig& config) {
  if (auto m = s.choice("flow_model", {"tcp", "paced"}))
    config.flow_model = *m == "tcp" ? traces::FlowModel::kTcp : traces::FlowModel::kPaced;
  config.tcp_fraction = s.number("tcp_fraction", 0, 1).value_or(config.tcp_fraction);
  if (auto m = s.choice("size_sampling", {"stratified", "iid"}))
    config.size_sampling =
        *m == "iid" ? traces::SizeSampling::kIid : traces::SizeSampling::kStratified;
  config.flow_size.alpha = s.number("pareto_alpha", 1.0001, 10.0).value_or(config.flow_size.alpha);
  config.flow_size.min_packets =
      s.number("pareto_min_packets", 1.0, 1e9).value_or(config.flow_size.min_packets);
  if (auto k = s.integer("max_flow_packets", 1, 1'000'000'000))
    config.flow_size.max_packets = static_cast<double>(*k);
  std::optional<std::string> mix_spec;
  if (const toml::node* mix = s.any("size_mix"); mix != nullptr && mix->is_array()) {
    std::vector<traces::SizeMix::Entry> entries;
    const auto rows = s.number_rows("size_mix", 2).value_or(std::vector<std::vector<double>>{});
    for (const auto& row : rows) {
      if (row[0] < traces::SizeMix::kMinWireBytes || row[0] > traces::SizeMix::kMaxWireBytes ||
          row[0] != std::floor(row[0]) || !(row[1] >= 0)) {
        s.fail("size_mix", fmt::format("expected rows [bytes in [20, 65535], weight >= 0], got "
                                       "[{}, {}]",
                                       row[0], row[1]));
      }
      entries.push_back({static_cast<std::uint32_t>(row[0]), row[1]});
    }
    config.size_mix = traces::SizeMix(std::move(entries), config.name);
  } else {
    mix_spec = s.string("size_mix");
  }
  if (auto t = s.table("pacing"))
    read_pacing(*t, config.pacing);
  if (auto t = s.table("tcp"))
    read_tcp(*t, config.tcp);
  if (auto t = s.table("udp"))
    read_udp(*t, config.udp);
  if (auto t = s.table("addresses")) {
    if (auto v = t->integer("src_prefixes", 1, 1 << 24))
      config.addresses.src_prefixes = static_cast<std::uint32_t>(*v);
    if (auto v = t->integer("dst_prefixes", 1, 1 << 24))
      config.addresses.dst_prefixes = static_cast<std::uint32_t>(*v);
    t->finish();
  }
  return mix_spec;
}

traces::SyntheticTrafficConfig read_traffic_file(const std::string& path) {
  return parse_traffic_file(core::read_text_file(path, "traffic profile file"), path,
                            std::filesystem::path(path).parent_path().string());
}

traces::SyntheticTrafficConfig parse_traffic_file(std::string_view text, const std::string& path,
                                                  const std::string& base_dir) {
  const toml::table root = parse_toml(text, path);
  TomlSection s(root, "", path);
  const std::string base = s.string("profile").value_or("default");
  traces::SyntheticTrafficConfig config;
  try {
    config = traces::profile(base);
  } catch (const core::ConfigError& e) {
    s.fail("profile", e.what());
  }
  if (auto n = s.string("name"))
    config.name = *n;
  if (auto r = s.rate("rate"))
    config.rate = *r;
  if (auto d = s.duration("duration"))
    config.duration = *d;
  if (auto mix = read_traffic_keys(s, config)) {
    std::string spec = *mix;
    constexpr std::string_view kTrace = "trace:";
    if (spec.rfind(kTrace, 0) == 0) {
      const std::filesystem::path file(spec.substr(kTrace.size()));
      if (file.is_relative())
        spec = std::string(kTrace) +
               (std::filesystem::path(base_dir) / file).lexically_normal().string();
    }
    config.size_mix = traces::size_mix_from_spec(spec);
  }
  s.finish();
  traces::validate(config);
  return config;
}

std::string traffic_toml(const traces::SyntheticTrafficConfig& c, std::string_view comment) {
  std::string out;
  std::istringstream lines{std::string(comment)};
  for (std::string line; std::getline(lines, line);)
    out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
  const auto& t = c.tcp;
  const auto& p = c.pacing;
  out += fmt::format("name = {}\n", toml_value_text(toml::value<std::string>(c.name)));
  out += fmt::format("rate = {}\n", exact_rate(static_cast<double>(c.rate.value)));
  out += fmt::format("duration = {}\n", exact_duration(c.duration));
  out += fmt::format("flow_model = \"{}\"\n", traces::to_string(c.flow_model));
  out += fmt::format("tcp_fraction = {}\n", c.tcp_fraction);
  out += fmt::format("size_sampling = \"{}\"\n", traces::to_string(c.size_sampling));
  out += fmt::format("pareto_alpha = {}\n", c.flow_size.alpha);
  out += fmt::format("pareto_min_packets = {}\n", c.flow_size.min_packets);
  out += fmt::format("max_flow_packets = {}\n",
                     static_cast<std::uint64_t>(std::ceil(c.flow_size.max_packets)));
  out += "size_mix = [";
  const auto& entries = c.size_mix.entries();
  for (std::size_t i = 0; i < entries.size(); ++i)
    out += fmt::format("{}[{}, {}]", i == 0 ? "" : ", ", entries[i].wire_bytes,
                       entries[i].probability);
  out += "]\n\n[pacing]\n";
  out += fmt::format("median = {}\nsigma = {}\nmin = {}\nmax = {}\n", exact_rate(p.median_bps),
                     p.sigma, exact_rate(p.min_bps), exact_rate(p.max_bps));
  out +=
      fmt::format("train_packets = {}\ntrain_peak = {}\nmax_flow_duration = {}\n", p.train_packets,
                  exact_rate(p.train_peak_bps), exact_duration(p.max_flow_duration));
  out += "\n[tcp]\n";
  out += fmt::format("rtt_median = {}\nrtt_sigma = {}\nrtt_min = {}\nrtt_max = {}\n",
                     exact_duration(t.rtt_median), t.rtt_sigma, exact_duration(t.rtt_min),
                     exact_duration(t.rtt_max));
  out += fmt::format("access_median = {}\naccess_sigma = {}\naccess_min = {}\naccess_max = {}\n",
                     exact_rate(t.access_median_bps), t.access_sigma, exact_rate(t.access_min_bps),
                     exact_rate(t.access_max_bps));
  out += fmt::format("initial_window = {}\nssthresh_bdp = {}\nrwnd_min = {}\nrwnd_max = {}\n",
                     t.initial_window, t.ssthresh_bdp, std::llround(t.rwnd_min_bytes),
                     std::llround(t.rwnd_max_bytes));
  out += fmt::format("app_limited_fraction = {}\napp_burst = {}\nrto_min = {}\n",
                     t.app_limited_fraction, std::llround(t.app_burst_bytes),
                     exact_duration(t.rto_min));
  out += fmt::format("ack_every = {}\nack_streams = {}\n", t.ack_every, t.ack_streams);
  out += "\n[udp]\n";
  out += fmt::format("on_off_fraction = {}\nburst_packets = {}\npeak = {}\n", c.udp.on_off_fraction,
                     c.udp.burst_packets, exact_rate(c.udp.peak_bps));
  out += "\n[addresses]\n";
  out += fmt::format("src_prefixes = {}\ndst_prefixes = {}\n", c.addresses.src_prefixes,
                     c.addresses.dst_prefixes);
  return out;
}

}  // namespace rlisim::config
