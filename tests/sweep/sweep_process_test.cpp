// `rlisim sweep` as a user runs it: identical results for any --jobs, shards that merge into
// the unsharded sweep, failed points recorded and retried, and a sweep killed with SIGKILL at
// several moments that resumes without duplicate or half-written rows.

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sweep/sqlite_db.hpp"
#include "tests/sweep/sweep_test_support.hpp"

namespace rlisim::sweep {
namespace {

using namespace test_support;
using ::testing::HasSubstr;

TEST(SweepProcess, JobsOneAndTwoGiveIdenticalResults) {
  ScratchDir dir("sweep-jobs");
  write_file(dir / "s.toml", quick_sweep("50ms", 3));
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}' --jobs 1", dir / "s.toml", dir / "one.sqlite"),
                   dir / "one.log"),
            0)
      << read_file(dir / "one.log");
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", dir / "two.sqlite"),
                   dir / "two.log"),
            0)
      << read_file(dir / "two.log");
  const auto one = exported(dir, dir / "one.sqlite", "one");
  EXPECT_THAT(one, HasSubstr(",rli,"));
  EXPECT_THAT(one, HasSubstr(",lda,"));
  EXPECT_EQ(one, exported(dir, dir / "two.sqlite", "two"));
  SqliteDb db(dir / "one.sqlite");
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM points WHERE status = 'done'"), 6);
  // rli, rli_corrected (the same references, corrected) and lda per point
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM results"), 18);
  EXPECT_GT(scalar(db, "SELECT COUNT(*) FROM cdfs WHERE metric = 'interference_positive_s'"), 0);
}

TEST(SweepProcess, ShardUnionEqualsTheUnshardedSweep) {
  ScratchDir dir("sweep-shards");
  write_file(dir / "s.toml", quick_sweep("50ms", 2));
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", dir / "all.sqlite"),
                   dir / "all.log"),
            0);
  std::string shards;
  for (int k = 0; k < 3; ++k) {
    const std::string db = dir / fmt::format("shard-{}.sqlite", k);
    ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}' --shard {}/3", dir / "s.toml", db, k),
                     dir / "shard.log"),
              0)
        << read_file(dir / "shard.log");
    shards += " '" + db + "'";
  }
  SqliteDb shard0(dir / "shard-0.sqlite");
  EXPECT_EQ(scalar(shard0, "SELECT COUNT(*) FROM points"), 2);  // indices 0 and 3 of 4
  ASSERT_EQ(
      rlisim(fmt::format("sweep merge '{}'{}", dir / "merged.sqlite", shards), dir / "merge.log"),
      0)
      << read_file(dir / "merge.log");
  EXPECT_EQ(exported(dir, dir / "merged.sqlite", "merged"),
            exported(dir, dir / "all.sqlite", "all"));
  // Merging again adds nothing.
  ASSERT_EQ(
      rlisim(fmt::format("sweep merge '{}'{}", dir / "merged.sqlite", shards), dir / "merge.log"),
      0);
  EXPECT_THAT(read_file(dir / "merge.log"), HasSubstr("0 point(s) added"));
  SqliteDb merged(dir / "merged.sqlite");
  EXPECT_EQ(scalar(merged, "SELECT COUNT(*) FROM points"), 4);
}

TEST(SweepProcess, AFailedPointIsRecordedWithItsErrorAndRetried) {
  ScratchDir dir("sweep-failed");
  write_file(dir / "bad.pcap", "this is not a capture file at all, just text\n");
  write_file(dir / "s.toml", quick_sweep("50ms", 1) + R"(
[[axis]]
name = "input"
variants = [{ "source.0.profile" = "chic" }, { "source.0.kind" = "pcap", "source.0.path" = "bad.pcap" }]
labels = ["synthetic", "broken-pcap"]
)");
  // The pcap variant leaves synthetic-only keys in place; drop them from the base instead.
  write_file(dir / "base.toml", R"(
[[source]]
kind = "synthetic"
[[router.port]]
rate = "1Gbps"
)");
  auto text = read_file(dir / "s.toml");
  text.replace(text.find("base = "), text.find('\n') - text.find("base = "),
               fmt::format("base = \"{}\"", dir / "base.toml"));
  text.replace(text.find("\"source.0.rate\" = \"200Mbps\"\n"), 27, "");
  text.replace(text.find("\"source.0.duration\" = \"50ms\"\n"), 29, "duration = \"50ms\"\n");
  write_file(dir / "s.toml", text);
  const std::string db = dir / "s.sqlite";
  const std::string run = fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", db);
  EXPECT_EQ(rlisim(run, dir / "run.log"), 1) << read_file(dir / "run.log");
  EXPECT_THAT(read_file(dir / "run.log"), HasSubstr("2 point(s) failed"));
  {
    SqliteDb d(db);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points WHERE status = 'done'"), 2);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points WHERE status = 'failed'"), 2);
    Statement st(d, "SELECT error, exit_code FROM points WHERE status = 'failed'");
    ASSERT_TRUE(st.step());
    EXPECT_THAT(st.text(0), HasSubstr("bad.pcap"));
    EXPECT_EQ(st.integer(1), 1);
  }
  EXPECT_EQ(rlisim(fmt::format("sweep status '{}'", db), dir / "status.log"), 1);
  EXPECT_THAT(read_file(dir / "status.log"), HasSubstr("2 done, 2 failed"));
  EXPECT_THAT(
      read_file(dir / "status.log"),
      HasSubstr("failed: point 1 (utilization.target=0.5, input=broken-pcap, repetition 0)"));
  // A rerun retries only the failed points and still holds one row per point.
  EXPECT_EQ(rlisim(run, dir / "rerun.log"), 1);
  EXPECT_THAT(read_file(dir / "rerun.log"), HasSubstr("2 already done, 2 to run"));
  SqliteDb d(db);
  EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points"), 4);
}

std::int64_t done_points(const std::string& db) {
  if (!fs::exists(db))
    return 0;
  try {
    SqliteDb d(db);
    Statement st(d, "SELECT COUNT(*) FROM points WHERE status = 'done'");
    return st.step() ? st.integer(0) : 0;
  } catch (const StoreError&) {
    return 0;  // the schema is not there yet
  }
}

// True while a run started by the sweep (its --out lies in the scratch folder) is alive.
bool runs_alive(const std::string& scratch) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto cmdline = read_file((entry.path() / "cmdline").string());
    if (cmdline.find(scratch) != std::string::npos && cmdline.find("run") != std::string::npos)
      return true;
  }
  return false;
}

// Consistency of a database after a kill: every done point is whole (its RLI and LDA rows and
// CDFs), nothing refers to a missing point, and SQLite's own check passes.
void expect_consistent(const std::string& db) {
  if (!fs::exists(db))
    return;  // killed before the database was created
  SqliteDb d(db);
  if (scalar(d, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'points'") == 0)
    return;  // killed before the schema was committed: nothing half-written either
  Statement check(d, "PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
  EXPECT_EQ(scalar(d,
                   "SELECT COUNT(*) FROM points WHERE status = 'done' AND (SELECT COUNT(*) "
                   "FROM results r WHERE r.point_hash = points.point_hash) != 3"),
            0);
  EXPECT_EQ(scalar(d,
                   "SELECT COUNT(*) FROM points WHERE status = 'done' AND NOT EXISTS "
                   "(SELECT 1 FROM cdfs c WHERE c.point_hash = points.point_hash)"),
            0);
  EXPECT_EQ(scalar(d,
                   "SELECT COUNT(*) FROM results WHERE point_hash NOT IN "
                   "(SELECT point_hash FROM points)"),
            0);
  EXPECT_EQ(scalar(d,
                   "SELECT COUNT(*) FROM cdfs WHERE point_hash NOT IN "
                   "(SELECT point_hash FROM points)"),
            0);
}

TEST(SweepProcess, KilledAtAnyMomentItResumesWithoutDuplicatesOrPartialRows) {
  ScratchDir dir("sweep-kill");
  // 8 points of a tenth of a second or more each: long enough to kill between and during runs.
  write_file(dir / "s.toml", quick_sweep("2s", 4));
  const std::string db = dir / "s.sqlite";
  const std::string scratch = db + ".work";
  // Kill right at the start, then once some points are done, then once more are.
  for (const std::int64_t kill_after : {0, 2, 5}) {
    const pid_t pid =
        start_rlisim({"sweep", dir / "s.toml", "--db", db, "--jobs", "2"}, dir / "kill.log");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (done_points(db) < kill_after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the sweep finished before it could be killed";
    // The runs in flight die with the sweep.
    const auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (runs_alive(scratch) && std::chrono::steady_clock::now() < gone_by)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(runs_alive(scratch)) << "a run outlived the killed sweep";
    expect_consistent(db);
    EXPECT_LT(done_points(db), 8);
  }
  const std::int64_t before = done_points(db);
  EXPECT_GE(before, 5);
  ASSERT_EQ(
      rlisim(fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", db), dir / "resume.log"),
      0)
      << read_file(dir / "resume.log");
  EXPECT_THAT(read_file(dir / "resume.log"),
              HasSubstr(fmt::format("{} already done, {} to run", before, 8 - before)));
  EXPECT_FALSE(fs::exists(scratch)) << "the killed sweeps' scratch folders are still there";
  expect_consistent(db);
  {
    SqliteDb d(db);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points WHERE status = 'done'"), 8);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM results"), 24);
  }
  // And the resumed database equals one written without interruption.
  ASSERT_EQ(
      rlisim(fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", dir / "clean.sqlite"),
             dir / "clean.log"),
      0);
  EXPECT_EQ(exported(dir, db, "resumed"), exported(dir, dir / "clean.sqlite", "clean"));
}

TEST(SweepProcess, SlurmScriptRunsEveryShardAndNamesTheMerge) {
  ScratchDir dir("sweep-slurm-script");
  write_file(dir / "s.toml", quick_sweep("50ms", 2));
  ASSERT_EQ(rlisim(fmt::format("sweep slurm '{}' --tasks 3 --throttle 2 --time 00:10:00 --db "
                               "'{}' --out '{}'",
                               dir / "s.toml", dir / "m.sqlite", dir / "job.sh"),
                   dir / "slurm.log"),
            0)
      << read_file(dir / "slurm.log");
  const auto script = read_file(dir / "job.sh");
  EXPECT_THAT(script, HasSubstr("#SBATCH --array=0-2%2\n"));
  EXPECT_THAT(script, HasSubstr("#SBATCH --time=00:10:00\n"));
  EXPECT_THAT(script, HasSubstr("--shard \"${shard}/3\""));
  EXPECT_THAT(script, HasSubstr("sweep merge '" + dir / "m.sqlite" + "'"));
  // Each array task is the script run with its index: run all three without Slurm, merge.
  for (int k = 0; k < 3; ++k) {
    const int status = std::system(fmt::format("SLURM_ARRAY_TASK_ID={} bash '{}' > '{}' 2>&1", k,
                                               dir / "job.sh", dir / "task.log")
                                       .c_str());
    ASSERT_EQ(WEXITSTATUS(status), 0) << read_file(dir / "task.log");
  }
  ASSERT_EQ(rlisim(fmt::format("sweep merge '{0}' '{0}'.shards/shard-0.sqlite "
                               "'{0}'.shards/shard-1.sqlite '{0}'.shards/shard-2.sqlite",
                               dir / "m.sqlite"),
                   dir / "merge.log"),
            0)
      << read_file(dir / "merge.log");
  EXPECT_THAT(read_file(dir / "merge.log"), HasSubstr("4 done, 0 failed"));
  // More tasks than points is refused.
  EXPECT_EQ(rlisim(fmt::format("sweep slurm '{}' --tasks 5", dir / "s.toml"), dir / "bad.log"), 1);
  EXPECT_THAT(read_file(dir / "bad.log"), HasSubstr("exceeds the sweep's 4 points"));
}

}  // namespace
}  // namespace rlisim::sweep
