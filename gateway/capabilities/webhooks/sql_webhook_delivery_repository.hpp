// Webhook deliveries in the embedded database; the outbox position is a stream cursor
// ("webhooks.outbox") written in the same transaction as the deliveries it queued.
#pragma once
#include "store/sql/sql_repository.hpp"
#include "webhooks/webhook_delivery_repository.hpp"

namespace octopus::webhooks {

class SqlWebhookDeliveryRepository final : public WebhookDeliveryRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  std::int64_t queued_through() override;
  void queue(const std::vector<WebhookDelivery>& deliveries, std::int64_t through) override;
  void requeue(const std::vector<WebhookDelivery>& deliveries) override;
  std::vector<std::string> endpoints_due(std::int64_t now_ms) override;
  std::optional<std::int64_t> next_due_ms() override;
  std::vector<WebhookDelivery> due(const std::string& endpoint_id, std::int64_t now_ms, std::size_t limit) override;
  void record(const std::vector<WebhookDelivery>& attempted) override;
  std::optional<WebhookDelivery> delivery(const std::string& endpoint_id, const std::string& event_id) override;
  store::Page<WebhookDelivery> list(const std::string& endpoint_id, std::optional<DeliveryState> state,
                                    const std::optional<std::string>& after, std::size_t limit) override;
  std::vector<EndpointHealth> health() override;
};

}  // namespace octopus::webhooks
