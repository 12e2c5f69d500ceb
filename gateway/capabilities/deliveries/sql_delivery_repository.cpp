#include "deliveries/sql_delivery_repository.hpp"

#include <nlohmann/json.hpp>

#include "store/sql/row_mapper.hpp"

namespace octopus::deliveries {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;

namespace {
template <std::uint64_t DeliveryCounts::*Count>
auto count_of() {
  return [](DeliveryRecord& d) -> std::uint64_t& { return d.counts.*Count; };
}

const RowMapper<DeliveryRecord> kDeliveries(
    "deliveries", {
                      column("id", &DeliveryRecord::id),
                      column("partner_id", &DeliveryRecord::partner_id),
                      column("offer_id", &DeliveryRecord::offer_id),
                      column("audience_id", &DeliveryRecord::audience_id),
                      column("subscribers", &DeliveryRecord::subscribers),
                      column("target_count", &DeliveryRecord::target_count),
                      column("purpose", &DeliveryRecord::purpose),
                      column("status", &DeliveryRecord::status),
                      column("send_at", &DeliveryRecord::send_at),
                      column("resume_at", &DeliveryRecord::resume_at),
                      column("cursor", &DeliveryRecord::cursor),
                      column("decided", &DeliveryRecord::decided),
                      column<DeliveryRecord>("delivered", count_of<&DeliveryCounts::delivered>()),
                      column<DeliveryRecord>("no_consent", count_of<&DeliveryCounts::no_consent>()),
                      column<DeliveryRecord>("capped", count_of<&DeliveryCounts::capped>()),
                      column<DeliveryRecord>("ineligible", count_of<&DeliveryCounts::ineligible>()),
                      column<DeliveryRecord>("cancelled", count_of<&DeliveryCounts::cancelled>()),
                      column<DeliveryRecord>("failed", count_of<&DeliveryCounts::failed>()),
                      column("sink_position", &DeliveryRecord::sink_position),
                      column("policy_version", &DeliveryRecord::policy_version),
                      column("error", &DeliveryRecord::error),
                      column("created_at", &DeliveryRecord::created_at),
                      column("updated_at", &DeliveryRecord::updated_at),
                      column("finished_at", &DeliveryRecord::finished_at),
                  });

const RowMapper<ConsentChange> kConsentChanges("consent_changes",
                                               {
                                                   column("id", &ConsentChange::id),
                                                   column("subscriber", &ConsentChange::subscriber),
                                                   column("purpose", &ConsentChange::purpose),
                                                   column("channel", &ConsentChange::channel),
                                                   column("partner_category", &ConsentChange::partner_category),
                                                   column("state", &ConsentChange::state),
                                                   column("actor", &ConsentChange::actor),
                                                   column("reason", &ConsentChange::reason),
                                                   column("at", &ConsentChange::at),
                                               });
}  // namespace

WriteResult SqlDeliveryRepository::create_delivery(const DeliveryRecord& d) {
  auto session = db_.session();
  Statement st(session, kDeliveries.insert());
  kDeliveries.bind(st, d);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<DeliveryRecord> SqlDeliveryRepository::get_delivery(const std::string& partner_id,
                                                                  const std::string& id) {
  auto session = db_.session();
  Statement st(session, kDeliveries.select("WHERE id = :id AND (:partner = '' OR partner_id = :partner)"));
  st.bind(":id", id).bind(":partner", partner_id);
  if (!st.step()) return std::nullopt;
  return kDeliveries.read(st);
}

DeliveryPage SqlDeliveryRepository::list_deliveries(const std::string& partner_id,
                                                    const std::optional<std::string>& after, std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kDeliveries.select("WHERE partner_id = :partner AND id > :after ORDER BY id LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after.value_or(std::string()));
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kDeliveries.read_page(st, limit);
}

std::vector<DeliveryRecord> SqlDeliveryRepository::deliveries_in_status(const std::vector<std::string>& statuses) {
  auto session = db_.session();
  if (statuses.empty()) return {};
  std::string in;
  for (std::size_t i = 0; i < statuses.size(); ++i) in += (i ? ", :s" : ":s") + std::to_string(i);
  Statement st(session, kDeliveries.select("WHERE status IN (" + in + ") ORDER BY id"));
  for (std::size_t i = 0; i < statuses.size(); ++i) st.bind(":s" + std::to_string(i), statuses[i]);
  return kDeliveries.read_all(st);
}

WriteResult SqlDeliveryRepository::record_delivery_progress(const DeliveryRecord& d, const store::Fence& fence) {
  auto session = db_.session();
  // A cancellation that raced this batch wins: the delivery stays cancelled, and what the
  // batch did not decide counts as cancelled.
  Statement st(
      session,
      "UPDATE deliveries SET status = CASE WHEN status = 'cancelled' THEN status ELSE :status END, "
      "resume_at = :resume_at, cursor = :cursor, decided = :decided, delivered = :delivered, "
      "no_consent = :no_consent, capped = :capped, ineligible = :ineligible, "
      "cancelled = CASE WHEN status = 'cancelled' THEN target_count - :decided ELSE :cancelled END, "
      "failed = :failed, sink_position = :sink_position, error = :error, updated_at = :updated_at, "
      "finished_at = CASE WHEN status = 'cancelled' AND finished_at != 0 THEN finished_at ELSE :finished_at END "
      "WHERE id = :id AND (:fence_token = 0 OR EXISTS "
      "(SELECT 1 FROM leases WHERE name = :fence_lease AND token = :fence_token))");
  kDeliveries.bind(st, d);
  st.bind(":fence_lease", fence.lease).bind(":fence_token", fence.token);
  st.step();
  if (st.changes() == 1) return WriteResult::ok;
  if (fence.token == 0) return WriteResult::not_found;
  Statement exists(session, "SELECT 1 FROM deliveries WHERE id = :id");  // the same session: SQLite has one
  exists.bind(":id", d.id);
  return exists.step() ? WriteResult::conflict : WriteResult::not_found;
}

WriteResult SqlDeliveryRepository::cancel_delivery(const std::string& partner_id, const std::string& id,
                                                   std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE deliveries SET status = 'cancelled', cancelled = target_count - decided, updated_at = :now, "
               "finished_at = :now WHERE id = :id AND partner_id = :partner "
               "AND status IN ('scheduled','running','deferred')");
  st.bind(":now", now).bind(":id", id).bind(":partner", partner_id);
  st.step();
  if (st.changes() == 1) return WriteResult::ok;
  Statement exists(session, "SELECT 1 FROM deliveries WHERE id = :id AND partner_id = :partner");
  exists.bind(":id", id).bind(":partner", partner_id);
  return exists.step() ? WriteResult::conflict : WriteResult::not_found;
}

std::int64_t SqlConsentChangeRepository::append_consent_change(const ConsentChange& c) {
  // In a write transaction: on PostgreSQL it takes the store's write lock, so ids commit in
  // order and an instance catching up after id N never misses one below it.
  auto session = db_.session();
  store::sql::Transaction tx(session);
  Statement st(
      session,
      "INSERT INTO consent_changes(subscriber, purpose, channel, partner_category, state, actor, reason, at) "
      "VALUES (:subscriber, :purpose, :channel, :partner_category, :state, :actor, :reason, :at) RETURNING id");
  kConsentChanges.bind(st, c);
  const auto id = st.step_returning_int64();
  session.connection().announce(kConsentChangesTopic);
  tx.commit();
  return id;
}

std::vector<ConsentChange> SqlConsentChangeRepository::consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                                                       std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kConsentChanges.select("WHERE id > :after AND (:subscriber = 0 OR subscriber = :subscriber) "
                                               "ORDER BY id LIMIT :limit"));
  st.bind(":after", after_id).bind(":subscriber", static_cast<std::int64_t>(subscriber));
  st.bind(":limit", static_cast<std::int64_t>(limit));
  return kConsentChanges.read_all(st);
}

}  // namespace octopus::deliveries
