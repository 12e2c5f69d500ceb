#include "accounts/sql_account_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::store::sql {
// A role this version does not know reads as the one that may do least.
template <>
struct ColumnValue<vocabulary::Role>
    : NamedColumnValue<vocabulary::Role, vocabulary::parse_role, vocabulary::Role::metrics> {};
}  // namespace octopus::store::sql

namespace octopus::accounts {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {

const RowMapper<OperatorAccount> kAccounts("operator_accounts",
                                           {
                                               column("name", &OperatorAccount::name),
                                               column("role", &OperatorAccount::role),
                                               column("created_at", &OperatorAccount::created_at),
                                               column("created_by", &OperatorAccount::created_by),
                                               column("disabled_at", &OperatorAccount::disabled_at),
                                           });
const RowMapper<AccountToken> kTokens("operator_tokens", {
                                                             column("id", &AccountToken::id),
                                                             column("account", &AccountToken::account),
                                                             column("digest", &AccountToken::digest),
                                                             column("created_at", &AccountToken::created_at),
                                                             column("expires_at", &AccountToken::expires_at),
                                                             column("revoked_at", &AccountToken::revoked_at),
                                                         });

bool active_admin_exists(store::sql::Session& session) {
  Statement st(session, "SELECT 1 FROM operator_accounts WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1");
  return st.step();
}

}  // namespace

WriteResult SqlAccountRepository::create_account(const OperatorAccount& account, const AccountToken& first_token,
                                                 bool only_as_first_admin) {
  auto session = db_.session();
  Transaction tx(session);
  if (only_as_first_admin && active_admin_exists(session)) return WriteResult::conflict;
  Statement insert(session, kAccounts.insert());
  kAccounts.bind(insert, account);
  if (!insert.exec_unique()) return WriteResult::conflict;
  Statement token(session, kTokens.insert());
  kTokens.bind(token, first_token);
  token.step();
  tx.commit();
  return WriteResult::ok;
}

std::optional<OperatorAccount> SqlAccountRepository::get_account(const std::string& name) {
  auto session = db_.session();
  Statement st(session, kAccounts.select("WHERE name = :name"));
  st.bind(":name", name);
  if (!st.step()) return std::nullopt;
  return kAccounts.read(st);
}

std::vector<OperatorAccount> SqlAccountRepository::list_accounts() {
  auto session = db_.session();
  Statement st(session, kAccounts.select("ORDER BY name"));
  return kAccounts.read_all(st);
}

bool SqlAccountRepository::any_active_admin() {
  auto session = db_.session();
  return active_admin_exists(session);
}

WriteResult SqlAccountRepository::disable_account(const std::string& name, std::int64_t at) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE operator_accounts SET disabled_at = COALESCE(disabled_at, :at) WHERE name = :name AND "
               "(role <> 'admin' OR disabled_at IS NOT NULL OR EXISTS (SELECT 1 FROM operator_accounts other "
               "WHERE other.role = 'admin' AND other.disabled_at IS NULL AND other.name <> :name))");
  st.bind(":at", at).bind(":name", name);
  st.step();
  if (st.changes()) return WriteResult::ok;
  Statement exists(session, "SELECT 1 FROM operator_accounts WHERE name = :name");
  exists.bind(":name", name);
  return exists.step() ? WriteResult::conflict : WriteResult::not_found;
}

WriteResult SqlAccountRepository::add_token(const AccountToken& token) {
  auto session = db_.session();
  Statement exists(session, "SELECT 1 FROM operator_accounts WHERE name = :name");
  exists.bind(":name", token.account);
  if (!exists.step()) return WriteResult::not_found;
  Statement st(session, kTokens.insert());
  kTokens.bind(st, token);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<AccountToken> SqlAccountRepository::get_token(const std::string& id) {
  auto session = db_.session();
  Statement st(session, kTokens.select("WHERE id = :id"));
  st.bind(":id", id);
  if (!st.step()) return std::nullopt;
  return kTokens.read(st);
}

std::vector<AccountToken> SqlAccountRepository::tokens_of(const std::string& account) {
  auto session = db_.session();
  Statement st(session, kTokens.select("WHERE account = :account ORDER BY created_at, id"));
  st.bind(":account", account);
  return kTokens.read_all(st);
}

WriteResult SqlAccountRepository::revoke_token(const std::string& account, const std::string& id, std::int64_t at) {
  auto session = db_.session();
  Statement st(
      session,
      "UPDATE operator_tokens SET revoked_at = COALESCE(revoked_at, :at) WHERE id = :id AND account = :account");
  st.bind(":at", at).bind(":id", id).bind(":account", account);
  st.step();
  return st.changes() ? WriteResult::ok : WriteResult::not_found;
}

}  // namespace octopus::accounts
