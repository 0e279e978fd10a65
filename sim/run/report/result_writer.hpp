#pragma once
// Writers for a run's results: summary.json, flows.csv, the resolved config, a text summary.

#include <string>

#include "sim/run/run_result.hpp"

namespace rlisim::run {

/// The rlisim version string.
std::string_view version();

/// Writes DIR/config.toml (resolved), DIR/summary.json, DIR/flows.csv and DIR/timing.json.
/// Every file is written to a temporary name and renamed, so a reader never sees half a file.
/// summary.json and flows.csv are byte-identical for the same config and seed; wall-clock
/// figures go to timing.json only.
/// @throws core::ConfigError if the directory or a file cannot be written.
void write_results(const RunResult& result, const std::string& dir);

/// A short human summary: ports, achieved utilization, overall and per-flow latency.
std::string format_text_summary(const RunResult& result, std::size_t top_flows = 8);

}  // namespace rlisim::run
