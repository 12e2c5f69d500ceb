#include "idempotency/sql_idempotency_repository.hpp"

namespace octopus::idempotency {

using store::sql::Statement;

// The claim an earlier request still holds on the key, if it counts (neither expired nor
// abandoned). Inside the claim's transaction.
std::optional<IdempotencyClaim> SqlIdempotencyRepository::earlier_claim(
    store::sql::Session& session, const std::string& partner_id, const std::string& key, const std::string& fingerprint,
    std::int64_t now, std::int64_t abandoned_after, std::int64_t keep) {
  Statement find(session,
                 "SELECT fingerprint, state, status, content_type, location, body, created_at, updated_at "
                 "FROM idempotency_keys WHERE partner_id = :partner AND key = :key");
  find.bind(":partner", partner_id).bind(":key", key);
  if (!find.step()) return std::nullopt;
  const bool expired = find.int64(6) <= now - keep;
  const bool abandoned = find.text(1) == "in_flight" && find.int64(7) <= now - abandoned_after;
  if (expired || abandoned) return std::nullopt;
  IdempotencyClaim claim;
  if (find.text(0) != fingerprint) {
    claim.outcome = IdempotencyClaim::Outcome::mismatch;
  } else if (find.text(1) == "in_flight") {
    claim.outcome = IdempotencyClaim::Outcome::in_flight;
  } else {
    StoredResponse r;
    r.status = static_cast<int>(find.int64(2));
    r.content_type = find.text(3);
    r.location = find.text(4);
    int size = 0;
    const void* data = find.blob(5, size);
    if (data && size > 0) r.body.assign(static_cast<const char*>(data), static_cast<std::size_t>(size));
    claim.outcome = IdempotencyClaim::Outcome::replay;
    claim.response = std::move(r);
  }
  return claim;
}

IdempotencyClaim SqlIdempotencyRepository::claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                                                 const std::string& fingerprint, std::int64_t now,
                                                                 std::int64_t abandoned_after, std::int64_t keep) {
  auto session = db_.session();
  // Forgetting expired keys costs one indexed delete a minute, not one per request.
  if (auto last = purged_at_.load(); now - last >= 60 && purged_at_.compare_exchange_strong(last, now)) {
    Statement purge(session, "DELETE FROM idempotency_keys WHERE created_at <= :before");
    purge.bind(":before", now - keep).step();
  }
  // Read and claim in one write transaction: of two requests with the key, on any instances,
  // one claims it and the other sees the claim.
  store::sql::Transaction tx(session);
  if (auto earlier = earlier_claim(session, partner_id, key, fingerprint, now, abandoned_after, keep)) return *earlier;
  Statement put(session,
                "INSERT INTO idempotency_keys(partner_id, key, fingerprint, state, created_at, updated_at) "
                "VALUES (:partner, :key, :fingerprint, 'in_flight', :now, :now) "
                "ON CONFLICT(partner_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', "
                "status = NULL, content_type = '', location = '', body = NULL, created_at = excluded.created_at, "
                "updated_at = excluded.updated_at");
  put.bind(":partner", partner_id).bind(":key", key).bind(":fingerprint", fingerprint).bind(":now", now).step();
  tx.commit();
  return {};
}

void SqlIdempotencyRepository::complete_idempotency_key(const std::string& partner_id, const std::string& key,
                                                        const StoredResponse& response, std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE idempotency_keys SET state = 'done', status = :status, content_type = :content_type, "
               "location = :location, body = :body, updated_at = :now WHERE partner_id = :partner AND key = :key");
  st.bind(":status", static_cast<std::int64_t>(response.status)).bind(":content_type", response.content_type);
  st.bind(":location", response.location);
  st.bind_blob(st.index_of(":body"), response.body.data(), static_cast<int>(response.body.size()));
  st.bind(":now", now).bind(":partner", partner_id).bind(":key", key).step();
}

void SqlIdempotencyRepository::release_idempotency_key(const std::string& partner_id, const std::string& key) {
  auto session = db_.session();
  Statement st(session,
               "DELETE FROM idempotency_keys WHERE partner_id = :partner AND key = :key AND state = 'in_flight'");
  st.bind(":partner", partner_id).bind(":key", key).step();
}

}  // namespace octopus::idempotency
