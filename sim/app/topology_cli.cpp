// rlisim topology: paths and round-trip probes on a topology file.

#include <cstdint>
#include <iostream>
#include <memory>

#include "sim/app/command_set.hpp"
#include "sim/topology/commands.hpp"

namespace rlisim::app {

void add_topology_commands(CLI::App& app, CommandSet& commands) {
  auto* topology = app.add_subcommand(
      "topology", "Topologies of hosts, containers and routers: paths, simulated RTTs");
  topology->require_subcommand(1);

  auto paths_args = std::make_shared<topology::TopologyPathsArgs>();
  auto* paths =
      topology->add_subcommand("paths", "Every endpoint pair's path (hops, propagation delay)");
  paths->add_option("config", paths_args->config, "Topology file")
      ->required()
      ->check(CLI::ExistingFile);
  paths->add_flag("--json", paths_args->json, "Print JSON instead of text");
  commands.add(paths,
               [paths_args] { return topology::topology_paths_command(*paths_args, std::cout); });

  auto rtt_args = std::make_shared<topology::TopologyRttArgs>();
  auto* rtt = topology->add_subcommand(
      "rtt", "netperf UDP_RR-like RTT probes between every endpoint pair, vs published rows");
  rtt->add_option("config", rtt_args->config, "Topology file")
      ->required()
      ->check(CLI::ExistingFile);
  rtt->add_option("--probes", rtt_args->probes, "Transactions per pair")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  rtt->add_option("--seed", rtt_args->seed, "Random seed")
      ->capture_default_str()
      ->check(seed_check());
  rtt->add_flag("--json", rtt_args->json, "Print JSON instead of text");
  commands.add(rtt, [rtt_args] { return topology::topology_rtt_command(*rtt_args, std::cout); });
}

}  // namespace rlisim::app
