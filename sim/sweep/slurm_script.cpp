#include "sim/sweep/slurm_script.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace rlisim::sweep {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string slurm_script(const SlurmOptions& o) {
  if (o.tasks == 0 || o.tasks > kMaxSlurmTasks) {
    throw core::ConfigError(fmt::format(
        "sweep slurm: --tasks {} is outside 1..{} (Slurm's default MaxArraySize is 1001); pack "
        "more points into each task instead",
        o.tasks, kMaxSlurmTasks));
  }
  if (o.cpus_per_task == 0)
    throw core::ConfigError("sweep slurm: --cpus-per-task must be at least 1");
  for (const auto* value : {&o.job_name, &o.sweep_file, &o.rlisim, &o.shard_dir, &o.database}) {
    if (value->find_first_of("\n\r") != std::string::npos)
      throw core::ConfigError(fmt::format("sweep slurm: '{}' holds a line break", *value));
  }
  const std::string array = o.throttle > 0 ? fmt::format("0-{}%{}", o.tasks - 1, o.throttle)
                                           : fmt::format("0-{}", o.tasks - 1);
  const std::string merge =
      fmt::format("{} sweep merge {} {}/shard-*.sqlite", shell_quote(o.rlisim),
                  shell_quote(o.database), shell_quote(o.shard_dir));
  std::string s = "#!/bin/bash\n";
  s += fmt::format("# Slurm job array for the rlisim sweep {}: {} task(s), each one shard.\n",
                   o.sweep_file, o.tasks);
  s += "# Submit:  sbatch THIS_SCRIPT\n";
  s += "# When every task has finished, merge the shard databases:\n";
  s += fmt::format("#   {}\n", merge);
  s += "# or submit the merge to run after the array:\n";
  s += fmt::format(
      "#   jid=$(sbatch --parsable THIS_SCRIPT) && sbatch --dependency=afterok:$jid "
      "--wrap {}\n",
      shell_quote(merge));
  s += "# A task that dies can simply be resubmitted (sbatch --array=K THIS_SCRIPT): its shard\n";
  s += "# database keeps the finished points and only the rest run again.\n";
  s += fmt::format("#SBATCH --job-name={}\n", o.job_name);
  s += fmt::format("#SBATCH --array={}\n", array);
  s += "#SBATCH --ntasks=1\n";
  s += fmt::format("#SBATCH --cpus-per-task={}\n", o.cpus_per_task);
  s += fmt::format("#SBATCH --output={}/slurm-%A_%a.out\n", o.shard_dir);
  if (o.time)
    s += fmt::format("#SBATCH --time={}\n", *o.time);
  if (o.partition)
    s += fmt::format("#SBATCH --partition={}\n", *o.partition);
  if (o.account)
    s += fmt::format("#SBATCH --account={}\n", *o.account);
  s += "set -euo pipefail\n";
  s += "shard=\"${SLURM_ARRAY_TASK_ID:?run this script with sbatch: it is a job array}\"\n";
  s += fmt::format("mkdir -p {}\n", shell_quote(o.shard_dir));
  s += fmt::format(
      "exec {} sweep {} --shard \"${{shard}}/{}\" --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\" "
      "--db {}/\"shard-${{shard}}.sqlite\"\n",
      shell_quote(o.rlisim), shell_quote(o.sweep_file), o.tasks, shell_quote(o.shard_dir));
  return s;
}

}  // namespace rlisim::sweep
