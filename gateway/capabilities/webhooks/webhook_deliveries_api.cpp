#include "webhooks/webhook_deliveries_api.hpp"

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/resource_steps.hpp"
#include "store/resource_id.hpp"
#include "webhooks/webhook_payload.hpp"

namespace octopus::webhooks {

using nlohmann::json;

namespace {

constexpr std::int64_t kLongestReplay = 31 * 86'400;  // one replay covers at most a month

bool is_endpoint_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::webhook_endpoint, id); }
bool is_event_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::webhook_event, id); }

json delivery_json(const WebhookDelivery& d) {
  const bool pending = d.state == DeliveryState::pending;
  return {{"event_id", d.event_id},
          {"type", d.type},
          {"state", to_string(d.state)},
          {"attempts", d.attempts},
          {"next_attempt_at", pending ? json(http::rfc3339(d.next_attempt_at_ms / 1000)) : json()},
          {"last_status", d.last_status ? json(d.last_status) : json()},
          {"last_error", d.last_error},
          {"created_at", http::rfc3339(d.created_at)},
          {"updated_at", http::rfc3339(d.updated_at)}};
}

http::Response invalid(http::RequestContext& ctx, std::string_view pointer, std::string detail) {
  return http::make_problem(ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
                            {{"errors", json::array({{{"pointer", pointer}, {"detail", std::move(detail)}}})}});
}

class DeliveryHandlers {
 public:
  explicit DeliveryHandlers(WebhookDeliveriesApiDeps deps) : deps_(std::move(deps)) {}

  http::Response list(http::RequestContext& ctx) {
    auto endpoint = owned(ctx);
    if (!endpoint) return endpoint.answer();
    auto request = http::page_request(ctx, is_event_id);
    if (!request) return request.answer();
    std::optional<DeliveryState> state;
    if (auto it = request->query.find("state"); it != request->query.end()) {
      state = parse_delivery_state(it->second);
      if (!state)
        return http::make_problem(ctx, http::problems::malformed_request, "state must be pending, delivered or dead.");
    }
    const auto page = deps_.deliveries.list(endpoint->id, state, request->after, request->limit);
    json items = json::array();
    for (const auto& d : page.items) items.push_back(delivery_json(d));
    return http::make_json(
        200, {{"items", std::move(items)}, {"next_cursor", page.next_after ? json(*page.next_after) : json()}});
  }

  http::Response replay(http::RequestContext& ctx) {
    auto endpoint = owned(ctx);
    if (!endpoint) return endpoint.answer();
    auto body = http::json_body(ctx);
    if (!body) return body.answer();
    std::vector<WebhookDelivery> queued;
    if (body->contains("event_id")) {
      auto again = one_event(ctx, *endpoint, (*body)["event_id"].get<std::string>());
      if (!again) return again.answer();
      queued.push_back(std::move(*again));
    } else {
      auto range = time_range(ctx, *body);
      if (!range) return range.answer();
      const auto now_ms = deps_.clock.unix_millis();
      for (const auto& item : deps_.ledger.outbox_created(endpoint->partner_id, range->first, range->second))
        if (takes(*endpoint, item.event.type))
          queued.push_back(settlement_delivery(*endpoint, item, deps_.tokenizer, now_ms));
    }
    deps_.deliveries.requeue(queued);
    deps_.wake_dispatcher();
    return http::make_json(202, {{"queued", queued.size()}});
  }

  http::Response test(http::RequestContext& ctx) {
    auto endpoint = owned(ctx);
    if (!endpoint) return endpoint.answer();
    const auto ping = ping_delivery(*endpoint, deps_.clock.unix_millis());
    deps_.deliveries.requeue({ping});
    deps_.wake_dispatcher();
    return http::make_json(202, {{"event_id", ping.event_id}});
  }

  http::Response signing_keys(http::RequestContext&) {
    return http::make_json(200, {{"keys", json::array({{{"id", deps_.signer.key_id()},
                                                        {"algorithm", "ed25519"},
                                                        {"public_key", deps_.signer.public_key()}}})}});
  }

 private:
  http::Step<WebhookEndpoint> owned(http::RequestContext& ctx) {
    return http::owned(ctx, "webhook endpoint", is_endpoint_id,
                       [&](const std::string& id) { return deps_.endpoints.get_endpoint(ctx.principal->id, id); });
  }

  // The endpoint's delivery of `event_id`, queued afresh with the same payload.
  http::Step<WebhookDelivery> one_event(http::RequestContext& ctx, const WebhookEndpoint& endpoint,
                                        const std::string& event_id) {
    auto d = is_event_id(event_id) ? deps_.deliveries.delivery(endpoint.id, event_id) : std::nullopt;
    if (!d) return invalid(ctx, "/event_id", "this endpoint was never sent an event with this id");
    d->next_attempt_at_ms = deps_.clock.unix_millis();
    d->updated_at = deps_.clock.unix_seconds();
    return std::move(*d);
  }

  // [from, until) in Unix seconds: until after from, at most a month apart.
  http::Step<std::pair<std::int64_t, std::int64_t>> time_range(http::RequestContext& ctx, const json& body) {
    const auto from = http::parse_rfc3339(body["from"].get<std::string>());
    const auto until = http::parse_rfc3339(body["until"].get<std::string>());
    if (!from || !until) return invalid(ctx, !from ? "/from" : "/until", "not an RFC 3339 date-time");
    if (*until <= *from) return invalid(ctx, "/until", "must be after from");
    if (*until - *from > kLongestReplay) return invalid(ctx, "/until", "one replay covers at most 31 days");
    return std::make_pair(*from, *until);
  }

  WebhookDeliveriesApiDeps deps_;
};

}  // namespace

void register_webhook_delivery_routes(http::Pipeline& partner_plane, WebhookDeliveriesApiDeps deps) {
  using H = DeliveryHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  const auto admin = CapabilityClass::resource_admin;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(std::move(deps)),
      {{"GET", "/v1/webhook-endpoints/{id}/deliveries", &H::list, Scope::webhooks_read, CapabilityClass::reads},
       {"POST", "/v1/webhook-endpoints/{id}/replay", &H::replay, Scope::webhooks_write, admin},
       {"POST", "/v1/webhook-endpoints/{id}/test", &H::test, Scope::webhooks_write, admin},
       {"GET", "/v1/webhook-signing-keys", &H::signing_keys, Scope::webhooks_read, CapabilityClass::reads}});
}

}  // namespace octopus::webhooks
