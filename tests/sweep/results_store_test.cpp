// The results database on its own: a real run's summary in, rows out; failed attempts replaced;
// merges; schema checks; the schema document kept in step with the code.

#include "sim/sweep/results_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/run/report/result_writer.hpp"
#include "sim/run/scenario.hpp"
#include "tests/run/small_run.hpp"
#include "tests/sweep/sweep_test_support.hpp"

namespace rlisim::sweep {
namespace {

using namespace test_support;
using ::testing::HasSubstr;

struct RunFiles {
  nlohmann::json summary;
  nlohmann::json timing;
};

// A real run with RLI (and its run without references) and trajectory sampling.
const RunFiles& small_run_files() {
  static const RunFiles files = [] {
    ScratchDir dir("store-run");
    const auto config = run::test_support::small_run(
        "[rli]\ninterference = true\n[trajectory]\nprobability = 1.0\n", "chic", 3, "store.toml");
    run::write_results(run::run_experiment(config), dir / "out");
    return RunFiles{nlohmann::json::parse(read_file(dir / "out/summary.json")),
                    nlohmann::json::parse(read_file(dir / "out/timing.json"))};
  }();
  return files;
}

Point point(const std::string& hash, std::size_t index) {
  Point p;
  p.index = index;
  p.key = fmt::format("x={}", index);
  p.seed = 42;
  p.params = {Param{"x", std::to_string(index)}, Param{"label", "a,b \"quoted\""}};
  p.overrides = {Override{"x", std::to_string(index)}};
  p.config_toml = "seed = 42\n";
  p.hash = hash;
  return p;
}

const PointTiming kTiming{"2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 1.0, "host"};

TEST(ResultsStore, RecordsAPointWithOneRowPerEstimatorAndItsCdfs) {
  ScratchDir dir("store-record");
  const auto& run = small_run_files();
  {
    ResultsStore store(dir / "r.sqlite");
    store.record_done("sweep", point("h1", 0), kTiming, run.summary, run.timing);
  }
  SqliteDb db(dir / "r.sqlite");
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM results"), 3);  // rli, rli_corrected, trajectory
  Statement rli(db,
                "SELECT mean_err_median, ref_packet_share, interference_flows, "
                "loss_rate_difference FROM results WHERE estimator = 'rli'");
  ASSERT_TRUE(rli.step());
  const auto& error = run.summary["estimators"]["rli"]["error"]["mean"][0];
  EXPECT_DOUBLE_EQ(rli.real(0), error["median"].get<double>());
  EXPECT_DOUBLE_EQ(rli.real(1),
                   run.summary["estimators"]["rli"]["overhead"]["packet_share"].get<double>());
  EXPECT_EQ(rli.integer(2),
            run.summary["estimators"]["rli"]["interference"]["flows_compared"].get<int>());
  EXPECT_FALSE(rli.is_null(3));
  // Trajectory sampling at probability 1 is exact: zero error, and no RLI-only columns.
  Statement traj(db,
                 "SELECT mean_err_median, ref_packet_share FROM results "
                 "WHERE estimator = 'trajectory'");
  ASSERT_TRUE(traj.step());
  EXPECT_NEAR(traj.real(0), 0.0, 1e-12);
  EXPECT_TRUE(traj.is_null(1));
  EXPECT_EQ(scalar(db,
                   "SELECT COUNT(*) FROM cdfs WHERE estimator = 'rli' AND metric = "
                   "'mean_rel_err' AND min_packets = 1"),
            static_cast<std::int64_t>(error["cdf"].size()));
  EXPECT_EQ(scalar(db, "SELECT packets FROM points"), run.summary["input"]["packets"].get<int>());
  Statement acf(db, "SELECT delay_acf_at_n, delay_acf_lag_100 FROM points");
  ASSERT_TRUE(acf.step());
  const auto& spacing = run.summary["ports"][0]["diagnostics"]["at_reference_spacing"];
  EXPECT_DOUBLE_EQ(acf.real(0), spacing["r_packets"].get<double>());
  EXPECT_FALSE(acf.is_null(1));
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM params WHERE number IS NOT NULL"), 1);
}

TEST(ResultsStore, ADoneRecordReplacesAFailedAttempt) {
  ScratchDir dir("store-replace");
  ResultsStore store(dir / "r.sqlite");
  store.record_failed("sweep", point("h1", 0), kTiming, "boom", 1);
  store.record_failed("sweep", point("h1", 0), kTiming, "boom again", std::nullopt);
  EXPECT_EQ(store.counts().failed, 1);
  EXPECT_TRUE(store.finished().empty());
  store.record_done("sweep", point("h1", 0), kTiming, small_run_files().summary, {});
  EXPECT_EQ(store.counts().failed, 0);
  EXPECT_EQ(store.counts().done, 1);
  EXPECT_EQ(store.finished(), std::set<std::string>{"h1"});
}

TEST(ResultsStore, AFailedRunNeverReplacesADonePoint) {
  ScratchDir dir("store-keep-done");
  ResultsStore store(dir / "r.sqlite");
  const auto& run = small_run_files();
  store.record_done("sweep", point("h1", 0), kTiming, run.summary, run.timing);
  // A second run of the same point that failed (another process, a repeated value) comes last.
  EXPECT_FALSE(store.record_failed("sweep", point("h1", 0), kTiming, "boom", 1));
  EXPECT_EQ(store.counts().done, 1);
  EXPECT_EQ(store.counts().failed, 0);
  SqliteDb db(dir / "r.sqlite");
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM results WHERE point_hash = 'h1'"), 3);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM params WHERE point_hash = 'h1'"), 2);
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM points WHERE summary_json IS NOT NULL"), 1);
  EXPECT_TRUE(store.record_failed("sweep", point("h2", 1), kTiming, "boom", 1));
  EXPECT_EQ(store.counts().failed, 1);
}

TEST(ResultsStore, ReadOnlyOpenWritesNothingAndNamesTheFileAndTheReason) {
  ScratchDir dir("store-read-only");
  try {
    ResultsStore store(dir / "missing.sqlite", Access::kReadOnly);
    FAIL() << "a missing database was opened";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing.sqlite: cannot open the results database: unable to "
                                    "open database file (No such file or directory)"));
  }
  EXPECT_FALSE(fs::exists(dir / "missing.sqlite"));
  write_file(dir / "empty.sqlite", "");
  try {
    ResultsStore store(dir / "empty.sqlite", Access::kReadOnly);
    FAIL() << "an empty file was taken for a results database";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("empty.sqlite: not an rlisim results database"));
  }
  EXPECT_EQ(fs::file_size(dir / "empty.sqlite"), 0u);  // no schema written into it
  {
    ResultsStore store(dir / "r.sqlite");
    store.record_done("sweep", point("h1", 0), kTiming, small_run_files().summary, {});
  }
  ResultsStore store(dir / "r.sqlite", Access::kReadOnly);
  EXPECT_EQ(store.counts().done, 1);
  store.export_csv(dir / "csv", true);
  EXPECT_THAT(read_file(dir / "csv/points.csv"), HasSubstr("h1,0,x=0"));
  try {
    store.record_failed("sweep", point("h2", 1), kTiming, "boom", 1);
    FAIL() << "a read-only store wrote";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("r.sqlite: "));
    EXPECT_THAT(e.what(), HasSubstr(" failed: attempt to write a readonly database"));
  }
}

TEST(ResultsStore, MergeTakesMissingAndFailedPointsOnce) {
  ScratchDir dir("store-merge");
  const auto& run = small_run_files();
  {
    ResultsStore a(dir / "a.sqlite");
    a.record_done("s", point("h1", 0), kTiming, run.summary, run.timing);
    a.record_failed("s", point("h2", 1), kTiming, "failed here", 1);
    ResultsStore b(dir / "b.sqlite");
    b.record_done("s", point("h2", 1), kTiming, run.summary, run.timing);
    b.record_done("s", point("h3", 2), kTiming, run.summary, run.timing);
    b.record_failed("s", point("h1", 0), kTiming, "failed there", 1);
  }
  ResultsStore a(dir / "a.sqlite");
  EXPECT_EQ(a.merge_from(dir / "b.sqlite"), 2);  // h2 (was failed here), h3; not h1
  EXPECT_EQ(a.counts().done, 3);
  EXPECT_EQ(a.counts().failed, 0);
  EXPECT_EQ(a.merge_from(dir / "b.sqlite"), 0);
  SqliteDb db(dir / "a.sqlite");
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM results"), 9);
  EXPECT_THROW(a.merge_from(dir / "missing.sqlite"), StoreError);
}

TEST(ResultsStore, RefusesAnotherSchemaVersionNamingTheFile) {
  ScratchDir dir("store-version");
  {
    ResultsStore store(dir / "r.sqlite");
    SqliteDb db(dir / "r.sqlite");
    db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'", "cannot set a version");
  }
  try {
    ResultsStore store(dir / "r.sqlite");
    FAIL() << "a version-99 database was opened";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("r.sqlite"));
    EXPECT_THAT(e.what(), HasSubstr("schema version 99"));
  }
  write_file(dir / "junk.sqlite", "not a database, just some text that is long enough......\n");
  EXPECT_THROW(ResultsStore(dir / "junk.sqlite"), StoreError);
}

TEST(ResultsStore, ExportQuotesFieldsAndCanLeaveOutTimings) {
  ScratchDir dir("store-export");
  ResultsStore store(dir / "r.sqlite");
  store.record_done("s", point("h1", 0), kTiming, small_run_files().summary, {});
  store.export_csv(dir / "with", true);
  store.export_csv(dir / "without", false);
  const auto with = read_file(dir / "with/points.csv");
  EXPECT_THAT(with, HasSubstr("\"a,b \"\"quoted\"\"\""));
  EXPECT_THAT(with, HasSubstr("wall_s"));
  EXPECT_THAT(read_file(dir / "without/points.csv"), ::testing::Not(HasSubstr("wall_s")));
  EXPECT_THAT(read_file(dir / "without/results.csv"), HasSubstr("\nh1,0,x=0,0,42,0,"));
}

TEST(ResultsStore, TheSchemaDocumentMatchesTheCode) {
  const auto doc = read_file(std::string(RLISIM_SOURCE_DIR) + "/docs/sweeps.md");
  EXPECT_THAT(doc, HasSubstr(schema_markdown()))
      << "docs/sweeps.md is out of date: paste the output of `rlisim sweep schema`";
}

}  // namespace
}  // namespace rlisim::sweep
