// rlisim container reproduce: the MACE targets simulated with the bridge-nat and bridge modes.

#include <ostream>

#include "sim/config/container_modes.hpp"
#include "sim/container/commands.hpp"
#include "sim/container/mace/reproduction.hpp"

namespace rlisim::container {

int container_reproduce_command(const ContainerReproduceArgs& args, std::ostream& out) {
  namespace mc = models::container;
  const auto catalog = config::container_modes_with(args.modes);
  mace::ReproductionOptions options;
  options.seed = args.seed;
  options.scenarios_file = args.scenarios;
  const auto tables = mace::reproduce_mace(catalog.at(mc::NetworkMode::kBridgeNat),
                                           catalog.at(mc::NetworkMode::kBridge), options);
  if (args.json)
    mace::print_reproduction_json(tables, args.seed, out);
  else
    mace::print_reproduction(tables, out);
  return 0;
}

}  // namespace rlisim::container
