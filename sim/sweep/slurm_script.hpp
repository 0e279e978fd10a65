#pragma once
// A Slurm job-array script whose tasks each run one shard of a sweep.

#include <cstddef>
#include <optional>
#include <string>

namespace rlisim::sweep {

struct SlurmOptions {
  std::string job_name;
  /// Absolute paths: the sweep file, the rlisim binary the tasks run, the folder for shard
  /// databases and task logs, and the merged database.
  std::string sweep_file;
  std::string rlisim;
  std::string shard_dir;
  std::string database;
  /// Array tasks (shards), each a `rlisim sweep --shard i/tasks`; at most kMaxTasks.
  std::size_t tasks = 1;
  /// Tasks running at once (the %M of --array); 0 for no limit.
  std::size_t throttle = 0;
  /// CPUs per task; the task runs that many points at once (--jobs).
  std::size_t cpus_per_task = 1;
  std::optional<std::string> time;
  std::optional<std::string> partition;
  std::optional<std::string> account;
};

/// Slurm's default MaxArraySize is 1001, so indices 0..1000; stay within it.
inline constexpr std::size_t kMaxSlurmTasks = 1000;

/// The sbatch script. Its comments say how to submit it and merge the shard databases.
/// @throws core::ConfigError if tasks is 0 or above kMaxSlurmTasks, or a value holds a newline.
std::string slurm_script(const SlurmOptions& options);

/// `text` quoted for a POSIX shell.
std::string shell_quote(const std::string& text);

}  // namespace rlisim::sweep
