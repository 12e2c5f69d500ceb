// Where partners want their callbacks: URLs with the event types each takes, the payload
// version it is pinned to, and the secret its callbacks are signed with (and, while a
// rotation overlaps, the previous one, until it expires).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.hpp"

namespace octopus::webhooks {

struct WebhookEndpoint {
  std::string id;  // "whe_..."
  std::string partner_id;
  std::string url;
  std::vector<std::string> event_types;
  std::string payload_version;
  std::vector<std::string> signature_versions{"v1"};  // "v1" (HMAC) always; "v1a" (Ed25519) on request
  std::string secret;                                 // "whsec_..."
  std::string previous_secret;                        // "" unless a rotation overlaps
  std::int64_t previous_secret_until = 0;             // Unix seconds the previous secret stops signing
  std::string status = "active";                      // active | deleted
  std::int64_t created_at = 0, updated_at = 0;
};

using WebhookEndpointPage = store::Page<WebhookEndpoint>;

class WebhookEndpointRepository {
 public:
  virtual ~WebhookEndpointRepository() = default;
  virtual store::WriteResult create_endpoint(const WebhookEndpoint& endpoint) = 0;
  // The partner's active endpoint with this id.
  virtual std::optional<WebhookEndpoint> get_endpoint(const std::string& partner_id, const std::string& id) = 0;
  // Every active endpoint (every partner's): where the dispatcher sends.
  virtual std::vector<WebhookEndpoint> active_endpoints() = 0;
  virtual WebhookEndpointPage list_endpoints(const std::string& partner_id, const std::optional<std::string>& after,
                                             std::size_t limit) = 0;
  // not_found unless the partner has this active endpoint.
  virtual store::WriteResult delete_endpoint(const std::string& partner_id, const std::string& id,
                                             std::int64_t now) = 0;
  // Makes `secret` the signing secret; the current one keeps signing until `previous_until`.
  virtual store::WriteResult rotate_secret(const std::string& partner_id, const std::string& id,
                                           const std::string& secret, std::int64_t previous_until,
                                           std::int64_t now) = 0;
};

}  // namespace octopus::webhooks
