#include "store/postgresql/postgres_database.hpp"

#include <libpq-fe.h>

#include <array>

#include "store/postgresql/migrations.hpp"
#include "store/postgresql/postgres_connection.hpp"

namespace octopus::store::postgresql {

namespace {

// Held (per session) while one instance migrates, so instances starting together migrate once.
constexpr long long kMigrationLock = 0x6f63746f70757332;  // "octopus2"

int version_in(sql::Session& session) {
  sql::Statement st(session, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

}  // namespace

bool valid_tls_mode(std::string_view mode) {
  static constexpr std::array<std::string_view, 6> kModes{"disable", "allow",     "prefer",
                                                          "require", "verify-ca", "verify-full"};
  for (const auto m : kModes)
    if (m == mode) return true;
  return false;
}

// A pooled connection lent to one session, given back (or dropped when broken) at its end.
class PostgresDatabase::Lease final : public sql::Session::Lease {
 public:
  Lease(PostgresDatabase& db, std::unique_ptr<PooledConnection> connection)
      : db_(db), connection_(std::move(connection)) {}
  ~Lease() override {
    if (connection_->in_transaction()) connection_->rollback();  // a session left mid-transaction
    db_.give_back(std::move(connection_));
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  sql::Connection& connection() override { return *connection_; }

 private:
  PostgresDatabase& db_;
  std::unique_ptr<PooledConnection> connection_;
};

PostgresDatabase::PostgresDatabase(PostgresOptions options) : options_(std::move(options)) {
  if (options_.url.empty()) throw StoreError("store.postgresql.url is empty");
  if (!valid_tls_mode(options_.tls_mode))
    throw StoreError("store.postgresql.tls.mode '" + options_.tls_mode +
                     "' is not one of disable, allow, prefer, require, verify-ca, verify-full");
  if (options_.pool_size == 0) throw StoreError("store.postgresql.pool_size must be at least 1");
  auto first = connect_to(options_);
  where_ = first->describe();
  ++open_;
  idle_.push_back(std::move(first));
  migrate();
}

PostgresDatabase::~PostgresDatabase() = default;

sql::Session PostgresDatabase::session() {
  std::unique_lock held(mutex_);
  const bool free =
      freed_.wait_for(held, options_.acquire_timeout, [&] { return !idle_.empty() || open_ < options_.pool_size; });
  if (!free)
    throw StoreError("no PostgreSQL connection came free in time (pool of " + std::to_string(options_.pool_size) + ")");
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return sql::Session(std::make_unique<Lease>(*this, std::move(connection)));
  }
  ++open_;  // counted before connecting, so the pool never grows past its size
  held.unlock();
  try {
    return sql::Session(std::make_unique<Lease>(*this, connect_to(options_)));
  } catch (...) {
    held.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

void PostgresDatabase::give_back(std::unique_ptr<PooledConnection> connection) {
  const bool keep = connection->usable() && !connection->in_transaction();
  const std::lock_guard held(mutex_);
  if (keep)
    idle_.push_back(std::move(connection));
  else
    --open_;  // a broken connection is dropped; the next session that needs one reconnects
  freed_.notify_one();
}

void PostgresDatabase::migrate() {
  auto session = this->session();
  auto& c = session.connection();
  c.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
  struct Unlock {
    sql::Connection& c;
    ~Unlock() {
      try {
        c.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
      } catch (const StoreError&) {  // the connection is gone: so is its lock
      }
    }
  } unlock{c};
  c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)");
  const int current = version_in(session);
  const auto all = migrations();
  const int latest = static_cast<int>(all.size());
  if (current > latest)
    throw StoreError("database schema version " + std::to_string(current) + " is newer than this gateway (" +
                     std::to_string(latest) + ")");
  for (int v = current + 1; v <= latest; ++v) {
    sql::Transaction tx(session);
    c.exec(all[static_cast<std::size_t>(v - 1)]);
    sql::Statement st(session,
                      "INSERT INTO schema_migrations(version, applied_at) "
                      "VALUES (:version, CAST(EXTRACT(EPOCH FROM now()) AS BIGINT))");
    st.bind(":version", static_cast<std::int64_t>(v)).step();
    tx.commit();
  }
}

int PostgresDatabase::schema_version() {
  auto session = this->session();
  return version_in(session);
}

bool PostgresDatabase::healthy() {
  try {
    auto session = this->session();
    sql::Statement st(session, "SELECT 1");
    return st.step();
  } catch (const StoreError&) {
    return false;
  }
}

}  // namespace octopus::store::postgresql
