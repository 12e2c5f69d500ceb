// Webhook endpoints in the embedded database.
#pragma once
#include "store/sql/sql_repository.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

class SqlWebhookEndpointRepository final : public WebhookEndpointRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_endpoint(const WebhookEndpoint& endpoint) override;
  std::optional<WebhookEndpoint> get_endpoint(const std::string& partner_id, const std::string& id) override;
  std::vector<WebhookEndpoint> active_endpoints() override;
  WebhookEndpointPage list_endpoints(const std::string& partner_id, const std::optional<std::string>& after,
                                     std::size_t limit) override;
  store::WriteResult delete_endpoint(const std::string& partner_id, const std::string& id, std::int64_t now) override;
  store::WriteResult rotate_secret(const std::string& partner_id, const std::string& id, const std::string& secret,
                                   std::int64_t previous_until, std::int64_t now) override;
};

}  // namespace octopus::webhooks
