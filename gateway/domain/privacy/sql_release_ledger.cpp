#include "privacy/sql_release_ledger.hpp"

namespace octopus::privacy {

using store::sql::Statement;
using store::sql::Transaction;

std::optional<std::string> SqlReleaseLedger::find_in(store::sql::Session& session, const std::string& account,
                                                     const std::string& key) {
  Statement st(session, "SELECT figures FROM privacy_releases WHERE account = :account AND key = :key");
  st.bind(":account", account).bind(":key", key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

BudgetUse SqlReleaseLedger::use_in(store::sql::Session& session, const std::string& account,
                                   const std::string& period) {
  Statement st(session,
               "SELECT COALESCE(SUM(epsilon_milli), 0), COUNT(*) FROM privacy_releases "
               "WHERE account = :account AND period = :period");
  st.bind(":account", account).bind(":period", period);
  st.step();
  return {static_cast<std::uint64_t>(st.int64(0)), static_cast<std::uint64_t>(st.int64(1))};
}

std::optional<std::string> SqlReleaseLedger::find(const std::string& account, const std::string& key) {
  auto session = db_.session();
  return find_in(session, account, key);
}

std::optional<std::string> SqlReleaseLedger::record(const ReleaseEntry& e, std::uint64_t cap_milli) {
  auto session = db_.session();
  // One transaction: the spend read and the entry written together, so two instances
  // sharing the file cannot both spend the last of a budget.
  Transaction tx(session);
  if (auto earlier = find_in(session, e.account, e.key)) return earlier;
  if (use_in(session, e.account, e.period).spent_milli + e.epsilon_milli > cap_milli) return std::nullopt;
  Statement st(session,
               "INSERT INTO privacy_releases(account, key, period, epsilon_milli, figures, at) "
               "VALUES (:account, :key, :period, :epsilon_milli, :figures, :at)");
  st.bind(":account", e.account).bind(":key", e.key).bind(":period", e.period);
  st.bind(":epsilon_milli", static_cast<std::int64_t>(e.epsilon_milli)).bind(":figures", e.figures).bind(":at", e.at);
  st.step();
  tx.commit();
  return e.figures;
}

BudgetUse SqlReleaseLedger::use(const std::string& account, const std::string& period) {
  auto session = db_.session();
  return use_in(session, account, period);
}

}  // namespace octopus::privacy
