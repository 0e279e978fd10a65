// rlisim trace: statistics of a capture, and synthetic CAIDA-like traces.

#include <iostream>
#include <memory>

#include "sim/app/command_set.hpp"
#include "sim/app/trace_commands.hpp"

namespace rlisim::app {

void add_trace_commands(CLI::App& app, CommandSet& commands) {
  auto* trace = app.add_subcommand("trace", "Inspect or generate packet traces");
  trace->require_subcommand(1);

  auto stats_args = std::make_shared<TraceStatsArgs>();
  auto* stats = trace->add_subcommand("stats", "Statistics of a capture (pcap, pcapng, .gz, -)");
  stats->add_option("file", stats_args->path, "Capture file, or - for standard input")->required();
  stats->add_flag("--json", stats_args->json, "Print JSON instead of text");
  stats
      ->add_option("--reorder", stats_args->reorder,
                   "Timestamps going backwards: error (default), sort, clamp")
      ->check(CLI::IsMember({"error", "sort", "clamp"}));
  stats->add_option("--reorder-window", stats_args->reorder_window,
                    "Window for --reorder sort, e.g. 1ms");
  commands.add(stats, [stats_args] { return trace_stats_command(*stats_args, std::cout); });

  auto gen_args = std::make_shared<TraceGenArgs>();
  auto& g = *gen_args;
  auto* gen = trace->add_subcommand("gen", "Generate a synthetic CAIDA-like pcap (LINKTYPE_RAW)");
  gen->add_option("--out,-o", g.out, "Output pcap (- for stdout, .gz to compress)");
  auto* gen_profile =
      gen->add_option("--profile", g.profile, "Traffic profile: chic, sanj or default")
          ->capture_default_str();
  gen->add_option("--rate", g.rate, "Target bit rate, e.g. 2Gbps");
  gen->add_option("--duration", g.duration, "Trace duration, e.g. 1s");
  gen->add_option("--seed", g.seed, "Random seed")->capture_default_str()->check(seed_check());
  gen->add_option("--size-mix", g.size_mix,
                  "Packet sizes: caida2018, trimodal, imix, or trace:FILE (sizes of a capture)");
  gen->add_option("--pareto-alpha", g.pareto_alpha, "Flow-size Pareto shape");
  gen->add_option("--max-flow-packets", g.max_flow_packets, "Flow-size truncation");
  gen->add_option("--snaplen", g.snaplen, "Bytes captured per packet (CAIDA: 48-96)")
      ->capture_default_str();
  auto* gen_profile_file =
      gen->add_option("--profile-file", g.profile_file,
                      "Traffic profile file (TOML, as --print-profile writes); replaces --profile")
          ->check(CLI::ExistingFile);
  gen->add_option("--like", g.like,
                  "Fit the profile to this capture, print it, generate, and compare the two "
                  "(excludes --profile and --profile-file)")
      ->check(CLI::ExistingFile)
      ->excludes(gen_profile)
      ->excludes(gen_profile_file);
  gen->add_option("--profile-out", g.profile_out,
                  "With --like: write the fitted profile file here instead of stdout");
  gen->add_option("--max-gap", g.max_gap,
                  "With --like: shorten gaps in the capture longer than this, e.g. 1s");
  gen->add_option("--flow-model", g.flow_model,
                  "tcp (windows per round trip, ACK streams) or paced (evenly paced flows)")
      ->check(CLI::IsMember({"tcp", "paced"}));
  gen->add_flag("--print-profile", g.print_profile,
                "Print the effective profile as an editable profile file");
  commands.add(gen, [gen_args] {
    if (gen_args->out.empty() && !gen_args->print_profile && !gen_args->like) {
      print_error("rlisim trace gen: --out is required (unless --print-profile or --like)\n");
      return kExitUsage;
    }
    return trace_gen_command(*gen_args, std::cout);
  });
}

}  // namespace rlisim::app
