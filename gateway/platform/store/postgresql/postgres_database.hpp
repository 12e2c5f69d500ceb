// The shared database for several gateway instances: PostgreSQL through libpq, a fixed pool
// of connections (one per concurrent repository call), statements prepared once per
// connection, the schema migrated at open under an advisory lock (instances starting together
// migrate once). Write transactions take one transaction-scoped advisory lock, so a
// repository call that reads then writes decides on what it read whichever instance runs it,
// as on SQLite (docs/architecture.md, "Store").
#pragma once
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql/database.hpp"

namespace octopus::store::postgresql {

struct PostgresOptions {
  std::string url;       // a libpq connection URI or "key=value" string; never logged
  std::string password;  // overrides the URL's (the configuration takes it from the environment)
  // libpq's sslmode: disable, allow, prefer, require, verify-ca, verify-full (checks the
  // server's certificate and name). TLS 1.2 at least whenever TLS is used.
  std::string tls_mode = "verify-full";
  std::string ca_file;    // sslrootcert; empty: libpq's default (~/.postgresql/root.crt)
  std::string cert_file;  // sslcert, for servers that want a client certificate
  std::string key_file;   // sslkey
  unsigned pool_size = 8;
  std::chrono::seconds connect_timeout{5};
  // How long a repository call waits for a free connection before failing (503).
  std::chrono::milliseconds acquire_timeout{5000};
};

// Whether `mode` is one of libpq's sslmodes.
bool valid_tls_mode(std::string_view mode);

class PooledConnection;

class PostgresDatabase final : public sql::Database {
 public:
  // Connects once (so a wrong URL, password or TLS setting fails here, clearly), then
  // migrates. Throws StoreError.
  explicit PostgresDatabase(PostgresOptions options);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  sql::Session session() override;
  int schema_version() override;
  bool healthy() override;
  std::string_view kind() const override { return "postgresql"; }

  // Where the pool connects, without the password: for logs and errors.
  const std::string& where() const { return where_; }

 private:
  class Lease;
  void give_back(std::unique_ptr<PooledConnection> connection);
  void migrate();

  PostgresOptions options_;
  std::string where_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  unsigned open_ = 0;  // connections made and not dropped, idle or leased
};

}  // namespace octopus::store::postgresql
