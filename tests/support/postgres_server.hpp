// A real, throwaway PostgreSQL server for benchmarks and tests: a fresh cluster (initdb) in a
// private directory, listening only on a Unix socket there, with durability off (it holds
// nothing worth keeping), stopped and deleted on destruction. PostgreSQL refuses to run as
// root, so under root the server runs as the `postgres` system user.
#pragma once
#include <string>
#include <vector>

namespace octopus::testing {

class PostgresServer {
 public:
  // `settings`: extra `-c name=value` server settings (e.g. "shared_buffers=2GB").
  // Throws std::runtime_error when PostgreSQL's server binaries are missing or it fails to start.
  explicit PostgresServer(std::vector<std::string> settings = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A libpq connection string for the superuser `postgres` and database `postgres`.
  std::string connection_string() const;
  // The folder of initdb/pg_ctl (OCTOPUS_PG_BIN, else the newest /usr/lib/postgresql/*/bin).
  static std::string find_bin_dir();

 private:
  std::string run_as_owner(const std::string& command) const;
  std::string bin_;
  std::string dir_;
};

}  // namespace octopus::testing
