#include "sim/sweep/sweep_runner.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/core/error.hpp"
#include "sim/core/input_file.hpp"
#include "sim/sweep/database_lock.hpp"
#include "sim/sweep/results_store.hpp"

namespace rlisim::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A run's own JSON output: far below this cap, which only keeps a corrupted file from
// exhausting memory.
constexpr std::uint64_t kMaxRunOutputBytes = std::uint64_t{256} << 20;

// The end of a run's error output, of any length: the message that matters is its last.
std::string read_end(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return "";
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
  const std::size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// The last `lines` lines of a run's error output: enough to say what failed.
std::string tail(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n' || text[pos - 1] == '\r'))
    --pos;
  const std::size_t end = pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  std::string out = text.substr(pos, end - pos);
  while (!out.empty() && out.front() == '\n')
    out.erase(out.begin());
  return out;
}

struct Running {
  const Point* point;
  fs::path dir;
  Clock::time_point start;
  std::string started_at;
};

// Starts `rlisim run BASE --set ... --out DIR --quiet` with stdout discarded and stderr in
// DIR/stderr.txt. The child asks to be killed if the sweep dies, so no run outlives it.
pid_t start_point(const SweepSpec& spec, const Point& p, const fs::path& dir,
                  const std::string& rlisim) {
  std::vector<std::string> args = {rlisim,    "run",   spec.base,
                                   "--quiet", "--out", (dir / "out").string()};
  for (const auto& o : p.overrides) {
    args.push_back("--set");
    args.push_back(o.assignment());
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir / "stderr.txt").string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    throw core::ConfigError(
        fmt::format("sweep: cannot start a process for point {}: {}", p.index, strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(125);  // the sweep died before the request took effect
    const int null_fd = open("/dev/null", O_WRONLY);
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd >= 0)
      dup2(null_fd, STDOUT_FILENO);
    if (log_fd >= 0)
      dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    const char msg[] = "sweep: cannot execute the rlisim binary\n";
    [[maybe_unused]] const auto ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(127);
  }
  return pid;
}

// The points of the shard still to run, each distinct run once; counts the others in `report`.
std::deque<const Point*> points_to_run(const std::vector<Point>& points, const Shard& shard,
                                       const std::set<std::string>& finished, SweepReport& report) {
  std::deque<const Point*> queue;
  std::set<std::string> queued;
  for (const auto& p : points) {
    if (!shard.contains(p))
      continue;
    ++report.in_shard;
    if (finished.count(p.hash))
      ++report.skipped;
    else if (!queued.insert(p.hash).second)
      ++report.duplicates;  // the same run as an earlier point: one row, one run
    else
      queue.push_back(&p);
  }
  return queue;
}

// Records a run that exited 0 as done, from its summary.json (and timing.json if any); returns
// why not when its output is unreadable.
std::optional<std::string> record_run_output(ResultsStore& store, const std::string& sweep_hash,
                                             const Running& r, const PointTiming& timing) {
  const fs::path out = r.dir / "out";
  try {
    const auto summary = nlohmann::json::parse(
        core::read_text_file((out / "summary.json").string(), "run summary", kMaxRunOutputBytes));
    const auto run_timing =
        fs::exists(out / "timing.json")
            ? nlohmann::json::parse(core::read_text_file((out / "timing.json").string(),
                                                         "run timing", kMaxRunOutputBytes))
            : nlohmann::json();
    store.record_done(sweep_hash, *r.point, timing, summary, run_timing);
  } catch (const nlohmann::json::exception& e) {
    return fmt::format("the run's summary.json is unreadable: {}", e.what());
  } catch (const core::ConfigError& e) {
    return fmt::format("the run's output is unreadable: {}", e.what());
  }
  return std::nullopt;
}

// Starts point `p` in a folder of its own under `scratch`.
std::pair<pid_t, Running> launch(const SweepSpec& spec, const Point& p, const fs::path& scratch,
                                 const std::string& rlisim) {
  const fs::path dir = scratch / p.hash;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw core::ConfigError(
        fmt::format("sweep: cannot create scratch folder {}: {}", dir.string(), ec.message()));
  }
  const pid_t pid = start_point(spec, p, dir, rlisim);
  return {pid, Running{&p, dir, Clock::now(), utc_now()}};
}

// One line per finished run, with the time left at the pace so far.
struct ProgressLog {
  std::FILE* out;
  Clock::time_point sweep_start;
  std::size_t to_run;
  std::size_t completed = 0;

  void finished(const Point& p, bool ok, double wall_s, const std::string& error, bool kept) {
    ++completed;
    if (!out)
      return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - sweep_start).count();
    const double eta =
        elapsed / static_cast<double>(completed) * static_cast<double>(to_run - completed);
    fmt::print(out, "[{}/{}] {} in {:.1f} s: {} (rep {}){}\n", completed, to_run,
               ok ? "done" : "FAILED", wall_s, p.key.empty() ? "base" : p.key, p.repetition,
               completed < to_run ? fmt::format(", ETA {:.0f} s", eta) : "");
    if (!ok)
      fmt::print(out, "  {}\n", error);
    if (kept)
      fmt::print(out, "  the database holds this point as done: kept\n");
  }
};

// Why a run failed: the end of its error output, and the signal that killed it.
std::string failure_message(const fs::path& dir, int status) {
  const bool exited = WIFEXITED(status);
  const int code = exited ? WEXITSTATUS(status) : -1;
  std::string error = tail(read_end(dir / "stderr.txt", 64 << 10), 20);
  if (!exited)
    error += fmt::format("{}killed by signal {}", error.empty() ? "" : "\n", WTERMSIG(status));
  if (error.empty())
    error = fmt::format("exit code {} without a message", code);
  return error;
}

// Records a finished run as done, or as failed with its error (unless the database holds the
// point as done already), removes its folder and logs it.
void record_finished_run(ResultsStore& store, const std::string& sweep_hash,
                         const std::string& host, const Running& r, int status, SweepReport& report,
                         ProgressLog& progress) {
  PointTiming timing{.started_at = r.started_at,
                     .finished_at = utc_now(),
                     .wall_s = std::chrono::duration<double>(Clock::now() - r.start).count(),
                     .host = host};
  const bool exited = WIFEXITED(status);
  const int code = exited ? WEXITSTATUS(status) : -1;
  bool ok = exited && code == 0;
  std::string error;
  if (ok) {
    if (auto unreadable = record_run_output(store, sweep_hash, r, timing)) {
      ok = false;
      error = std::move(*unreadable);
    }
  } else {
    error = failure_message(r.dir, status);
  }
  bool kept = false;  // a failed run of a point the database holds as done
  if (!ok) {
    kept = !store.record_failed(sweep_hash, *r.point, timing, error,
                                exited ? std::optional<int>(code) : std::nullopt);
    if (!kept)
      ++report.failed;
  } else {
    ++report.done;
  }
  std::error_code ec;
  fs::remove_all(r.dir, ec);
  progress.finished(*r.point, ok, timing.wall_s, error, kept);
}

}  // namespace

std::string default_database(const SweepSpec& spec) {
  if (spec.database)
    return *spec.database;
  const fs::path file(spec.file);
  return (file.parent_path() / (file.stem().string() + ".sqlite")).string();
}

SweepReport run_sweep(const SweepSpec& spec, const std::vector<Point>& points,
                      const SweepOptions& options) {
  const auto sweep_start = Clock::now();
  if (const auto parent = fs::path(options.database).parent_path(); !parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);  // a failure shows when the database is opened
  }
  // Held to the end: a second sweep on this database would run the same points into the same
  // rows.
  const DatabaseLock lock(options.database, options.wait, options.progress);
  ResultsStore store(options.database);
  store.record_sweep(spec, points.size());
  const std::string sweep_hash = content_hash(spec.text);
  const auto finished = store.finished();
  const std::string host = host_name();

  SweepReport report;
  report.points = points.size();
  std::deque<const Point*> queue = points_to_run(points, options.shard, finished, report);
  const std::size_t to_run = queue.size();
  if (options.progress) {
    fmt::print(
        options.progress,
        "sweep {}: {} points, {} in this shard, {} already done{}, {} to run with {} "
        "job(s); results in {}\n",
        spec.name, report.points, report.in_shard, report.skipped,
        report.duplicates ? fmt::format(", {} the same as another point", report.duplicates) : "",
        to_run, options.jobs, options.database);
  }
  const ScratchFolder scratch(options.database);
  std::map<pid_t, Running> running;
  ProgressLog progress{options.progress, sweep_start, to_run};
  while (!queue.empty() || !running.empty()) {
    while (!queue.empty() && running.size() < std::max<std::size_t>(options.jobs, 1)) {
      const Point* p = queue.front();
      queue.pop_front();
      running.insert(launch(spec, *p, scratch.path(), options.rlisim));
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      throw core::ConfigError(fmt::format("sweep: waiting for runs failed: {}", strerror(errno)));
    }
    const auto it = running.find(pid);
    if (it == running.end())
      continue;
    const Running r = it->second;
    running.erase(it);
    record_finished_run(store, sweep_hash, host, r, status, report, progress);
  }
  const auto done_now = store.finished();
  for (const auto& p : points)
    report.complete += options.shard.contains(p) && done_now.count(p.hash) ? 1 : 0;
  report.wall_s = std::chrono::duration<double>(Clock::now() - sweep_start).count();
  return report;
}

}  // namespace rlisim::sweep
