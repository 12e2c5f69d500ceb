// Databases for tests on the run's shared PostgreSQL server (started by the ctest fixture
// `postgresql` with tests/support/test-postgres in OCTOPUS_TEST_PG_DIR, or named by the
// environment's OCTOPUS_TEST_POSTGRES), each test with databases of its own.
#pragma once
#include <string>

namespace octopus::testing {

// The shared server's connection string ("host=DIR user=postgres"), or "" when this run has none.
std::string shared_postgres();
// Creates database `name` on the shared server unless it exists; answers a connection string
// for it. Throws std::runtime_error when the run has no server.
std::string postgres_database(const std::string& name);
// A new database with a name no other test uses.
std::string fresh_postgres_database();
// Whether the integration suite runs against PostgreSQL (OCTOPUS_TEST_STORE=postgresql)
// rather than SQLite.
bool store_is_postgresql();

}  // namespace octopus::testing
