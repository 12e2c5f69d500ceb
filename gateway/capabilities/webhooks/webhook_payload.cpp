#include "webhooks/webhook_payload.hpp"

#include <algorithm>

#include "http/formats.hpp"
#include "settlement/entry_json.hpp"
#include "store/resource_id.hpp"

namespace octopus::webhooks {

namespace {

WebhookDelivery delivery(const WebhookEndpoint& endpoint, std::string event_id, std::string type,
                         const nlohmann::json& data, std::int64_t created_at, std::int64_t now_ms) {
  WebhookDelivery d;
  d.endpoint_id = endpoint.id;
  d.partner_id = endpoint.partner_id;
  d.payload =
      nlohmann::json{{"id", event_id}, {"type", type}, {"timestamp", http::rfc3339(created_at)}, {"data", data}}.dump();
  d.event_id = std::move(event_id);
  d.type = std::move(type);
  d.next_attempt_at_ms = now_ms;
  d.created_at = created_at;
  d.updated_at = now_ms / 1000;
  return d;
}

}  // namespace

bool takes(const WebhookEndpoint& endpoint, std::string_view type) {
  const auto& types = endpoint.event_types;
  return type == "ping" || std::find(types.begin(), types.end(), type) != types.end();
}

WebhookDelivery settlement_delivery(const WebhookEndpoint& endpoint, const settlement::OutboxItem& item,
                                    const tokens::PartnerTokenizer& tokenizer, std::int64_t now_ms) {
  return delivery(endpoint, item.event.id, item.event.type, settlement::entry_json(item.entry, tokenizer),
                  item.event.created_at, now_ms);
}

WebhookDelivery ping_delivery(const WebhookEndpoint& endpoint, std::int64_t now_ms) {
  return delivery(endpoint, store::new_resource_id(store::ResourceKind::webhook_event), "ping",
                  {{"endpoint_id", endpoint.id}}, now_ms / 1000, now_ms);
}

}  // namespace octopus::webhooks
