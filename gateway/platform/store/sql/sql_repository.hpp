// What every SQL repository is: a set of statements over the one shared database, whichever
// dialect holds it.
#pragma once
#include "store/sql/database.hpp"

namespace octopus::store::sql {

class SqlRepository {
 public:
  explicit SqlRepository(Database& db) : db_(db) {}

 protected:
  Database& db_;
};

}  // namespace octopus::store::sql
