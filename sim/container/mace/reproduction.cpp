#include "sim/container/mace/reproduction.hpp"

#include "sim/container/mace/tables.hpp"

namespace rlisim::container::mace {
namespace mc = models::container;

std::vector<ReproductionTable> reproduce_mace(const mc::ModeParams& bridge_nat,
                                              const mc::ModeParams& bridge,
                                              const config::MaceScenarios& scenarios,
                                              const ReproductionOptions& options) {
  mc::validate(bridge_nat);
  mc::validate(bridge);
  std::vector<ReproductionTable> tables;
  tables.push_back(mace::r1_idle(bridge_nat, scenarios, options));
  tables.push_back(mace::r2_hot(bridge_nat, bridge, scenarios, options));
  tables.push_back(mace::r3_neighbours(bridge_nat, scenarios, options));
  tables.push_back(mace::r4_traced_replay(bridge_nat, scenarios, options));
  tables.push_back(mace::r5_background(bridge_nat, scenarios, options));
  tables.push_back(mace::fig5_methods(bridge_nat, scenarios, options));
  return tables;
}

std::vector<ReproductionTable> reproduce_mace(const mc::ModeParams& bridge_nat,
                                              const mc::ModeParams& bridge,
                                              const ReproductionOptions& options) {
  const auto scenarios = options.scenarios_file.empty()
                             ? config::default_mace_scenarios()
                             : config::load_mace_scenarios(options.scenarios_file);
  return reproduce_mace(bridge_nat, bridge, scenarios, options);
}

}  // namespace rlisim::container::mace
