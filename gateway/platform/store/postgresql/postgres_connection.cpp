#include "store/postgresql/postgres_connection.hpp"

#include <libpq-fe.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>

namespace octopus::store::postgresql {

namespace {

constexpr Oid kInt8 = 20;
constexpr Oid kBytea = 17;
// Every write transaction of every instance holds this one advisory lock until it ends.
constexpr long long kWriteLock = 0x6f63746f70757331;  // "octopus1"

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Copies a quoted run ('...', "...", with doubled quotes inside) starting at `i`.
std::size_t copy_quoted(std::string_view sql, std::size_t i, std::string& out) {
  const char quote = sql[i];
  out += sql[i++];
  while (i < sql.size()) {
    out += sql[i];
    if (sql[i++] == quote) {
      if (i < sql.size() && sql[i] == quote) {
        out += sql[i++];
        continue;
      }
      break;
    }
  }
  return i;
}

int number_of(TranslatedSql& t, std::string name) {
  for (std::size_t n = 0; n < t.names.size(); ++n)
    if (t.names[n] == name) return static_cast<int>(n + 1);
  t.names.push_back(std::move(name));
  return static_cast<int>(t.names.size());
}

}  // namespace

TranslatedSql translate_parameters(std::string_view sql) {
  TranslatedSql t;
  int positional = 0;
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      i = copy_quoted(sql, i, t.text);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const auto end = sql.find('\n', i);
      const auto stop = end == std::string_view::npos ? sql.size() : end;
      t.text.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      t.text += "::";
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() &&
               (std::isalpha(static_cast<unsigned char>(sql[i + 1])) || sql[i + 1] == '_')) {
      std::size_t end = i + 1;
      while (end < sql.size() && name_char(sql[end])) ++end;
      t.text += "$" + std::to_string(number_of(t, std::string(sql.substr(i, end - i))));
      i = end;
    } else if (c == '?') {
      std::size_t end = i + 1;
      while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
      const int n = end > i + 1 ? std::atoi(std::string(sql.substr(i + 1, end - i - 1)).c_str()) : ++positional;
      positional = std::max(positional, n);
      t.text += "$" + std::to_string(number_of(t, "?" + std::to_string(n)));
      i = end;
    } else {
      t.text += c;
      ++i;
    }
  }
  return t;
}

void ResultDeleter::operator()(pg_result* result) const noexcept { PQclear(result); }

void fail(pg_conn* connection, const pg_result* result, std::string_view what) {
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty() && connection) message = PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  throw StoreError("postgresql " + std::string(what) + " failed: " + (message.empty() ? "no answer" : message));
}

namespace {

// The rows of one run, read as text (bytea in its hex form, decoded on demand).
class PgStatement final : public sql::StatementImpl {
 public:
  PgStatement(PooledConnection& connection, const TranslatedSql& sql) : connection_(connection), sql_(sql) {
    const auto n = sql.names.size();
    parameters_.types.assign(n, 0);
    parameters_.values.assign(n, std::string());
    parameters_.is_null.assign(n, true);
    parameters_.is_binary.assign(n, false);
  }

  void bind_text(int i, std::string_view v) override { set(i, 0, std::string(v), false); }
  void bind_int64(int i, std::int64_t v) override { set(i, kInt8, std::to_string(v), false); }
  void bind_blob(int i, const void* data, int size) override {
    set(i, kBytea, std::string(static_cast<const char*>(data), static_cast<std::size_t>(size)), true);
  }
  void bind_null(int i) override {
    check(i);
    parameters_.is_null[static_cast<std::size_t>(i - 1)] = true;
  }
  int find_index(const std::string& name) const override {
    for (std::size_t n = 0; n < sql_.names.size(); ++n)
      if (sql_.names[n] == name) return static_cast<int>(n + 1);
    return 0;
  }

  bool step() override {
    if (!result_) {
      if (connection_.execute(sql_, parameters_, result_, false) == PooledConnection::Outcome::constraint)
        throw StoreError("postgresql statement refused by a constraint: " + error_message());
      row_ = 0;
    } else {
      ++row_;
    }
    return row_ < PQntuples(result_.get());
  }
  bool exec_unique() override {
    if (connection_.execute(sql_, parameters_, result_, true) == PooledConnection::Outcome::constraint) {
      result_.reset();
      return false;
    }
    row_ = 0;
    return true;
  }
  void reset() override {
    result_.reset();
    decoded_.clear();
  }
  int changes() const override {
    if (!result_) return 0;
    return std::atoi(PQcmdTuples(result_.get()));
  }

  std::string text(int col) const override {
    const auto* r = result_.get();
    return std::string(PQgetvalue(r, row_, col), static_cast<std::size_t>(PQgetlength(r, row_, col)));
  }
  std::int64_t int64(int col) const override {
    const char* v = PQgetvalue(result_.get(), row_, col);
    std::int64_t out = 0;
    std::from_chars(v, v + std::strlen(v), out);  // NULL ("") reads as 0, as in SQLite
    return out;
  }
  bool is_null(int col) const override { return PQgetisnull(result_.get(), row_, col) != 0; }
  const void* blob(int col, int& size) const override;

 private:
  void check(int i) const {
    if (i < 1 || static_cast<std::size_t>(i) > sql_.names.size())
      throw StoreError("postgresql statement has no parameter " + std::to_string(i));
  }
  void set(int i, unsigned type, std::string value, bool binary) {
    check(i);
    const auto n = static_cast<std::size_t>(i - 1);
    parameters_.types[n] = type;
    parameters_.values[n] = std::move(value);
    parameters_.is_null[n] = false;
    parameters_.is_binary[n] = binary;
  }
  std::string error_message() const { return result_ ? PQresultErrorMessage(result_.get()) : ""; }

  PooledConnection& connection_;
  const TranslatedSql& sql_;
  PooledConnection::Parameters parameters_;
  Result result_;
  int row_ = 0;
  mutable std::map<std::pair<int, int>, std::string> decoded_;  // (row, column) -> bytes
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea arrives as "\x" and two hex digits per byte (bytea_output = hex, set at connect).
const void* PgStatement::blob(int col, int& size) const {
  size = 0;
  if (is_null(col)) return nullptr;
  auto& bytes = decoded_[{row_, col}];
  if (bytes.empty()) {
    const std::string_view hex(PQgetvalue(result_.get(), row_, col),
                               static_cast<std::size_t>(PQgetlength(result_.get(), row_, col)));
    if (!hex.starts_with("\\x")) throw StoreError("postgresql column " + std::to_string(col) + " is not bytea");
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2) {
      const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
      if (hi < 0 || lo < 0) throw StoreError("postgresql bytea column holds a bad hex digit");
      bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
  }
  size = static_cast<int>(bytes.size());
  return bytes.data();
}

}  // namespace

std::unique_ptr<PooledConnection> connect_to(const PostgresOptions& options) {
  const std::string timeout = std::to_string(options.connect_timeout.count());
  std::vector<const char*> keys{"dbname", "sslmode", "ssl_min_protocol_version", "connect_timeout", "application_name"};
  std::vector<const char*> values{options.url.c_str(), options.tls_mode.c_str(), "TLSv1.2", timeout.c_str(),
                                  "octopus-gateway"};
  const std::pair<const char*, const std::string*> files[] = {
      {"sslrootcert", &options.ca_file}, {"sslcert", &options.cert_file}, {"sslkey", &options.key_file}};
  if (!options.password.empty()) keys.push_back("password"), values.push_back(options.password.c_str());
  for (const auto& [key, value] : files)
    if (!value->empty()) keys.push_back(key), values.push_back(value->c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname: the URL's own settings come first; the TLS options above override them.
  pg_conn* c = PQconnectdbParams(keys.data(), values.data(), 1);
  auto connection = std::make_unique<PooledConnection>(c);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string message = c ? PQerrorMessage(c) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw StoreError("cannot connect to PostgreSQL: " + message);
  }
  // The server's notices ("already exists, skipping" while migrating) are not errors, and
  // libpq would print them on stderr between the gateway's JSON log lines.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  connection->exec("SET bytea_output = 'hex'; SET client_encoding = 'UTF8'");
  return connection;
}

PooledConnection::~PooledConnection() { PQfinish(connection_); }

std::string PooledConnection::describe() const {
  const auto* c = connection_;
  const std::string host = PQhost(c) ? PQhost(c) : "";
  const std::string port = PQport(c) ? PQport(c) : "";
  return host + (host.starts_with('/') ? "" : ":" + port) + "/" + (PQdb(c) ? PQdb(c) : "") + " as " +
         (PQuser(c) ? PQuser(c) : "");
}

bool PooledConnection::usable() const { return PQstatus(connection_) == CONNECTION_OK; }
bool PooledConnection::in_transaction() const { return PQtransactionStatus(connection_) != PQTRANS_IDLE; }

const TranslatedSql& PooledConnection::translated(const std::string& sql) {
  auto it = translations_.find(sql);
  if (it == translations_.end()) it = translations_.emplace(sql, translate_parameters(sql)).first;
  return it->second;
}

std::unique_ptr<sql::StatementImpl> PooledConnection::prepare(const std::string& sql) {
  return std::make_unique<PgStatement>(*this, translated(sql));
}

void PooledConnection::exec(const std::string& sql) {
  const Result result(PQexec(connection_, sql.c_str()));
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(connection_, result.get(), "statement");
}

void PooledConnection::begin_write() {
  exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLock) + ")");
}

void PooledConnection::commit() {
  const Result result(PQexec(connection_, "COMMIT"));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(connection_, result.get(), "commit");
  // A transaction that failed earlier "commits" as a rollback: nothing was written.
  if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") != 0)
    throw StoreError("postgresql commit failed: the transaction had already failed and was rolled back");
}

void PooledConnection::rollback() noexcept { PQclear(PQexec(connection_, "ROLLBACK")); }

void PooledConnection::announce(const std::string& topic) {
  sql::Statement::from(prepare("SELECT pg_notify('" + std::string(kChangeChannel) + "', :topic)"))
      .bind(":topic", topic)
      .step();
}

const std::string& PooledConnection::prepared_name(const TranslatedSql& sql, const std::vector<unsigned>& types) {
  std::string key = sql.text;
  for (const auto type : types) key += "\x1f" + std::to_string(type);
  auto it = prepared_.find(key);
  if (it != prepared_.end()) return it->second;
  const auto name = "s" + std::to_string(prepared_.size() + 1);
  const Result result(PQprepare(connection_, name.c_str(), sql.text.c_str(), static_cast<int>(types.size()),
                                reinterpret_cast<const Oid*>(types.data())));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail(connection_, result.get(), "prepare");
  return prepared_.emplace(std::move(key), name).first->second;
}

Result PooledConnection::run(const std::string& name, const Parameters& p) {
  const auto n = p.values.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n), formats(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = p.is_null[i] ? nullptr : p.values[i].data();
    lengths[i] = static_cast<int>(p.values[i].size());
    formats[i] = p.is_binary[i] ? 1 : 0;
  }
  return Result(
      PQexecPrepared(connection_, name.c_str(), static_cast<int>(n), values.data(), lengths.data(), formats.data(), 0));
}

PooledConnection::Outcome PooledConnection::execute(const TranslatedSql& sql, const Parameters& p, Result& result,
                                                    bool may_be_refused) {
  // Within a transaction a refused statement would fail the whole transaction; a savepoint
  // keeps it usable, as SQLite's is, for the writes whose refusal the caller handles.
  const bool guarded = may_be_refused && in_transaction();
  if (guarded) exec("SAVEPOINT unique_write");
  result = run(prepared_name(sql, p.types), p);
  const auto status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    if (guarded) exec("RELEASE SAVEPOINT unique_write");
    return Outcome::ok;
  }
  const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  const bool constraint = state && std::strncmp(state, "23", 2) == 0;
  if (guarded) exec("ROLLBACK TO SAVEPOINT unique_write");
  if (constraint) return Outcome::constraint;
  fail(connection_, result.get(), "statement");
}

}  // namespace octopus::store::postgresql
