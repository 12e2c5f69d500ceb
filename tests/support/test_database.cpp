#include "test_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>

namespace octopus::testing {

std::string shared_postgres() {
  if (const char* env = std::getenv("OCTOPUS_TEST_POSTGRES")) return env;
  // The fixture's server, when it is running (its socket is in the folder).
  const std::string dir = OCTOPUS_TEST_PG_DIR;
  if (!std::filesystem::exists(dir + "/.s.PGSQL.5432")) return "";
  return "host=" + dir + " user=postgres";
}

bool store_is_postgresql() {
  const char* env = std::getenv("OCTOPUS_TEST_STORE");
  return env && std::string(env) == "postgresql";
}

std::string postgres_database(const std::string& name) {
  const auto server = shared_postgres();
  if (server.empty())
    throw std::runtime_error("no PostgreSQL for this test: start one with tests/support/test-postgres start " +
                             std::string(OCTOPUS_TEST_PG_DIR) + ", or set OCTOPUS_TEST_POSTGRES");
  const std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb((server + " dbname=postgres").c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("test PostgreSQL: ") + PQerrorMessage(c.get()));
  const char* values[] = {name.c_str()};
  const std::unique_ptr<PGresult, decltype(&PQclear)> found(
      PQexecParams(c.get(), "SELECT 1 FROM pg_database WHERE datname = $1", 1, nullptr, values, nullptr, nullptr, 0),
      &PQclear);
  if (PQntuples(found.get()) == 0) {
    // Names are made by the tests: letters, digits and underscores only.
    const std::unique_ptr<PGresult, decltype(&PQclear)> made(PQexec(c.get(), ("CREATE DATABASE " + name).c_str()),
                                                             &PQclear);
    if (PQresultStatus(made.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error("CREATE DATABASE " + name + ": " + PQresultErrorMessage(made.get()));
  }
  return server + " dbname=" + name;
}

std::string fresh_postgres_database() {
  static std::atomic<int> made{0};
  static const auto run = std::random_device{}();
  return postgres_database("t_" + std::to_string(::getpid()) + "_" + std::to_string(run % 100000) + "_" +
                           std::to_string(++made));
}

}  // namespace octopus::testing
