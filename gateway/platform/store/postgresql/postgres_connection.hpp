// One libpq connection of the pool (sql::Connection): runs the repositories' SQL, written
// with named parameters (":id"), as PostgreSQL's numbered ones ($1), each statement prepared
// once per connection and parameter types.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/postgresql/postgres_database.hpp"
#include "store/sql/database.hpp"

struct pg_conn;
struct pg_result;

namespace octopus::store::postgresql {

// SQL with named (":name") or positional ("?", "?3") parameters, rewritten with PostgreSQL's
// numbered ones; the same name is the same number. Quoted text, quoted names, comments and
// "::" casts are left as they are.
struct TranslatedSql {
  std::string text;
  std::vector<std::string> names;  // names[n - 1] is $n's (":name", or "?n" for positional)
};
TranslatedSql translate_parameters(std::string_view sql);

// A libpq result, cleared on destruction.
struct ResultDeleter {
  void operator()(pg_result* result) const noexcept;
};
using Result = std::unique_ptr<pg_result, ResultDeleter>;

class PooledConnection final : public sql::Connection {
 public:
  explicit PooledConnection(pg_conn* connection) : connection_(connection) {}
  ~PooledConnection() override;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  std::unique_ptr<sql::StatementImpl> prepare(const std::string& sql) override;
  void exec(const std::string& sql) override;
  // BEGIN, then the one write lock every instance shares (pg_advisory_xact_lock).
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;
  // NOTIFY on kChangeChannel: every instance's ChangeListener hears it (at commit, inside a
  // transaction).
  void announce(const std::string& topic) override;

  // Whether the connection still works (after an error it may not): a broken one is dropped.
  bool usable() const;
  bool in_transaction() const;
  // "host:port/database as user": where it is connected, never the password.
  std::string describe() const;
  // The libpq connection, for waiting on its socket (ChangeListener).
  pg_conn* raw() const { return connection_; }

  // Runs a translated statement with text (or binary) parameters; `types` are their OIDs
  // (0: inferred). Throws StoreError; a constraint violation is `constraint` (SQLSTATE 23...).
  struct Parameters {
    std::vector<unsigned> types;
    std::vector<std::string> values;
    std::vector<bool> is_null, is_binary;
  };
  enum class Outcome { ok, constraint };
  // `may_be_refused`: inside a transaction, a refusal leaves the transaction usable.
  Outcome execute(const TranslatedSql& sql, const Parameters& parameters, Result& result, bool may_be_refused);

  // The translation of `sql`, made once per connection.
  const TranslatedSql& translated(const std::string& sql);

 private:
  const std::string& prepared_name(const TranslatedSql& sql, const std::vector<unsigned>& types);
  Result run(const std::string& name, const Parameters& parameters);

  pg_conn* connection_;
  std::unordered_map<std::string, TranslatedSql> translations_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL and types -> statement name
};

// The channel changes are announced on (NOTIFY) and listened to (LISTEN).
inline constexpr std::string_view kChangeChannel = "octopus_changes";

// A new connection with `options` (TLS, timeouts, password), bytea in hex. Throws StoreError
// with libpq's reason, which never holds the password.
std::unique_ptr<PooledConnection> connect_to(const PostgresOptions& options);

// Throws StoreError with libpq's message for `result` (or the connection's), after `what`.
[[noreturn]] void fail(pg_conn* connection, const pg_result* result, std::string_view what);

}  // namespace octopus::store::postgresql
