#pragma once
// The `rlisim sweep ...` commands, independent of the CLI library.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace rlisim::sweep {

struct SweepRunArgs {
  std::string sweep_file;
  std::optional<std::string> database;  // default: default_database()
  std::size_t jobs = 1;
  std::optional<std::string> shard;  // "K/N"
  bool quiet = false;
  /// Wait for another sweep that holds the database instead of refusing to start.
  bool wait = false;
  /// The rlisim binary that runs each point (normally this very executable).
  std::string rlisim;
};

struct SweepSlurmArgs {
  std::string sweep_file;
  std::size_t tasks = 1;
  std::size_t throttle = 0;
  std::size_t cpus_per_task = 1;
  std::optional<std::string> shard_dir;  // default: DATABASE.shards
  std::optional<std::string> database;
  std::optional<std::string> time;
  std::optional<std::string> partition;
  std::optional<std::string> account;
  std::optional<std::string> out;  // default: standard output
  std::string rlisim;
};

/// Runs (or resumes) a sweep. Returns the exit code: 0 if every point of the shard is done, 1
/// if some failed (they are recorded; a rerun retries them).
/// @throws DatabaseBusy if another sweep holds the database and `wait` is false.
int sweep_run_command(const SweepRunArgs& args);
/// Prints the manifest (one line per point: index, hash, seed, point key, repetition).
int sweep_manifest_command(const std::string& sweep_file, const std::optional<std::string>& shard,
                           std::ostream& out);
int sweep_slurm_command(const SweepSlurmArgs& args, std::ostream& out);
int sweep_merge_command(const std::string& into, const std::vector<std::string>& from,
                        std::ostream& out);
int sweep_export_command(const std::string& database, const std::string& csv_dir, bool timings,
                         std::ostream& out);
int sweep_status_command(const std::string& database, std::ostream& out);
/// Prints the database schema as markdown.
int sweep_schema_command(std::ostream& out);

}  // namespace rlisim::sweep
