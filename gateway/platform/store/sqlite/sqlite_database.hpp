// The embedded database: one SQLite file in the data directory, WAL journal, full fsync on
// commit (an acknowledged write survives a crash), schema versioned by numbered migrations
// applied at open. Every SQLite repository works over one SqliteDatabase: one connection,
// used by one caller at a time (lock()).
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "store/repository.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace octopus::store::sqlite {

// A prepared statement that finalizes itself. Binds by position or by name (":id").
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_blob(int index, const void* data, int size);
  Statement& bind_null(int index);
  // The index of a named parameter; throws StoreError when the statement has none such.
  int index_of(std::string_view name) const;
  // The index of a named parameter, or 0 when the statement has none such.
  int find_index(std::string_view name) const;
  int find_index(const std::string& name) const;  // no copy for a name already NUL-terminated
  template <typename Value>
  Statement& bind(std::string_view name, const Value& value) {
    return bind(index_of(name), value);
  }

  // True when a row is available; false when done. Throws StoreError on error.
  bool step();
  // Like step() for writes, but reports a constraint violation (false) instead of throwing.
  bool exec_unique();
  // Runs the statement again with new binds.
  void reset();

  std::string text(int col) const;
  std::int64_t int64(int col) const;
  bool is_null(int col) const;
  const void* blob(int col, int& size) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope exits by exception.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  bool done_ = false;
};

class SqliteDatabase {
 public:
  // Opens (creating if needed, mode 0600) `path` and migrates it. Throws StoreError.
  explicit SqliteDatabase(const std::string& path);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Holds the connection for one repository call.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }
  sqlite3* handle() { return db_; }

  // Rows changed by the last write, and the rowid it inserted (under the same lock).
  int changes();
  std::int64_t last_insert_rowid();

  int schema_version();
  bool healthy();

 private:
  void migrate();
  void apply_migration(int version, const char* sql);

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// Runs SQL without results (schema, pragmas). Throws StoreError.
void exec(sqlite3* db, const char* sql);

}  // namespace octopus::store::sqlite
