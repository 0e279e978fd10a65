#pragma once
// Who may run points into a results database: one sweep process at a time, holding an flock(2)
// on DATABASE.lock that the kernel drops however the process ends (SIGKILL included); and that
// process's scratch folder, DATABASE.work/HOST-PID/.

#include <cstdio>
#include <filesystem>
#include <string>

#include "sim/sweep/sqlite_db.hpp"

namespace rlisim::sweep {

/// Another sweep process holds the database. The message names the database and, as far as
/// the lock file says, the holder's pid, host and start time.
class DatabaseBusy : public StoreError {
 public:
  using StoreError::StoreError;
};

/// The exclusive right to run a sweep into one results database. Readers (status, export) and
/// merges need no lock: SQLite's transactions keep them consistent with a running sweep.
class DatabaseLock {
 public:
  /// Takes the lock of `database`. If another process holds it: with `wait`, blocks until it
  /// is released (saying so on `progress` unless that is null); otherwise throws DatabaseBusy.
  /// @throws StoreError if the lock file cannot be created or locked.
  DatabaseLock(const std::string& database, bool wait, std::FILE* progress);
  ~DatabaseLock();
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  /// DATABASE.lock. It stays in place between sweeps: removing it would let two processes
  /// lock two different files of the same name.
  static std::string path_of(const std::string& database);

 private:
  int fd_ = -1;
};

/// The scratch folder of this process under DATABASE.work/, created empty. Made while holding
/// the database's lock, it first removes what earlier sweeps left there (a killed sweep cannot
/// clean up), keeping only folders of live processes on this host. Removed on destruction,
/// with DATABASE.work/ itself once empty.
/// @throws StoreError if the folder cannot be created.
class ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& database);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path root_;
  std::filesystem::path path_;
};

/// This machine's host name ("unknown" if it has none).
std::string host_name();
/// The current time, ISO 8601 UTC to the second.
std::string utc_now();

}  // namespace rlisim::sweep
