#pragma once
// Runs the points of a sweep, one `rlisim run` process each, up to N at a time, and records
// each finished point in the results database.

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/sweep/sweep_spec.hpp"

namespace rlisim::sweep {

struct SweepOptions {
  /// The results database.
  std::string database;
  /// The rlisim executable each point runs (`rlisim run`).
  std::string rlisim;
  /// Processes at once (1 or more).
  std::size_t jobs = 1;
  Shard shard;
  /// If another sweep holds the database: wait for it (true) or refuse (DatabaseBusy).
  bool wait = false;
  /// Progress lines on this stream (nullptr: silent).
  std::FILE* progress = nullptr;
};

struct SweepReport {
  std::size_t points = 0;      // in the manifest
  std::size_t in_shard = 0;    // selected by the shard
  std::size_t skipped = 0;     // already done in the database
  std::size_t duplicates = 0;  // the same point (hash) as an earlier one, not run again
  std::size_t done = 0;        // ran and recorded as done now
  std::size_t failed = 0;      // ran and recorded as failed now
  std::size_t complete = 0;    // in the shard and done in the database at the end
  double wall_s = 0;
};

/// Runs every point of `points` (resolved) in the shard that the database does not hold as
/// done, each distinct point (hash) once. Each point runs as its own process (a crash cannot
/// touch another point) with its output in this process's scratch folder next to the
/// database; the parent alone writes the database, one transaction per point, so killing the
/// sweep at any moment loses at most the points in flight, and a rerun redoes exactly those.
/// Children die with the sweep (PR_SET_PDEATHSIG). The whole run holds the database's
/// DatabaseLock.
/// @throws DatabaseBusy if another sweep holds the database (and not options.wait);
/// StoreError on other database problems; core::ConfigError if a process cannot be started.
SweepReport run_sweep(const SweepSpec& spec, const std::vector<Point>& points,
                      const SweepOptions& options);

/// The default database of a sweep: its `database` key, else SWEEP_STEM.sqlite next to it.
std::string default_database(const SweepSpec& spec);

}  // namespace rlisim::sweep
