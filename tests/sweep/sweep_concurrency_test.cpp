// One results database used by more than one process: two sweeps started at the same moment
// (one runs, the other refuses or, with --wait, waits), scratch folders of ended sweeps
// removed by the next one, points that are the same run once, and a finished database read
// where it cannot be written (read-only mount, folder or file).

#include <chrono>
#include <iostream>
#include <optional>
#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/sweep/sweep_test_support.hpp"

namespace rlisim::sweep {
namespace {

using namespace test_support;
using ::testing::HasSubstr;
using ::testing::Not;

std::string this_host() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// "K" of a finished sweep's "(K now, M before" summary; nullopt if the sweep did not run.
std::optional<int> points_run_now(const std::string& log) {
  std::smatch m;
  if (!std::regex_search(log, m, std::regex(R"(\((\d+) now, \d+ before)")))
    return std::nullopt;
  return std::stoi(m[1].str());
}

int exit_code_of(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Trials {
  int both_ran = 0;  // the second started after the first had finished, or waited for it
  int refused = 0;
};

// Starts two sweeps of `points` tiny points on one database at once, `trials` times; each
// database must end with every point done exactly once and no failed row.
Trials two_sweeps_at_once(const std::string& name, int trials, bool wait) {
  ScratchDir dir(name);
  write_file(dir / "s.toml", quick_sweep("10ms", 3));
  constexpr int kPoints = 6;
  Trials seen;
  for (int trial = 0; trial < trials; ++trial) {
    SCOPED_TRACE(fmt::format("trial {}", trial));
    const std::string db = dir / fmt::format("t{}.sqlite", trial);
    std::vector<std::string> args = {"sweep", dir / "s.toml", "--db", db, "--jobs", "2"};
    if (wait)
      args.push_back("--wait");
    const pid_t a = start_rlisim(args, dir / "a.log");
    const pid_t b = start_rlisim(args, dir / "b.log");
    const int codes[] = {exit_code_of(a), exit_code_of(b)};
    const std::string logs[] = {read_file(dir / "a.log"), read_file(dir / "b.log")};
    int ran = 0;
    int refusals = 0;
    for (int i = 0; i < 2; ++i) {
      if (codes[i] == 0) {
        const auto now = points_run_now(logs[i]);
        EXPECT_TRUE(now.has_value()) << logs[i];
        ran += now.value_or(0);
      } else {
        // The documented refusal: exit 1, naming the database and the sweep holding it.
        EXPECT_FALSE(wait) << logs[i];
        EXPECT_EQ(codes[i], 1) << logs[i];
        EXPECT_THAT(logs[i], HasSubstr(db + ": another sweep is running into this database (pid "))
            << logs[i];
        EXPECT_THAT(logs[i], HasSubstr(" on " + this_host() + " since ")) << logs[i];
        ++refusals;
      }
    }
    EXPECT_LE(refusals, 1) << logs[0] << logs[1];
    EXPECT_EQ(ran, kPoints) << "points run by the two sweeps together\n" << logs[0] << logs[1];
    SqliteDb d(db);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points WHERE status = 'done'"), kPoints);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points WHERE status != 'done'"), 0);
    EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM results"), 3 * kPoints);
    EXPECT_FALSE(fs::exists(db + ".work"));
    (refusals ? seen.refused : seen.both_ran) += 1;
  }
  return seen;
}

TEST(SweepConcurrency, OfTwoSweepsStartedTogetherOneRunsAndTheOtherRefuses) {
  const auto start = std::chrono::steady_clock::now();
  const auto seen = two_sweeps_at_once("sweep-two", 10, false);
  // For the record: how often the second started only after the first had finished.
  std::cout << fmt::format(
      "10 trials: {} refused, {} ran one after the other, in {:.1f} s\n", seen.refused,
      seen.both_ran,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

TEST(SweepConcurrency, WithWaitTheSecondSweepQueuesBehindTheFirst) {
  const auto seen = two_sweeps_at_once("sweep-two-wait", 3, true);
  EXPECT_EQ(seen.both_ran, 3);
}

TEST(SweepConcurrency, ScratchFoldersOfEndedSweepsAreRemovedWhenTheNextStarts) {
  ScratchDir dir("sweep-stale");
  write_file(dir / "s.toml", quick_sweep("10ms", 1));
  const std::string db = dir / "s.sqlite";
  const fs::path work = db + ".work";
  // A sweep killed with SIGKILL cannot clean up: its folder, a point's half-written output in
  // it, under the pid of a process that has ended.
  const pid_t dead = fork();
  if (dead == 0)
    _exit(0);
  ASSERT_EQ(exit_code_of(dead), 0);
  const fs::path killed = work / fmt::format("{}-{}", this_host(), dead);
  fs::create_directories(killed / "0123456789abcdef0123456789abcdef/out");
  write_file((killed / "0123456789abcdef0123456789abcdef/out/summary.json").string(), "{\"in");
  const fs::path other_host = work / "some-other-host-12";  // cannot run while we hold the lock
  const fs::path old_layout = work / "fedcba9876543210fedcba9876543210";
  const fs::path alive = work / fmt::format("{}-{}", this_host(), getpid());
  for (const auto& d : {other_host, old_layout, alive})
    fs::create_directories(d);
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}'", dir / "s.toml", db), dir / "run.log"), 0)
      << read_file(dir / "run.log");
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_FALSE(fs::exists(other_host));
  EXPECT_FALSE(fs::exists(old_layout));
  // A live process on this host keeps its folder; the sweep's own is gone.
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_EQ(std::distance(fs::directory_iterator(work), fs::directory_iterator()), 1);
  fs::remove(alive);
  // A sweep with nothing left to run still clears the scratch folders, and their parent.
  fs::create_directories(killed);
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}'", dir / "s.toml", db), dir / "rerun.log"), 0)
      << read_file(dir / "rerun.log");
  EXPECT_THAT(read_file(dir / "rerun.log"), HasSubstr("2 already done, 0 to run"));
  EXPECT_FALSE(fs::exists(work));
}

TEST(SweepConcurrency, PointsThatAreTheSameRunOnce) {
  ScratchDir dir("sweep-same");
  // With the seed fixed, both variants only repeat [set]: four grid points, two runs.
  write_file(dir / "s.toml", quick_sweep("10ms", 1, "seed = 5") + R"(
[[axis]]
name = "v"
variants = [{ "rli.enabled" = true }, { "lda.enabled" = true }]
labels = ["a", "b"]
)");
  const std::string db = dir / "s.sqlite";
  ASSERT_EQ(
      rlisim(fmt::format("sweep '{}' --db '{}' --jobs 2", dir / "s.toml", db), dir / "run.log"), 0)
      << read_file(dir / "run.log");
  EXPECT_THAT(read_file(dir / "run.log"),
              HasSubstr("4 of 4 points in this shard done (2 now, 0 before, 2 the same as "
                        "another point), 0 failed"));
  SqliteDb d(db);
  EXPECT_EQ(scalar(d, "SELECT COUNT(*) FROM points"), 2);
}

// A way to run a command that sees a folder read-only.
struct ReadOnlyCase {
  std::string name;
  fs::perms folder;  // permissions of the folder and of the database file
  fs::perms file;
  std::string wrapper;  // runs the command after it: `WRAPPER rlisim ARGS`
  bool folder_read_only;
};

TEST(SweepConcurrency, AFinishedDatabaseIsShownAndExportedWhereItCannotBeWritten) {
  ScratchDir dir("sweep-read-only");
  // The user nobody (below) must read every input: a copy of the base configuration here, not
  // the one in the source tree, which may sit in a folder only its owner can enter.
  fs::copy_file(fs::path(RLISIM_SOURCE_DIR) / "configs" / "quickstart.toml",
                dir.path() / "quickstart.toml");
  write_file(dir / "s.toml", quick_sweep("10ms", 1, "", dir / "quickstart.toml"));
  const fs::path ro = dir.path() / "ro";
  fs::create_directories(ro);
  const std::string db = (ro / "s.sqlite").string();
  ASSERT_EQ(rlisim(fmt::format("sweep '{}' --db '{}'", dir / "s.toml", db), dir / "run.log"), 0)
      << read_file(dir / "run.log");
  const std::string reference = exported(dir, db, "reference");
  // As a finished sweep leaves it: reading it read-only left SQLite's (empty) log and index.
  fs::remove(db + "-wal");
  fs::remove(db + "-shm");
  fs::create_directories(dir / "out");
  fs::permissions(dir / "out", fs::perms::all);
  const auto rw_folder = fs::status(ro).permissions();
  const auto rw_file = fs::status(db).permissions();
  const auto read_only = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
  const auto listable =
      read_only | fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  // As root, permissions stop nothing: a read-only mount in a private mount namespace, or
  // the permissions as the user nobody.
  const bool root = geteuid() == 0;
  const std::string mount_ro = fmt::format(
      "sh -c 'mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && exec \"$@\"' '{}'",
      ro.string());
  const std::string nobody = root ? "setpriv --reuid=65534 --regid=65534 --clear-groups" : "";
  const std::vector<ReadOnlyCase> cases = {
      {"read-only mount", rw_folder, rw_file, "unshare --mount " + mount_ro, true},
      {"read-only mount (user namespace)", rw_folder, rw_file,
       "unshare --map-root-user --mount " + mount_ro, true},
      {"read-only folder and file", listable, read_only, nobody, true},
      {"read-only file in a writable folder", fs::perms::all, read_only, nobody, false}};
  std::vector<std::string> checked;
  std::optional<std::string> mounted;  // the wrapper of a read-only mount that worked
  std::vector<std::string> skipped;
  for (const auto& c : cases) {
    if (mounted && c.name.find("mount") != std::string::npos)
      continue;  // one read-only mount is enough
    SCOPED_TRACE(c.name);
    fs::permissions(ro, c.folder);
    fs::permissions(db, c.file);
    // The view must refuse writes and allow reads, or this machine cannot set it up.
    const int probe = std::system(
        fmt::format("{} sh -c '! test -w \"$0\"/s.sqlite && test -r \"$0\"/s.sqlite{}' '{}' "
                    ">/dev/null 2>&1",
                    c.wrapper, c.folder_read_only ? " && ! test -w \"$0\"" : "", ro.string())
            .c_str());
    if (probe != 0) {
      skipped.push_back(c.name);
      continue;
    }
    checked.push_back(c.name);
    if (c.name.find("mount") != std::string::npos)
      mounted = c.wrapper;
    const std::string log = dir / "ro.log";
    EXPECT_EQ(rlisim(fmt::format("sweep status '{}'", db), log, c.wrapper), 0) << read_file(log);
    EXPECT_THAT(read_file(log), HasSubstr("s.sqlite: 2 done, 0 failed"));
    EXPECT_EQ(exported(dir, db, fmt::format("out/{}", checked.size()), c.wrapper), reference);
    // A sweep into it fails at once, naming the database and the system's reason.
    EXPECT_EQ(rlisim(fmt::format("sweep '{}' --db '{}'", dir / "s.toml", db), log, c.wrapper), 1);
    EXPECT_THAT(read_file(log), HasSubstr(db + ": cannot open the lock file"));
    EXPECT_THAT(read_file(log), Not(HasSubstr("PRAGMA")));
  }
  fs::permissions(ro, rw_folder);
  fs::permissions(db, rw_file);
  if (mounted) {
    // A writer killed before its last checkpoint leaves commits in s.sqlite-wal; without its
    // index (s.sqlite-shm) they cannot be read on a read-only mount: an error, not an older view.
    const pid_t writer = fork();
    if (writer == 0) {
      SqliteDb d(db);
      d.exec("UPDATE points SET host = 'elsewhere'", "cannot update");
      _exit(0);  // no close, so no checkpoint
    }
    ASSERT_EQ(exit_code_of(writer), 0);
    ASSERT_GT(fs::file_size(db + "-wal"), 0u);
    fs::remove(db + "-shm");
    const std::string log = dir / "wal.log";
    EXPECT_EQ(rlisim(fmt::format("sweep status '{}'", db), log, *mounted), 1);
    EXPECT_THAT(read_file(log),
                HasSubstr(fmt::format("its write-ahead log {}-wal holds commits that SQLite reads "
                                      "only with write access to the folder",
                                      db)));
  }
  if (checked.empty()) {
    GTEST_SKIP() << "no read-only location could be set up here (tried: "
                 << fmt::format("{}", fmt::join(skipped, "; ")) << ")";
  }
  std::cout << fmt::format("checked: {}; not set up here: {}\n", fmt::join(checked, "; "),
                           skipped.empty() ? "-" : fmt::format("{}", fmt::join(skipped, "; ")));
}

}  // namespace
}  // namespace rlisim::sweep
