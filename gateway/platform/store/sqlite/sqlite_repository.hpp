// What every SQLite repository is: a set of statements over the one shared database.
#pragma once
#include "store/sqlite/sqlite_database.hpp"

namespace octopus::store::sqlite {

class SqliteRepository {
 public:
  explicit SqliteRepository(SqliteDatabase& db) : db_(db) {}

 protected:
  SqliteDatabase& db_;
};

}  // namespace octopus::store::sqlite
