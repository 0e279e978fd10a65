// rlisim sweep: parameter sweeps into a SQLite results database, and managing that database.

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/app/command_set.hpp"
#include "sim/sweep/sweep_commands.hpp"

namespace rlisim::app {
namespace {

void add_manifest(CLI::App& sweep, CommandSet& commands) {
  struct Args {
    std::string file;
    std::optional<std::string> shard;
  };
  auto args = std::make_shared<Args>();
  auto* manifest = sweep.add_subcommand("manifest", "Print the sweep's points, one per line");
  manifest->add_option("sweep", args->file, "Sweep file")->required()->check(CLI::ExistingFile);
  manifest->add_option("--shard", args->shard, "Only slice K of N")->type_name("K/N");
  commands.add(manifest, [args] {
    return sweep::sweep_manifest_command(args->file, args->shard, std::cout);
  });
}

void add_slurm(CLI::App& sweep, CommandSet& commands, const std::string& self) {
  auto args = std::make_shared<sweep::SweepSlurmArgs>();
  auto& a = *args;
  a.rlisim = self;
  auto* slurm = sweep.add_subcommand("slurm", "Write a Slurm job-array script running the shards");
  slurm->add_option("sweep", a.sweep_file, "Sweep file")->required()->check(CLI::ExistingFile);
  slurm->add_option("--tasks", a.tasks, "Array tasks (shards)")
      ->required()
      ->check(CLI::Range(1, 1000));
  slurm->add_option("--throttle", a.throttle, "Tasks running at once (0: no limit)");
  slurm->add_option("--cpus-per-task", a.cpus_per_task, "CPUs (and points at once) per task")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  slurm->add_option("--db", a.database, "Merged database (default as for sweep)");
  slurm->add_option("--db-dir", a.shard_dir, "Folder for shard databases and task logs");
  slurm->add_option("--time", a.time, "Time limit per task (HH:MM:SS)");
  slurm->add_option("--partition", a.partition, "Slurm partition");
  slurm->add_option("--account", a.account, "Slurm account");
  slurm->add_option("--rlisim", a.rlisim, "rlisim binary the tasks run (default: this one)");
  slurm->add_option("--out,-o", a.out, "Write the script here (default: stdout)");
  commands.add(slurm, [args] { return sweep::sweep_slurm_command(*args, std::cout); });
}

void add_database_commands(CLI::App& sweep, CommandSet& commands) {
  struct Args {
    std::string merge_into;
    std::vector<std::string> merge_from;
    std::string export_db;
    std::string export_csv;
    bool export_no_timings = false;
    std::string status_db;
  };
  auto args = std::make_shared<Args>();
  auto* merge = sweep.add_subcommand("merge", "Merge shard databases into one");
  merge->add_option("into", args->merge_into, "Database to merge into (created if absent)")
      ->required();
  merge->add_option("from", args->merge_from, "Shard databases")
      ->required()
      ->check(CLI::ExistingFile);
  commands.add(merge, [args] {
    return sweep::sweep_merge_command(args->merge_into, args->merge_from, std::cout);
  });

  auto* exporter = sweep.add_subcommand("export", "Export a results database as CSV files");
  exporter->add_option("database", args->export_db, "Results database")->required();
  exporter->add_option("--csv", args->export_csv, "Folder for points.csv, results.csv, cdfs.csv")
      ->required();
  exporter->add_flag("--no-timings", args->export_no_timings,
                     "Leave out columns that differ between identical runs (times, host, speed)");
  commands.add(exporter, [args] {
    return sweep::sweep_export_command(args->export_db, args->export_csv, !args->export_no_timings,
                                       std::cout);
  });

  auto* status = sweep.add_subcommand("status", "Count done and failed points of a database");
  status->add_option("database", args->status_db, "Results database")->required();
  commands.add(status, [args] { return sweep::sweep_status_command(args->status_db, std::cout); });

  auto* schema = sweep.add_subcommand("schema", "Print the results database schema (markdown)");
  commands.add(schema, [] { return sweep::sweep_schema_command(std::cout); });
}

}  // namespace

void add_sweep_commands(CLI::App& app, CommandSet& commands, const std::string& self) {
  auto args = std::make_shared<sweep::SweepRunArgs>();
  auto& a = *args;
  a.rlisim = self;
  auto* sweep = app.add_subcommand(
      "sweep", "Run a parameter sweep (SWEEP.toml) into a SQLite results database, or manage one");
  sweep->add_option("sweep", a.sweep_file, "Sweep file (TOML)")->check(CLI::ExistingFile);
  sweep->add_option("--db", a.database,
                    "Results database (default: the sweep's 'database', else SWEEP.sqlite)");
  sweep->add_option("--jobs,-j", a.jobs, "Points run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  sweep->add_option("--shard", a.shard, "Run only slice K of N (points with index % N == K)")
      ->type_name("K/N");
  sweep->add_flag("--quiet,-q", a.quiet, "No progress lines on stderr");
  sweep->add_flag("--wait", a.wait,
                  "If another sweep is running into the database, wait for it to finish instead "
                  "of refusing to start");

  add_manifest(*sweep, commands);
  add_slurm(*sweep, commands, self);
  add_database_commands(*sweep, commands);
  commands.add(sweep, [args] {
    if (args->sweep_file.empty()) {
      print_error(
          "rlisim sweep: give a sweep file, or one of: manifest, slurm, merge, "
          "export, status, schema (see rlisim sweep --help)\n");
      return kExitUsage;
    }
    return sweep::sweep_run_command(*args);
  });
}

}  // namespace rlisim::app
