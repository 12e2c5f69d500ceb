#include "app/sql_repositories.hpp"

#include <cstdlib>
#include <stdexcept>

#include "config/gateway_config.hpp"
#include "store/postgresql/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace octopus::app {

SqlRepositories::SqlRepositories(std::unique_ptr<store::sql::Database> opened, std::filesystem::path key)
    : audit_key(std::move(key)), database(std::move(opened)), db(*database) {}

SqlRepositories::SqlRepositories(const std::string& path)
    : SqlRepositories(std::make_unique<store::sqlite::SqliteDatabase>(path), key_beside(path)) {}

store::postgresql::PostgresOptions with_password(const config::StoreConfig& store) {
  auto options = store.postgresql;
  if (!store.postgresql_password_env.empty()) {
    const char* password = std::getenv(store.postgresql_password_env.c_str());
    if (!password)
      throw std::runtime_error("store.postgresql.password_env names " + store.postgresql_password_env +
                               ", which is not set");
    options.password = password;
  }
  return options;
}

std::unique_ptr<store::sql::Database> open_database(const config::StoreConfig& store, const std::string& data_dir) {
  if (store.kind != "postgresql") return std::make_unique<store::sqlite::SqliteDatabase>(data_dir + "/gateway.db");
  return std::make_unique<store::postgresql::PostgresDatabase>(with_password(store));
}

std::unique_ptr<SqlRepositories> open_repositories(const config::StoreConfig& store, const std::string& data_dir) {
  const auto database = data_dir + "/gateway.db";
  return std::make_unique<SqlRepositories>(open_database(store, data_dir), SqlRepositories::key_beside(database));
}

}  // namespace octopus::app
