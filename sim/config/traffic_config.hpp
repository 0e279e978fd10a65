#pragma once
// Synthetic traffic in TOML: the keys of a `[[source]] kind = "synthetic"` table and of a
// profile file, and the printer that writes a configuration back as such a file.

#include <optional>
#include <string>
#include <string_view>

#include "sim/config/toml_section.hpp"
#include "traces/synthetic/synthetic_config.hpp"

namespace rlisim::config {

/// Applies the traffic keys present in `s` to `config`; every key is optional and overrides
/// the profile's value. Keys (units as everywhere: "80ms", "94Mbps", "256KiB"):
/// - flow_model ("tcp" | "paced"), tcp_fraction, size_sampling ("stratified" | "iid"),
///   pareto_alpha, pareto_min_packets, max_flow_packets, size_mix (a name, "trace:FILE", or
///   rows [[bytes, weight], ...]);
/// - [pacing]: median, sigma, min, max (per-flow rates of paced, UDP and application-limited
///   flows), train_packets, train_peak, max_flow_duration;
/// - [tcp]: rtt_median, rtt_sigma, rtt_min, rtt_max, access_median, access_sigma, access_min,
///   access_max, initial_window, ssthresh_bdp, rwnd_min, rwnd_max, app_limited_fraction,
///   app_burst, rto_min, ack_every, ack_streams;
/// - [udp]: on_off_fraction, burst_packets, peak;
/// - [addresses]: src_prefixes, dst_prefixes.
/// A size_mix given as a string is returned rather than applied (a trace: mix reads a capture,
/// which the caller does when the source is built); rows are applied at once.
/// @throws core::ConfigError naming the file, line and key of a bad value.
std::optional<std::string> read_traffic_keys(TomlSection& s,
                                             traces::SyntheticTrafficConfig& config);

/// A profile file: `profile = NAME` (the base, default "default"), `name`, `rate`, `duration`
/// and the traffic keys, all at the top level. A string size_mix is resolved here, relative
/// paths against the file's folder.
/// @throws core::ConfigError naming the file (and line) on unreadable files or bad keys.
traces::SyntheticTrafficConfig read_traffic_file(const std::string& path);

/// The same from a profile file's text; `path` names it in messages, and relative trace:
/// paths resolve against `base_dir` ("" or "." for the working folder).
/// @throws core::ConfigError naming `path` (and line) on bad keys.
traces::SyntheticTrafficConfig parse_traffic_file(std::string_view text, const std::string& path,
                                                  const std::string& base_dir);

/// Every key of `config` as a profile file that read_traffic_file() reads back to the same
/// configuration (seed aside); `comment` (may be several lines) heads it as # lines.
std::string traffic_toml(const traces::SyntheticTrafficConfig& config, std::string_view comment);

}  // namespace rlisim::config
