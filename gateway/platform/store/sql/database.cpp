#include "store/sql/database.hpp"

namespace octopus::store::sql {

int Statement::index_of(std::string_view name) const {
  const int i = impl_->find_index(std::string(name));
  if (i == 0) throw StoreError("the statement has no parameter " + std::string(name));
  return i;
}

std::int64_t Statement::step_returning_int64() {
  if (!step()) throw StoreError("the insert returned no row");
  const auto value = int64(0);
  reset();
  return value;
}

}  // namespace octopus::store::sql
