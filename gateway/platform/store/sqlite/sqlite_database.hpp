// The embedded database: one SQLite file in the data directory, WAL journal, full fsync on
// commit (an acknowledged write survives a crash), schema versioned by numbered migrations
// applied at open. One connection, used by one session at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/sql/database.hpp"

struct sqlite3;

namespace octopus::store::sqlite {

// The one connection (sql::Connection over sqlite3).
class SqliteConnection final : public sql::Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  std::unique_ptr<sql::StatementImpl> prepare(const std::string& sql) override;
  void exec(const std::string& sql) override;
  // BEGIN IMMEDIATE: SQLite's one writer at a time.
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;

 private:
  sqlite3* db_;
};

class SqliteDatabase final : public sql::Database {
 public:
  // Opens (creating if needed, mode 0600) `path` and migrates it. Throws StoreError.
  explicit SqliteDatabase(const std::string& path);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // The connection under the database's lock.
  sql::Session session() override;
  int schema_version() override;
  bool healthy() override;
  std::string_view kind() const override { return "sqlite"; }

 private:
  void migrate();
  void apply_migration(int version, const char* sql);
  int schema_version(sql::Session& session);

  sqlite3* db_ = nullptr;
  std::unique_ptr<SqliteConnection> connection_;
  std::mutex mutex_;
};

}  // namespace octopus::store::sqlite
