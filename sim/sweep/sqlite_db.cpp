#include "sim/sweep/sqlite_db.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <sqlite3.h>

namespace rlisim::sweep {
namespace {

// `path` as an SQLite URI: absolute, with the characters that mean something in a URI escaped.
std::string file_uri(const std::string& path, std::string_view query) {
  std::string out = "file:";
  for (const char c : std::filesystem::absolute(path).lexically_normal().string()) {
    if (c == '%' || c == '?' || c == '#')
      out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return query.empty() ? out : fmt::format("{}?{}", out, query);
}

// SQLite's message and, where a system call failed, the system's reason ("Read-only file
// system", "Permission denied"): SQLite's own text alone does not say which.
std::string reason(sqlite3* db, int rc) {
  if (db == nullptr)
    return sqlite3_errstr(rc);
  std::string out = sqlite3_errmsg(db);
  if (const int e = sqlite3_system_errno(db); e != 0)
    out += fmt::format(" ({})", std::strerror(e));
  return out;
}

sqlite3* open_connection(const std::string& path, const std::string& uri, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(uri.c_str(), &db, flags | SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = reason(db, rc);
    sqlite3_close(db);
    throw StoreError(fmt::format("{}: cannot open the results database: {}", path, message));
  }
  // Several shard processes or a reader (export while a sweep runs) may touch the file.
  sqlite3_busy_timeout(db, 60'000);
  return db;
}

// The start of a statement for a message, marked where it is cut.
std::string excerpt(std::string_view sql) {
  constexpr std::size_t kChars = 48;
  const auto end = sql.find('\n');
  const auto shown = sql.substr(0, std::min(end, kChars));
  return fmt::format("`{}{}`", shown, shown.size() < sql.size() ? " ..." : "");
}

}  // namespace

SqliteDb::SqliteDb(const std::string& path, Access access) : path_(path) {
  db_ = access == Access::kReadOnly
            ? open_connection(path, read_only_uri(path), SQLITE_OPEN_READONLY)
            : open_connection(path, file_uri(path, ""), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
}

SqliteDb::~SqliteDb() {
  sqlite3_close(db_);
}

std::string SqliteDb::read_only_uri(const std::string& path) {
  const std::string shared = file_uri(path, "mode=ro");
  sqlite3* db = open_connection(path, shared, SQLITE_OPEN_READONLY);
  // The first read of a database in WAL mode opens its index (PATH-shm), creating it if absent:
  // this is where a read-only folder or mount shows.
  const int rc = sqlite3_exec(db, "SELECT COUNT(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  const std::string message = rc == SQLITE_OK ? "" : reason(db, rc);
  sqlite3_close(db);
  if (rc == SQLITE_OK)
    return shared;
  if ((rc & 0xff) != SQLITE_CANTOPEN && (rc & 0xff) != SQLITE_READONLY)
    throw StoreError(fmt::format("{}: cannot read the results database: {}", path, message));
  std::error_code ec;
  if (const auto log = std::filesystem::file_size(path + "-wal", ec); !ec && log > 0) {
    throw StoreError(fmt::format(
        "{0}: cannot read the results database: {1}; its write-ahead log {0}-wal holds commits "
        "that SQLite reads only with write access to the folder; copy both files to a writable "
        "folder and read them there",
        path, message));
  }
  return file_uri(path, "immutable=1");
}

void SqliteDb::fail(std::string_view what) const {
  throw StoreError(fmt::format("{}: {}: {}", path_, what, reason(db_, sqlite3_errcode(db_))));
}

void SqliteDb::exec(std::string_view sql, std::string_view what) {
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    fail(what);
}

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    db.fail(fmt::format("cannot prepare {}", excerpt(sql)));
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK)
    db_.fail(fmt::format("cannot bind parameter {}", i));
  return *this;
}

Statement& Statement::bind(int i, double v) {
  if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK)
    db_.fail(fmt::format("cannot bind parameter {}", i));
  return *this;
}

Statement& Statement::bind(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    db_.fail(fmt::format("cannot bind parameter {}", i));
  }
  return *this;
}

Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK)
    db_.fail(fmt::format("cannot bind parameter {}", i));
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  db_.fail(fmt::format("{} failed", excerpt(sqlite3_sql(stmt_))));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::columns() const {
  return sqlite3_column_count(stmt_);
}
bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
bool Statement::is_real(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_FLOAT;
}
std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}
double Statement::real(int column) const {
  return sqlite3_column_double(stmt_, column);
}
std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::string Statement::column_name(int column) const {
  return sqlite3_column_name(stmt_, column);
}

Transaction::Transaction(SqliteDb& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE", "cannot start a write transaction");
}

Transaction::~Transaction() {
  if (open_)
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT", "cannot commit");
  open_ = false;
}

}  // namespace rlisim::sweep
