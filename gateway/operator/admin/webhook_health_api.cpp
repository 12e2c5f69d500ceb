#include "admin/webhook_health_api.hpp"

#include "http/formats.hpp"
#include "http/problem.hpp"

namespace octopus::admin {

using nlohmann::json;

namespace {
json health_json(const webhooks::EndpointHealth& h) {
  return {{"endpoint_id", h.endpoint_id},
          {"partner_id", h.partner_id},
          {"delivered", h.delivered},
          {"pending", h.pending},
          {"retrying", h.retrying},
          {"dead", h.dead},
          {"oldest_pending_at", h.oldest_pending_at ? json(http::rfc3339(h.oldest_pending_at)) : json()}};
}
}  // namespace

void register_webhook_health_route(http::Pipeline& admin_plane, webhooks::WebhookDeliveryRepository& deliveries) {
  admin_plane.add_route({.method = "GET",
                         .pattern = "/admin/v1/webhooks/health",
                         .handler =
                             [&deliveries](http::RequestContext&) {
                               json endpoints = json::array();
                               for (const auto& h : deliveries.health()) endpoints.push_back(health_json(h));
                               return http::make_json(200, {{"endpoints", std::move(endpoints)}});
                             },
                         .blocking = true,
                         .roles = {vocabulary::Role::admin, vocabulary::Role::operator_, vocabulary::Role::viewer}});
}

}  // namespace octopus::admin
