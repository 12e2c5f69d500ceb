// GET /admin/v1/webhooks/health: where each partner endpoint's callbacks stand (delivered,
// pending, retrying, dead-lettered, the oldest still pending), so operators see a partner's
// failing receiver before the partner calls about missing money.
#pragma once
#include <memory>

#include "observability/metrics.hpp"
#include "http/pipeline.hpp"
#include "webhooks/webhook_delivery_repository.hpp"

namespace octopus::admin {

void register_webhook_health_route(http::Pipeline& admin_plane, webhooks::WebhookDeliveryRepository& deliveries);

// Partners' callbacks by state (delivered, pending, retrying, dead) as gauges at each scrape.
std::unique_ptr<observability::ScopedCollector> collect_webhook_metrics(
    webhooks::WebhookDeliveryRepository& deliveries);

}  // namespace octopus::admin
