#include "sim/config/estimator_registry.hpp"

#include "sim/config/baseline_config.hpp"
#include "sim/core/rng.hpp"

namespace rlisim::config {

const std::vector<EstimatorPlugin>& estimator_plugins() {
  // Register a new tap-only estimator here (see the README, "Adding an estimator").
  static const std::vector<EstimatorPlugin> plugins = {
      {"lda", "Lossy Difference Aggregator: aggregate mean and std, applied to each flow",
       &read_lda},
      {"netflow", "consistent NetFlow, naive: a flow's own first and last delays", &read_netflow},
      {"multiflow", "consistent NetFlow, Multiflow: samples of all flows within a flow's span",
       &read_multiflow},
      {"sampled_netflow",
       "sampled NetFlow, naive: random 1-in-N packet sampling at each tap, one estimator per N",
       &read_sampled_netflow},
      {"trajectory", "trajectory sampling: exact delays of consistently sampled packets",
       &read_trajectory},
  };
  return plugins;
}

}  // namespace rlisim::config
