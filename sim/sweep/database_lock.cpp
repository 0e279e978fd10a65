#include "sim/sweep/database_lock.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

namespace rlisim::sweep {
namespace {

namespace fs = std::filesystem;

// The holder's own line in the lock file ("pid 12 on node3 since 2026-01-01T00:00:00Z").
std::string read_holder(int fd) {
  // The holder writes its line just after taking the lock: give it a moment.
  for (int attempt = 0; attempt < 50; ++attempt) {
    char buf[512] = {};
    const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    std::string line(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    if (!line.empty())
      return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return "a process that has not recorded its pid";
}

// A folder DATABASE.work/HOST-PID of a process that is still running on this host.
bool owner_alive(const std::string& name, const std::string& host) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos || name.substr(0, dash) != host)
    return false;
  const std::string digits = name.substr(dash + 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const auto pid = static_cast<pid_t>(std::stol(digits));
  return pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0)
    return "unknown";
  return buf;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string DatabaseLock::path_of(const std::string& database) {
  return database + ".lock";
}

DatabaseLock::DatabaseLock(const std::string& database, bool wait, std::FILE* progress) {
  const std::string path = path_of(database);
  // Close-on-exec: a point's run must not inherit the lock and so hold it past the sweep.
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw StoreError(
        fmt::format("{}: cannot open the lock file {}: {}", database, path, strerror(errno)));
  }
  const auto fail = [&](const std::string& what) {
    const int error = errno;
    close(fd_);
    throw StoreError(fmt::format("{}: cannot {} {}: {}", database, what, path, strerror(error)));
  };
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      fail("lock");
    const std::string holder = read_holder(fd_);
    if (!wait) {
      close(fd_);
      throw DatabaseBusy(fmt::format(
          "{}: another sweep is running into this database ({}; lock file {}); let it finish, "
          "queue behind it with --wait, or give this sweep another --db",
          database, holder, path));
    }
    if (progress) {
      fmt::print(progress, "sweep: {} is in use by another sweep ({}); waiting for it (--wait)\n",
                 database, holder);
    }
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR)
        fail("lock");
    }
  }
  // For the message of a sweep that finds the database taken.
  const std::string line = fmt::format("pid {} on {} since {}\n", getpid(), host_name(), utc_now());
  if (ftruncate(fd_, 0) != 0 ||
      pwrite(fd_, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    fail("write");
  }
}

DatabaseLock::~DatabaseLock() {
  // Still locked while emptied: an empty lock file means no sweep holds the database.
  [[maybe_unused]] const int ignored = ftruncate(fd_, 0);
  close(fd_);
}

ScratchFolder::ScratchFolder(const std::string& database)
    : root_(fs::path(database).concat(".work")) {
  const std::string host = host_name();
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;  // what cannot be removed now is tried again by the next sweep
    if (!owner_alive(it->path().filename().string(), host))
      fs::remove_all(it->path(), ignored);
  }
  path_ = root_ / fmt::format("{}-{}", host, getpid());
  ec.clear();
  fs::create_directories(path_, ec);
  if (ec) {
    throw StoreError(fmt::format("{}: cannot create the scratch folder {}: {}", database,
                                 path_.string(), ec.message()));
  }
}

ScratchFolder::~ScratchFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  fs::remove(root_, ec);  // only if empty: another live process may have its folder there
}

}  // namespace rlisim::sweep
