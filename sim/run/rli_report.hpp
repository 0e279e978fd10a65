#pragma once
// RLI's scores for one run: per-flow error, overhead, interference and loss difference.

#include <cstdint>
#include <optional>

#include "models/metrics/error_distribution.hpp"
#include "models/metrics/interference.hpp"

namespace rlisim::run {

struct RunResult;

/// What references cost, over the measured ports.
struct RliOverhead {
  std::uint64_t references = 0;
  std::uint64_t reference_bytes = 0;
  std::uint64_t reference_drops = 0;  ///< references dropped at the port
  std::uint64_t skipped_by_cap = 0;
  std::uint64_t egress_packets = 0;  ///< all packets sent to the ports, references included
  std::uint64_t egress_bytes = 0;
  std::uint64_t regular_packets = 0;
  /// Fractions of all traffic (references included) and per regular packet.
  double packet_share = 0;
  double byte_share = 0;
  double references_per_regular_packet = 0;
};

struct RliReport {
  /// Relative error of each flow's estimated mean and standard deviation against the truth
  /// of the same run (same delivered packets). Regular flows through measured ports; the std
  /// only for flows with >= 2 delivered packets.
  models::ErrorSummary mean_error;
  models::ErrorSummary std_error;
  RliOverhead overhead;
  /// Flows and packets that got an estimate (coverage).
  std::uint64_t flows_measured = 0;
  std::uint64_t flows_estimated = 0;
  /// Paired run without references (absent when interference is off).
  std::optional<models::InterferenceStats> interference;
};

/// Scores a run that had [rli] enabled.
/// @throws std::logic_error if the run had no RLI receiver.
RliReport evaluate_rli(const RunResult& result);

}  // namespace rlisim::run
