#pragma once
// Progress reporting for long runs: a listener interface and a terminal heartbeat.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "sim/core/time.hpp"

namespace rlisim::run {

/// Receives progress of a run at most every few thousand packets.
class ProgressListener {
 public:
  virtual ~ProgressListener() = default;
  /// `fraction` is the share of the input consumed, when the sources know it.
  virtual void update(std::uint64_t packets, core::Time sim_time,
                      std::optional<double> fraction) = 0;
  /// The run is over (clears the line).
  virtual void done() = 0;
};

/// A heartbeat on a terminal stream at wall-clock intervals: simulated time, packets/s,
/// percent and ETA. Writes nothing unless the stream is a terminal (so logs and CI stay clean).
class TerminalProgress final : public ProgressListener {
 public:
  explicit TerminalProgress(std::FILE* stream,
                            std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  void update(std::uint64_t packets, core::Time sim_time, std::optional<double> fraction) override;
  void done() override;

 private:
  std::FILE* stream_;
  bool enabled_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool printed_ = false;
};

}  // namespace rlisim::run
