#pragma once
// The tables the MACE reproduction fills: each compared quantity beside its published figure
// and the band it must fall in.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rlisim::container::mace {

/// One compared quantity (µs unless the label says otherwise).
struct ReproductionRow {
  std::string label;
  double simulated = 0;
  std::string published;  ///< the published figure as the source states it
  /// The band the simulated value must fall in, and where it comes from; none: shown only.
  std::optional<double> band_low, band_high;
  std::string band_basis;
  /// A model parameter was set from this row's published figure: shown with its band, but
  /// never counted as reproduced.
  bool calibration = false;
  /// True if there is a band, the value lies in it and the row is not a calibration row.
  bool within() const {
    return !calibration && band_low && band_high && simulated >= *band_low &&
           simulated <= *band_high;
  }
};

struct ReproductionTable {
  std::string id;  ///< "R1"... "Fig5"
  std::string title;
  std::vector<ReproductionRow> rows;
  std::vector<std::string> notes;  ///< modelling assumptions of this table
};

struct ReproductionOptions {
  std::uint64_t seed = 1;
  /// Probes per open-loop scenario (R1, R2, R5, Fig. 5).
  std::size_t probes = 100'000;
  /// Probe RTTs per closed-loop point (R3, R4).
  std::size_t loop_probes = 20'000;
  /// The scenario constants' file; empty: the committed configs/container/mace-scenarios.toml.
  std::string scenarios_file;
};

}  // namespace rlisim::container::mace
