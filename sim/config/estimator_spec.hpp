#pragma once
// A configured estimator, as the readers of its table return it and a run builds it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "models/flow_estimator.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::config {

/// A configured tap-only estimator (a table such as [lda]; see estimator_registry.hpp).
struct EstimatorSpec {
  /// Its name in the outputs: the table's name, or a variant's ("sampled_netflow_100").
  std::string name;
  /// Builds a fresh instance for one run.
  std::function<std::unique_ptr<models::FlowEstimator>()> make;
};

/// The default hash seed of the sampling estimators: one value derived from the experiment
/// seed, shared by all of them, so that NetFlow and Multiflow sample the same flows in a run.
inline std::uint64_t default_sampling_seed(std::uint64_t experiment_seed) {
  return core::mix64(experiment_seed ^ 0x73616d706c696e67ULL);  // "sampling"
}

}  // namespace rlisim::config
