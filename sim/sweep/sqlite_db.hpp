#pragma once
// A thin RAII layer over the SQLite C API: connection, prepared statement, transaction.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace rlisim::sweep {

/// A results-database problem: the message names the database file and what failed.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SqliteDb;

/// How a connection opens its file: kReadOnly never writes (status and export of a finished
/// database on a read-only mount, or of a file the user may only read).
enum class Access { kReadWrite, kReadOnly };

/// A prepared statement. Parameters are bound by 1-based position; bind(i, nullopt) binds NULL.
class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind_null(int i);
  template <typename T>
  Statement& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  /// Steps once: true if a row is available, false when done.
  /// @throws StoreError on any other result.
  bool step();
  /// Steps to completion (for statements that return no rows) and resets for reuse.
  void run();
  void reset();

  int columns() const;
  bool is_null(int column) const;
  bool is_real(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::string column_name(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// One connection. Opened with a busy timeout, so concurrent readers and a writer wait for
/// each other instead of failing.
class SqliteDb {
 public:
  /// kReadWrite creates the file if absent; kReadOnly opens read_only_uri(path).
  /// @throws StoreError naming the file and the reason if it cannot be opened (or created).
  explicit SqliteDb(const std::string& path, Access access = Access::kReadWrite);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Runs one or more statements that return no rows; `what` says what they do, for the
  /// message if they fail ("cannot create the schema").
  void exec(std::string_view sql, std::string_view what);
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  /// @throws StoreError naming the file, `what`, SQLite's message and the system's reason.
  [[noreturn]] void fail(std::string_view what) const;

  /// A URI that opens `path` without writing anything: mode=ro where SQLite can share the
  /// write-ahead log's index beside the file; immutable=1 where it cannot (a read-only folder
  /// or mount), which is exact only while the log is empty, so a non-empty PATH-wal there is an
  /// error rather than a silently older view.
  /// @throws StoreError naming the file and the reason if it cannot be read.
  static std::string read_only_uri(const std::string& path);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

/// BEGIN IMMEDIATE ... COMMIT. Rolled back on destruction unless committed, so an exception
/// (or a killed process: SQLite's journal) leaves no partial write behind.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool open_ = true;
};

}  // namespace rlisim::sweep
