#include "admin/webhook_health_api.hpp"

#include <array>
#include <map>

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

namespace {
const observability::MetricFamily kCallbacks{
    "octopus_webhook_deliveries", observability::MetricType::gauge,
    "Callbacks to partners' endpoints by partner and state: delivered, pending, "
    "retrying, dead (retries exhausted)."};
}  // namespace

std::unique_ptr<observability::ScopedCollector> collect_webhook_metrics(
    webhooks::WebhookDeliveryRepository& deliveries) {
  return std::make_unique<observability::ScopedCollector>([&deliveries](std::vector<observability::Sample>& out) {
    std::map<std::string, std::array<std::size_t, 4>> by_partner;
    try {
      for (const auto& h : deliveries.health()) {
        auto& n = by_partner[h.partner_id];
        n[0] += h.delivered, n[1] += h.pending, n[2] += h.retrying, n[3] += h.dead;
      }
    } catch (const std::exception&) {
      return;  // the store did not answer: no figures this scrape
    }
    static constexpr const char* kStates[] = {"delivered", "pending", "retrying", "dead"};
    for (const auto& [partner, n] : by_partner)
      for (std::size_t i = 0; i < n.size(); ++i)
        out.push_back({"octopus_webhook_deliveries{partner=\"" + observability::label_value(partner) + "\",state=\"" +
                           kStates[i] + "\"}",
                       static_cast<double>(n[i])});
  });
}

}  // namespace octopus::admin
