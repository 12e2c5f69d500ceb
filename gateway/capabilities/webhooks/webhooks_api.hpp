// Partners' webhook endpoints on the partner plane: register one (the signing secret is
// shown once), list, read, delete, and rotate its secret (the old one keeps signing for a
// day, so receivers can switch without losing a callback). A URL must be https and reach
// only public addresses (http/outbound_url.hpp).
#pragma once
#include "http/pipeline.hpp"
#include "vocabulary/clock.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

struct WebhooksApiDeps {
  WebhookEndpointRepository& endpoints;
  bool allow_loopback = false;  // development only: loopback receivers, http allowed
  const Clock& clock = system_clock();
};

void register_webhook_routes(http::Pipeline& partner_plane, WebhooksApiDeps deps);

}  // namespace octopus::webhooks
