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
  /// @throws StoreError if the file cannot be opened (or created).
  explicit SqliteDb(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  /// Runs one or more statements that return no rows.
  void exec(std::string_view sql);
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  /// @throws StoreError naming the file, `what` and SQLite's message.
  [[noreturn]] void fail(std::string_view what) const;

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
