#include "store/sqlite/sqlite_database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/sqlite/migrations.hpp"

namespace octopus::store::sqlite {

namespace {

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

class SqliteStatement final : public sql::StatementImpl {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db));
  }
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_text(int i, std::string_view v) override {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_int64(int i, std::int64_t v) override { sqlite3_bind_int64(stmt_, i, v); }
  void bind_blob(int i, const void* data, int size) override {
    sqlite3_bind_blob(stmt_, i, data, size, SQLITE_TRANSIENT);
  }
  void bind_null(int i) override { sqlite3_bind_null(stmt_, i); }
  int find_index(const std::string& name) const override { return sqlite3_bind_parameter_index(stmt_, name.c_str()); }

  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return done();
    throw StoreError(std::string("sqlite step failed: ") + sqlite3_errmsg(db_));
  }
  bool exec_unique() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return done(), true;
    if ((rc & 0xFF) == SQLITE_CONSTRAINT) return false;
    throw StoreError(std::string("sqlite write failed: ") + sqlite3_errmsg(db_));
  }
  void reset() override { sqlite3_reset(stmt_); }
  int changes() const override { return changes_; }

  std::string text(int col) const override {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  std::int64_t int64(int col) const override { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  const void* blob(int col, int& size) const override {
    size = sqlite3_column_bytes(stmt_, col);
    return sqlite3_column_blob(stmt_, col);
  }

 private:
  // One Session holds the connection at a time, so its count of changed rows is this statement's.
  bool done() {
    changes_ = sqlite3_changes(db_);
    return false;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int changes_ = 0;
};

// The connection for a caller that already holds the lock (migrations, at open).
class Unlocked final : public sql::Session::Lease {
 public:
  explicit Unlocked(sql::Connection& connection) : connection_(connection) {}
  sql::Connection& connection() override { return connection_; }

 private:
  sql::Connection& connection_;
};

class LockedConnection final : public sql::Session::Lease {
 public:
  LockedConnection(std::mutex& mutex, sql::Connection& connection) : held_(mutex), connection_(connection) {}
  sql::Connection& connection() override { return connection_; }

 private:
  std::unique_lock<std::mutex> held_;
  sql::Connection& connection_;
};

}  // namespace

std::unique_ptr<sql::StatementImpl> SqliteConnection::prepare(const std::string& sql) {
  return std::make_unique<SqliteStatement>(db_, sql);
}
void SqliteConnection::exec(const std::string& sql) { sqlite::exec(db_, sql.c_str()); }
void SqliteConnection::begin_write() { sqlite::exec(db_, "BEGIN IMMEDIATE"); }
void SqliteConnection::commit() { sqlite::exec(db_, "COMMIT"); }
void SqliteConnection::rollback() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

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
  connection_ = std::make_unique<SqliteConnection>(db_);
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

sql::Session SqliteDatabase::session() {
  return sql::Session(std::make_unique<LockedConnection>(mutex_, *connection_));
}

void SqliteDatabase::migrate() {
  auto session = this->session();
  exec(db_, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const int current = schema_version(session);
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
    sql::Session session(std::make_unique<Unlocked>(*connection_));  // migrate() holds the lock
    sql::Transaction tx(session);
    exec(db_, sql);
    if (rebuilds) {
      sql::Statement check(session, "PRAGMA foreign_key_check");
      if (check.step())
        throw StoreError("migration " + std::to_string(version) + " would break a foreign key of table " +
                         check.text(0));
    }
    sql::Statement st(session, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, strftime('%s','now'))");
    st.bind(1, static_cast<std::int64_t>(version)).step();
    tx.commit();
  }
  if (rebuilds) exec(db_, "PRAGMA foreign_keys=ON");
}

int SqliteDatabase::schema_version() {
  auto session = this->session();
  return schema_version(session);
}

int SqliteDatabase::schema_version(sql::Session& session) {
  sql::Statement st(session, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

bool SqliteDatabase::healthy() {
  auto session = this->session();
  try {
    sql::Statement st(session, "SELECT 1");
    return st.step();
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace octopus::store::sqlite
