#include "store/sqlite/sqlite_database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/sqlite/migrations.hpp"

namespace octopus::store::sqlite {

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    throw StoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db));
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind_blob(int i, const void* data, int size) {
  sqlite3_bind_blob(stmt_, i, data, size, SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

int Statement::find_index(const std::string& name) const { return sqlite3_bind_parameter_index(stmt_, name.c_str()); }
int Statement::find_index(std::string_view name) const { return find_index(std::string(name)); }

int Statement::index_of(std::string_view name) const {
  const int i = find_index(name);
  if (i == 0) throw StoreError("sqlite statement has no parameter " + std::string(name));
  return i;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw StoreError(std::string("sqlite step failed: ") + sqlite3_errmsg(db_));
}

bool Statement::exec_unique() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_DONE) return true;
  if ((rc & 0xFF) == SQLITE_CONSTRAINT) return false;
  throw StoreError(std::string("sqlite write failed: ") + sqlite3_errmsg(db_));
}

void Statement::reset() { sqlite3_reset(stmt_); }

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
const void* Statement::blob(int col, int& size) const {
  size = sqlite3_column_bytes(stmt_, col);
  return sqlite3_column_blob(stmt_, col);
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

Transaction::Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}
void Transaction::commit() {
  exec(db_, "COMMIT");
  done_ = true;
}

namespace {
// The database holds the partner registry, audit trail and consent changes: readable by the
// gateway's account only. SQLite gives its -wal and -shm files the database file's mode, so
// creating (or tightening) the database file 0600 covers them too.
void make_private(const std::string& path) {
  if (path.empty() || path == ":memory:") return;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!ok) throw StoreError("cannot make " + path + " private: " + std::strerror(errno));
  for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);  // absent: nothing to do
}
}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path) {
  make_private(path);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open " + path + ": " + msg);
  }
  // A constructor that throws runs no destructor: the connection is closed here then (a file
  // that is not a database fails at the first statement).
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, "PRAGMA synchronous=FULL");
    exec(db_, "PRAGMA foreign_keys=ON");
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close(db_); }

int SqliteDatabase::changes() { return sqlite3_changes(db_); }
std::int64_t SqliteDatabase::last_insert_rowid() { return sqlite3_last_insert_rowid(db_); }

void SqliteDatabase::migrate() {
  auto held = lock();
  exec(db_, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  int current = 0;
  {
    Statement st(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (st.step()) current = static_cast<int>(st.int64(0));
  }
  const auto all = migrations();
  const int latest = static_cast<int>(all.size());
  if (current > latest)
    throw StoreError("database schema version " + std::to_string(current) + " is newer than this gateway (" +
                     std::to_string(latest) + ")");
  for (int v = current + 1; v <= latest; ++v) apply_migration(v, all[static_cast<std::size_t>(v - 1)]);
}

void SqliteDatabase::apply_migration(int version, const char* sql) {
  const bool rebuilds = std::string_view(sql).starts_with(kRebuildsTables);
  if (rebuilds) exec(db_, "PRAGMA foreign_keys=OFF");  // only outside a transaction does this take
  {
    Transaction tx(db_);
    exec(db_, sql);
    if (rebuilds) {
      Statement check(db_, "PRAGMA foreign_key_check");
      if (check.step())
        throw StoreError("migration " + std::to_string(version) + " would break a foreign key of table " +
                         check.text(0));
    }
    Statement st(db_, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, strftime('%s','now'))");
    st.bind(1, static_cast<std::int64_t>(version)).step();
    tx.commit();
  }
  if (rebuilds) exec(db_, "PRAGMA foreign_keys=ON");
}

int SqliteDatabase::schema_version() {
  auto held = lock();
  Statement st(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

bool SqliteDatabase::healthy() {
  auto held = lock();
  try {
    Statement st(db_, "SELECT 1");
    return st.step();
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace octopus::store::sqlite
