#include "sim/sweep/sweep_commands.hpp"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "sim/core/error.hpp"
#include "sim/core/output_file.hpp"
#include "sim/sweep/results_store.hpp"
#include "sim/sweep/slurm_script.hpp"
#include "sim/sweep/sweep_runner.hpp"

namespace rlisim::sweep {
namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

std::vector<Point> resolved_manifest(const SweepSpec& spec) {
  auto points = expand(spec);
  resolve(spec, points);
  return points;
}

// Status and export only read, so they work on a finished database the user cannot write.
ResultsStore read_existing(const std::string& database) {
  if (!fs::exists(database))
    throw StoreError(fmt::format("{}: no such results database", database));
  return ResultsStore(database, Access::kReadOnly);
}

}  // namespace

int sweep_run_command(const SweepRunArgs& args) {
  const auto spec = load_sweep(args.sweep_file);
  const auto points = resolved_manifest(spec);
  SweepOptions options;
  options.database = args.database.value_or(default_database(spec));
  options.rlisim = args.rlisim;
  options.jobs = std::max<std::size_t>(args.jobs, 1);
  if (args.shard)
    options.shard = parse_shard(*args.shard);
  options.progress = args.quiet ? nullptr : stderr;
  options.wait = args.wait;
  const auto report = run_sweep(spec, points, options);
  ResultsStore store(options.database);
  const auto counts = store.counts();
  fmt::print(
      "sweep {}: {} of {} points in this shard done ({} now, {} before{}), {} failed, in {:.1f} "
      "s; database {} holds {} done, {} failed\n",
      spec.name, report.complete, report.in_shard, report.done, report.skipped,
      report.duplicates ? fmt::format(", {} the same as another point", report.duplicates) : "",
      report.failed, report.wall_s, options.database, counts.done, counts.failed);
  // Success means the database holds every point of the shard as done, whatever ran now.
  if (report.complete < report.in_shard) {
    fmt::print(stderr,
               "rlisim: {} point(s) failed; their errors are in the database (rlisim sweep "
               "status {}); rerunning the sweep retries them\n",
               report.in_shard - report.complete, options.database);
    return 1;
  }
  return 0;
}

int sweep_manifest_command(const std::string& sweep_file, const std::optional<std::string>& shard,
                           std::ostream& out) {
  const auto spec = load_sweep(sweep_file);
  const auto points = resolved_manifest(spec);
  const Shard s = shard ? parse_shard(*shard) : Shard{};
  fmt::print(out, "# index\thash\tseed\trepetition\tpoint\n");
  for (const auto& p : points) {
    if (s.contains(p)) {
      fmt::print(out, "{}\t{}\t{}\t{}\t{}\n", p.index, p.hash, p.seed, p.repetition,
                 p.key.empty() ? "base" : p.key);
    }
  }
  return 0;
}

int sweep_slurm_command(const SweepSlurmArgs& args, std::ostream& out) {
  const auto spec = load_sweep(args.sweep_file);
  const auto points = resolved_manifest(spec);  // a bad point fails here, not on the cluster
  if (args.tasks > points.size()) {
    throw core::ConfigError(fmt::format(
        "sweep slurm: --tasks {} exceeds the sweep's {} points; some tasks would have nothing "
        "to do",
        args.tasks, points.size()));
  }
  SlurmOptions o;
  o.job_name = "rlisim-" + spec.name;
  o.sweep_file = absolute(args.sweep_file);
  o.rlisim = absolute(args.rlisim);
  o.database = absolute(args.database.value_or(default_database(spec)));
  o.shard_dir = absolute(args.shard_dir.value_or(o.database + ".shards"));
  o.tasks = args.tasks;
  o.throttle = args.throttle;
  o.cpus_per_task = args.cpus_per_task;
  o.time = args.time;
  o.partition = args.partition;
  o.account = args.account;
  const std::string script = slurm_script(o);
  // Slurm opens each task's --output file in this folder before the script runs.
  std::error_code ec;
  fs::create_directories(o.shard_dir, ec);
  if (ec) {
    throw core::ConfigError(
        fmt::format("sweep slurm: cannot create {}: {}", o.shard_dir, ec.message()));
  }
  if (!args.out) {
    out << script;
    return 0;
  }
  core::write_output_file(*args.out, "Slurm script", script);
  fs::permissions(*args.out, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  fmt::print(out,
             "wrote {}: {} points in {} array task(s){}; submit with: sbatch {}\n"
             "then merge: {} sweep merge {} {}/shard-*.sqlite\n",
             *args.out, points.size(), args.tasks,
             args.throttle ? fmt::format(", at most {} at once", args.throttle) : "", *args.out,
             o.rlisim, o.database, o.shard_dir);
  return 0;
}

int sweep_merge_command(const std::string& into, const std::vector<std::string>& from,
                        std::ostream& out) {
  ResultsStore store(into);
  for (const auto& f : from) {
    if (absolute(f) == absolute(into))
      continue;
    const auto added = store.merge_from(f);
    fmt::print(out, "merged {}: {} point(s) added\n", f, added);
  }
  const auto c = store.counts();
  fmt::print(out, "{}: {} done, {} failed\n", into, c.done, c.failed);
  return 0;
}

int sweep_export_command(const std::string& database, const std::string& csv_dir, bool timings,
                         std::ostream& out) {
  ResultsStore store = read_existing(database);
  store.export_csv(csv_dir, timings);
  fmt::print(out, "wrote {0}/points.csv, {0}/results.csv, {0}/cdfs.csv\n", csv_dir);
  return 0;
}

int sweep_status_command(const std::string& database, std::ostream& out) {
  ResultsStore store = read_existing(database);
  const auto c = store.counts();
  fmt::print(out, "{}: {} done, {} failed\n", database, c.done, c.failed);
  for (const auto& f : store.failures()) {
    // The last line of a run's error output says what stopped it.
    std::string last = f.error;
    while (!last.empty() && last.back() == '\n')
      last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    fmt::print(out, "  failed: point {} ({}, repetition {}): {}\n", f.index,
               f.key.empty() ? "base" : f.key, f.repetition, last);
  }
  return c.failed > 0 ? 1 : 0;
}

int sweep_schema_command(std::ostream& out) {
  out << schema_markdown();
  return 0;
}

}  // namespace rlisim::sweep
