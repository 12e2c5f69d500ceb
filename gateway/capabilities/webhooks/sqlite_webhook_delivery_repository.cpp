#include "webhooks/sqlite_webhook_delivery_repository.hpp"

#include "store/sqlite/row_mapper.hpp"

namespace octopus::store::sqlite {
template <>
struct ColumnValue<webhooks::DeliveryState>
    : NamedColumnValue<webhooks::DeliveryState, webhooks::parse_delivery_state> {};
}  // namespace octopus::store::sqlite

namespace octopus::webhooks {

using store::sqlite::column;
using store::sqlite::RowMapper;
using store::sqlite::Statement;
using store::sqlite::Transaction;

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

std::int64_t SqliteWebhookDeliveryRepository::queued_through() {
  auto held = db_.lock();
  Statement st(db_.handle(), "SELECT position FROM stream_cursors WHERE name = :name");
  st.bind(":name", kOutboxCursor);
  return st.step() ? st.int64(0) : 0;
}

void SqliteWebhookDeliveryRepository::queue(const std::vector<WebhookDelivery>& deliveries, std::int64_t through) {
  auto held = db_.lock();
  Transaction tx(db_.handle());
  Statement insert(db_.handle(), kDeliveries.insert() + " ON CONFLICT(endpoint_id, event_id) DO NOTHING");
  for (const auto& d : deliveries) {
    insert.reset();
    kDeliveries.bind(insert, d);
    insert.step();
  }
  Statement cursor(db_.handle(),
                   "INSERT INTO stream_cursors(name, position) VALUES (:name, :position) "
                   "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  cursor.bind(":name", kOutboxCursor).bind(":position", through).step();
  tx.commit();
}

void SqliteWebhookDeliveryRepository::requeue(const std::vector<WebhookDelivery>& deliveries) {
  auto held = db_.lock();
  Transaction tx(db_.handle());
  Statement upsert(db_.handle(), kDeliveries.insert() +
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

std::vector<std::string> SqliteWebhookDeliveryRepository::endpoints_due(std::int64_t now_ms) {
  auto held = db_.lock();
  Statement st(db_.handle(), "SELECT DISTINCT d.endpoint_id FROM webhook_deliveries d " + std::string(kActiveOnly) +
                                 " WHERE d.state = 'pending' AND d.next_attempt_at_ms <= :now");
  st.bind(":now", now_ms);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::optional<std::int64_t> SqliteWebhookDeliveryRepository::next_due_ms() {
  auto held = db_.lock();
  Statement st(db_.handle(), "SELECT MIN(d.next_attempt_at_ms) FROM webhook_deliveries d " + std::string(kActiveOnly) +
                                 " WHERE d.state = 'pending'");
  if (!st.step() || st.is_null(0)) return std::nullopt;
  return st.int64(0);
}

std::vector<WebhookDelivery> SqliteWebhookDeliveryRepository::due(const std::string& endpoint_id, std::int64_t now_ms,
                                                                  std::size_t limit) {
  auto held = db_.lock();
  Statement st(db_.handle(), kDeliveries.select("WHERE endpoint_id = :endpoint AND state = 'pending' AND "
                                                "next_attempt_at_ms <= :now ORDER BY event_id LIMIT :limit"));
  st.bind(":endpoint", endpoint_id).bind(":now", now_ms).bind(":limit", static_cast<std::int64_t>(limit));
  return kDeliveries.read_all(st);
}

void SqliteWebhookDeliveryRepository::record(const std::vector<WebhookDelivery>& attempted) {
  auto held = db_.lock();
  Transaction tx(db_.handle());
  Statement st(db_.handle(),
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

std::optional<WebhookDelivery> SqliteWebhookDeliveryRepository::delivery(const std::string& endpoint_id,
                                                                         const std::string& event_id) {
  auto held = db_.lock();
  Statement st(db_.handle(), kDeliveries.select("WHERE endpoint_id = :endpoint AND event_id = :event"));
  st.bind(":endpoint", endpoint_id).bind(":event", event_id);
  if (!st.step()) return std::nullopt;
  return kDeliveries.read(st);
}

store::Page<WebhookDelivery> SqliteWebhookDeliveryRepository::list(const std::string& endpoint_id,
                                                                   std::optional<DeliveryState> state,
                                                                   const std::optional<std::string>& after,
                                                                   std::size_t limit) {
  auto held = db_.lock();
  Statement st(db_.handle(), kDeliveries.select("WHERE endpoint_id = :endpoint AND (:state = '' OR state = :state) "
                                                "AND event_id > :after ORDER BY event_id LIMIT :limit"));
  st.bind(":endpoint", endpoint_id).bind(":state", state ? to_string(*state) : std::string_view());
  st.bind(":after", after.value_or(std::string())).bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kDeliveries.read_page(st, limit, [](const WebhookDelivery& d) { return d.event_id; });
}

std::vector<EndpointHealth> SqliteWebhookDeliveryRepository::health() {
  auto held = db_.lock();
  // Pending with no attempt yet is "pending"; pending after a failed attempt is "retrying".
  Statement st(db_.handle(),
               "SELECT endpoint_id, partner_id, SUM(state = 'delivered'), "
               "SUM(state = 'pending' AND attempts = 0), SUM(state = 'pending' AND attempts > 0), "
               "SUM(state = 'dead'), COALESCE(MIN(CASE WHEN state = 'pending' THEN created_at END), 0) "
               "FROM webhook_deliveries GROUP BY endpoint_id, partner_id ORDER BY endpoint_id");
  std::vector<EndpointHealth> out;
  while (st.step()) {
    auto count = [&](int col) { return static_cast<std::size_t>(st.int64(col)); };
    out.push_back({st.text(0), st.text(1), count(2), count(3), count(4), count(5), st.int64(6)});
  }
  return out;
}

}  // namespace octopus::webhooks
