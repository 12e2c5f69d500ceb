#include "coordination/sql_lease_repository.hpp"

namespace octopus::coordination {

using store::sql::Statement;
using store::sql::Transaction;

// Read and write in one write transaction (one writer at a time across instances): of two
// instances asking for an expired lease at once, one gets it.
std::optional<LeaseGrant> SqlLeaseRepository::acquire(const std::string& name, const std::string& holder,
                                                      std::int64_t now_ms, std::int64_t ttl_ms) {
  auto session = db_.session();
  Transaction tx(session);
  Statement current(session, "SELECT holder, token, expires_at_ms FROM leases WHERE name = :name");
  current.bind(":name", name);
  LeaseGrant grant{1, now_ms + ttl_ms};
  if (current.step()) {
    const bool mine = current.text(0) == holder;
    if (!mine && current.int64(2) > now_ms) return std::nullopt;
    grant.token = mine ? current.int64(1) : current.int64(1) + 1;
  }
  current.reset();
  Statement put(session,
                "INSERT INTO leases(name, holder, token, expires_at_ms) VALUES (:name, :holder, :token, :expires) "
                "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, token = excluded.token, "
                "expires_at_ms = excluded.expires_at_ms");
  put.bind(":name", name).bind(":holder", holder).bind(":token", grant.token).bind(":expires", grant.expires_at_ms);
  put.step();
  tx.commit();
  return grant;
}

void SqlLeaseRepository::release(const std::string& name, const std::string& holder) {
  auto session = db_.session();
  Statement st(session, "UPDATE leases SET expires_at_ms = 0 WHERE name = :name AND holder = :holder");
  st.bind(":name", name).bind(":holder", holder).step();
}

}  // namespace octopus::coordination
