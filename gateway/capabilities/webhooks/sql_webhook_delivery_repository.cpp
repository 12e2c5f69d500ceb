#include "webhooks/sql_webhook_delivery_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::store::sql {
template <>
struct ColumnValue<webhooks::DeliveryState>
    : NamedColumnValue<webhooks::DeliveryState, webhooks::parse_delivery_state> {};
}  // namespace octopus::store::sql

namespace octopus::webhooks {

using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {

constexpr const char* kOutboxCursor = "webhooks.outbox";
// A deleted endpoint's pending deliveries are never due: nobody sends them.
constexpr std::string_view kActiveOnly = "JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'active'";

const RowMapper<WebhookDelivery> kDeliveries("webhook_deliveries",
                                             {
                                                 column("endpoint_id", &WebhookDelivery::endpoint_id),
                                                 column("event_id", &WebhookDelivery::event_id),
                                                 column("partner_id", &WebhookDelivery::partner_id),
                                                 column("type", &WebhookDelivery::type),
                                                 column("payload", &WebhookDelivery::payload),
                                                 column("state", &WebhookDelivery::state),
                                                 column("attempts", &WebhookDelivery::attempts),
                                                 column("next_attempt_at_ms", &WebhookDelivery::next_attempt_at_ms),
                                                 column("last_status", &WebhookDelivery::last_status),
                                                 column("last_error", &WebhookDelivery::last_error),
                                                 column("created_at", &WebhookDelivery::created_at),
                                                 column("updated_at", &WebhookDelivery::updated_at),
                                             });

}  // namespace

std::string_view to_string(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending: return "pending";
    case DeliveryState::delivered: return "delivered";
    case DeliveryState::dead: return "dead";
  }
  return "pending";
}

std::optional<DeliveryState> parse_delivery_state(std::string_view text) {
  for (auto s : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::dead})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::int64_t SqlWebhookDeliveryRepository::queued_through() {
  auto session = db_.session();
  Statement st(session, "SELECT position FROM stream_cursors WHERE name = :name");
  st.bind(":name", kOutboxCursor);
  return st.step() ? st.int64(0) : 0;
}

void SqlWebhookDeliveryRepository::queue(const std::vector<WebhookDelivery>& deliveries, std::int64_t through) {
  auto session = db_.session();
  Transaction tx(session);
  Statement insert(session, kDeliveries.insert() + " ON CONFLICT(endpoint_id, event_id) DO NOTHING");
  for (const auto& d : deliveries) {
    insert.reset();
    kDeliveries.bind(insert, d);
    insert.step();
  }
  Statement cursor(session,
                   "INSERT INTO stream_cursors(name, position) VALUES (:name, :position) "
                   "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  cursor.bind(":name", kOutboxCursor).bind(":position", through).step();
  tx.commit();
}

void SqlWebhookDeliveryRepository::requeue(const std::vector<WebhookDelivery>& deliveries) {
  auto session = db_.session();
  Transaction tx(session);
  Statement upsert(session, kDeliveries.insert() +
                                " ON CONFLICT(endpoint_id, event_id) DO UPDATE SET state = 'pending', "
                                "attempts = 0, next_attempt_at_ms = excluded.next_attempt_at_ms, "
                                "last_status = 0, last_error = '', updated_at = excluded.updated_at");
  for (const auto& d : deliveries) {
    upsert.reset();
    kDeliveries.bind(upsert, d);
    upsert.step();
  }
  tx.commit();
}

std::vector<std::string> SqlWebhookDeliveryRepository::endpoints_due(std::int64_t now_ms) {
  auto session = db_.session();
  Statement st(session, "SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d " + std::string(kActiveOnly) +
                            " WHERE d.state = 'pending' AND d.next_attempt_at_ms <= :now");
  st.bind(":now", now_ms);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::optional<std::int64_t> SqlWebhookDeliveryRepository::next_due_ms() {
  auto session = db_.session();
  Statement st(session, "SELECT MIN(d.next_attempt_at_ms) FROM webhook_deliveries d " + std::string(kActiveOnly) +
                            " WHERE d.state = 'pending'");
  if (!st.step() || st.is_null(0)) return std::nullopt;
  return st.int64(0);
}

std::vector<WebhookDelivery> SqlWebhookDeliveryRepository::due(const std::string& endpoint_id, std::int64_t now_ms,
                                                               std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kDeliveries.select("WHERE endpoint_id = :endpoint AND state = 'pending' AND "
                                           "next_attempt_at_ms <= :now ORDER BY event_id LIMIT :limit"));
  st.bind(":endpoint", endpoint_id).bind(":now", now_ms).bind(":limit", static_cast<std::int64_t>(limit));
  return kDeliveries.read_all(st);
}

void SqlWebhookDeliveryRepository::record(const std::vector<WebhookDelivery>& attempted) {
  auto session = db_.session();
  Transaction tx(session);
  Statement st(session,
               "UPDATE webhook_deliveries SET state = :state, attempts = :attempts, next_attempt_at_ms = :next, "
               "last_status = :status, last_error = :error, updated_at = :now "
               "WHERE endpoint_id = :endpoint AND event_id = :event");
  for (const auto& d : attempted) {
    st.reset();
    st.bind(":state", to_string(d.state)).bind(":attempts", d.attempts).bind(":next", d.next_attempt_at_ms);
    st.bind(":status", d.last_status).bind(":error", d.last_error).bind(":now", d.updated_at);
    st.bind(":endpoint", d.endpoint_id).bind(":event", d.event_id);
    st.step();
  }
  tx.commit();
}

std::optional<WebhookDelivery> SqlWebhookDeliveryRepository::delivery(const std::string& endpoint_id,
                                                                      const std::string& event_id) {
  auto session = db_.session();
  Statement st(session, kDeliveries.select("WHERE endpoint_id = :endpoint AND event_id = :event"));
  st.bind(":endpoint", endpoint_id).bind(":event", event_id);
  if (!st.step()) return std::nullopt;
  return kDeliveries.read(st);
}

store::Page<WebhookDelivery> SqlWebhookDeliveryRepository::list(const std::string& endpoint_id,
                                                                std::optional<DeliveryState> state,
                                                                const std::optional<std::string>& after,
                                                                std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kDeliveries.select("WHERE endpoint_id = :endpoint AND (:state = '' OR state = :state) "
                                           "AND event_id > :after ORDER BY event_id LIMIT :limit"));
  st.bind(":endpoint", endpoint_id).bind(":state", state ? to_string(*state) : std::string_view());
  st.bind(":after", after.value_or(std::string())).bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kDeliveries.read_page(st, limit, [](const WebhookDelivery& d) { return d.event_id; });
}

std::vector<EndpointHealth> SqlWebhookDeliveryRepository::health() {
  auto session = db_.session();
  // Pending with no attempt yet is "pending"; pending after a failed attempt is "retrying".
  Statement st(session,
               "SELECT endpoint_id, partner_id, SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN state = 'pending' AND attempts = 0 THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), "
               "SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), COALESCE(MIN(CASE WHEN state = 'pending' THEN "
               "created_at END), 0) "
               "FROM webhook_deliveries GROUP BY endpoint_id, partner_id ORDER BY endpoint_id");
  std::vector<EndpointHealth> out;
  while (st.step()) {
    auto count = [&](int col) { return static_cast<std::size_t>(st.int64(col)); };
    out.push_back({st.text(0), st.text(1), count(2), count(3), count(4), count(5), st.int64(6)});
  }
  return out;
}

}  // namespace octopus::webhooks
