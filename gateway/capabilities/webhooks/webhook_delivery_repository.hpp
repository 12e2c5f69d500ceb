// Each callback owed to each endpoint: its fixed payload (the same bytes on every attempt,
// so a receiver that dedupes by webhook-id sees one event) and where its attempts stand.
// Rows are queued from the ledger's outbox together with the outbox position they reach, in
// one transaction, so an event is queued exactly once whatever the process survives; an
// attempt's outcome is recorded after it, so a crash between the two means one more attempt
// (at least once, never lost).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.hpp"

namespace octopus::webhooks {

enum class DeliveryState { pending, delivered, dead };

std::string_view to_string(DeliveryState state);
std::optional<DeliveryState> parse_delivery_state(std::string_view text);

struct WebhookDelivery {
  std::string endpoint_id;
  std::string event_id;  // "msg_...": the webhook-id of every attempt
  std::string partner_id;
  std::string type;
  std::string payload;
  DeliveryState state = DeliveryState::pending;
  std::int64_t attempts = 0;
  std::int64_t next_attempt_at_ms = 0;
  std::int64_t last_status = 0;  // the receiver's last HTTP status; 0 when it gave none
  std::string last_error;        // why the last attempt failed, as the partner may see it
  std::int64_t created_at = 0;   // Unix seconds the event was created
  std::int64_t updated_at = 0;
};

// Where one endpoint's callbacks stand.
struct EndpointHealth {
  std::string endpoint_id;
  std::string partner_id;
  std::size_t delivered = 0, pending = 0, retrying = 0, dead = 0;
  std::int64_t oldest_pending_at = 0;  // Unix seconds; 0 when nothing is pending
};

class WebhookDeliveryRepository {
 public:
  virtual ~WebhookDeliveryRepository() = default;
  // How far the ledger's outbox has been queued (its last entry sequence).
  virtual std::int64_t queued_through() = 0;
  // Queues `deliveries` (one already queued is left as it is) and moves the outbox position
  // to `through`, in one transaction.
  virtual void queue(const std::vector<WebhookDelivery>& deliveries, std::int64_t through) = 0;
  // Queues each delivery afresh (pending, no attempts, due now), whatever became of it
  // before: replays and test pings.
  virtual void requeue(const std::vector<WebhookDelivery>& deliveries) = 0;
  // The endpoints with a pending delivery due at `now_ms`.
  virtual std::vector<std::string> endpoints_due(std::int64_t now_ms) = 0;
  // When the next pending delivery falls due, if any does.
  virtual std::optional<std::int64_t> next_due_ms() = 0;
  // An endpoint's pending deliveries due at `now_ms`, oldest event first.
  virtual std::vector<WebhookDelivery> due(const std::string& endpoint_id, std::int64_t now_ms, std::size_t limit) = 0;
  // Saves what the attempts made of these deliveries (state, attempts, next attempt, last
  // status and error), in one transaction.
  virtual void record(const std::vector<WebhookDelivery>& attempted) = 0;
  // One endpoint's delivery of one event.
  virtual std::optional<WebhookDelivery> delivery(const std::string& endpoint_id, const std::string& event_id) = 0;
  // An endpoint's deliveries in the order of their events (ids sort by creation),
  // optionally in one state; the cursor is the event id.
  virtual store::Page<WebhookDelivery> list(const std::string& endpoint_id, std::optional<DeliveryState> state,
                                            const std::optional<std::string>& after, std::size_t limit) = 0;
  // Every endpoint that has deliveries, by endpoint id.
  virtual std::vector<EndpointHealth> health() = 0;
};

}  // namespace octopus::webhooks
