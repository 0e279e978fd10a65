// rlisim container: kernel-trace measurement, stack-model fitting, MACE reproduction.

#include <iostream>
#include <memory>

#include "sim/app/command_set.hpp"
#include "sim/container/commands.hpp"

namespace rlisim::app {
namespace {

void add_measure(CLI::App& container, CommandSet& commands) {
  auto args = std::make_shared<container::ContainerMeasureArgs>();
  auto& a = *args;
  auto* measure = container.add_subcommand(
      "measure", "Per-packet container egress/ingress latency from Linux kernel trace events");
  measure->add_option("trace", a.traces, "Kernel trace file(s) (tracefs text)")
      ->required()
      ->check(CLI::ExistingFile);
  measure->add_option("--path", a.path, "Event path: inner-dev, max-dev, syscalls")
      ->capture_default_str();
  measure->add_flag("--json", a.json, "Print JSON instead of text");
  measure->add_option("--inner-dev", a.inner_dev,
                      "Container-side device name (the container's veth end)");
  measure->add_option("--outer-dev", a.outer_dev,
                      "Outer device name (the host NIC facing the remote)");
  measure->add_option("--path-file", a.path_file, "TOML event-path file")->check(CLI::ExistingFile);
  measure
      ->add_option("--ping", a.pings,
                   "ping -D output recorded with each trace (default: found next to it)")
      ->check(CLI::ExistingFile);
  measure->add_option("--packets-out", a.packets_out, "Per-packet latencies (CSV)");
  // Both become int64 nanoseconds: bounded well inside that range (about 292 years).
  measure->add_option("--expiry-ms", a.expiry_ms, "Open chains expire after (ms)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber & CLI::Range(0.0, 1e9));
  measure
      ->add_option("--outlier-us", a.outlier_us,
                   "Drop latencies >= this many µs (default: keep all)")
      ->check(CLI::Range(0.0, 1e12));
  measure->add_option("--probe-bytes", a.probe_bytes,
                      "IP length of probe packets (default: from the ping log, else 84)");
  measure->add_option("--encap-bytes", a.encap_bytes,
                      "Overlay bytes on the outer device, for the syscalls path's length match "
                      "(VXLAN over IPv4: 50)");
  commands.add(measure, [args] { return container::container_measure_command(*args, std::cout); });
}

void add_fit(CLI::App& container, CommandSet& commands) {
  auto args = std::make_shared<container::ContainerFitArgs>();
  auto& a = *args;
  auto* fit = container.add_subcommand(
      "fit", "Fit a network mode's stack-model parameters to kernel traces");
  fit->add_option("trace", a.traces, "Kernel trace file(s) (tracefs text)")
      ->required()
      ->check(CLI::ExistingFile);
  fit->add_option("--path", a.path, "Event path: inner-dev, max-dev, syscalls")
      ->capture_default_str();
  fit->add_option("--mode", a.mode, "Network mode to fit")->capture_default_str();
  fit->add_flag("--json", a.json, "Print JSON instead of text");
  fit->add_option("--inner-dev", a.inner_dev, "Container-side device name (e.g. veth-c)");
  fit->add_option("--outer-dev", a.outer_dev, "Outer/physical device name (e.g. eth0)");
  fit->add_option("--encap-bytes", a.encap_bytes,
                  "Overlay bytes on the outer device (syscalls path; VXLAN over IPv4: 50)")
      ->check(CLI::Range(0, 1024));
  fit->add_option("--out", a.out, "Write the fitted mode as a modes.toml-format file");
  fit->add_option("--modes", a.modes,
                  "Modes file whose entries replace the built-in ones of the same name "
                  "(default: the built-in configs/container/modes.toml)")
      ->check(CLI::ExistingFile);
  fit->add_option("--tracing-inflation", a.tracing_inflation,
                  "Divide traced latencies by this (tracing inflates them about 2x)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 100.0));
  fit->add_option("--cold-gap-us", a.cold_gap_us, "Idle gap that makes a path cold (us)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7));
  commands.add(fit, [args] { return container::container_fit_command(*args, std::cout); });
}

void add_reproduce(CLI::App& container, CommandSet& commands) {
  auto args = std::make_shared<container::ContainerReproduceArgs>();
  auto* reproduce = container.add_subcommand(
      "reproduce", "Simulate the published container-latency targets and compare");
  reproduce->add_option("--seed", args->seed, "Random seed")
      ->capture_default_str()
      ->check(seed_check());
  reproduce->add_flag("--json", args->json, "Print JSON instead of text");
  reproduce
      ->add_option("--scenarios", args->scenarios,
                   "MACE scenario constants file (default: the built-in copy of "
                   "configs/container/mace-scenarios.toml)")
      ->check(CLI::ExistingFile);
  reproduce
      ->add_option("--modes", args->modes,
                   "Modes file whose entries replace the built-in ones of the same name, e.g. "
                   "one written by container fit --out (default: the built-in "
                   "configs/container/modes.toml)")
      ->check(CLI::ExistingFile);
  commands.add(reproduce,
               [args] { return container::container_reproduce_command(*args, std::cout); });
}

}  // namespace

void add_container_commands(CLI::App& app, CommandSet& commands) {
  auto* container = app.add_subcommand(
      "container", "Container network-stack latency: measure kernel traces, fit, reproduce");
  container->require_subcommand(1);
  add_measure(*container, commands);
  add_fit(*container, commands);
  add_reproduce(*container, commands);
}

}  // namespace rlisim::app
