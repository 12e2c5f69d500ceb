#include "webhooks/webhooks_api.hpp"

#include "http/formats.hpp"
#include "http/json_body.hpp"
#include "http/outbound_url.hpp"
#include "http/resource_steps.hpp"
#include "octopus/protocol/standard_webhooks.hpp"
#include "store/resource_id.hpp"
#include "webhooks/webhook_payload.hpp"

namespace octopus::webhooks {

using nlohmann::json;

namespace {

constexpr std::int64_t kRotationOverlap = 86'400;  // the previous secret keeps signing for a day

bool is_endpoint_id(std::string_view id) { return store::is_resource_id(store::ResourceKind::webhook_endpoint, id); }

json endpoint_json(const WebhookEndpoint& e) {
  return {{"id", e.id},
          {"url", e.url},
          {"event_types", e.event_types},
          {"payload_version", e.payload_version},
          {"signature_versions", e.signature_versions},
          {"created_at", http::rfc3339(e.created_at)},
          {"updated_at", http::rfc3339(e.updated_at)}};
}

class WebhookHandlers {
 public:
  explicit WebhookHandlers(WebhooksApiDeps deps) : deps_(deps) {}

  http::Response create(http::RequestContext& ctx) {
    auto body = http::json_body(ctx);
    if (!body) return body.answer();
    const std::string url = (*body)["url"];
    if (auto refused = unsafe_url(ctx, url)) return *refused;
    WebhookEndpoint e;
    e.id = store::new_resource_id(store::ResourceKind::webhook_endpoint);
    e.partner_id = ctx.principal->id;
    e.url = url;
    e.event_types = (*body)["event_types"].get<std::vector<std::string>>();
    e.payload_version = body->value("payload_version", std::string(kPayloadVersion));
    if (body->contains("signature_versions"))
      e.signature_versions = (*body)["signature_versions"].get<std::vector<std::string>>();
    e.secret = protocol::WebhookSecret::generate().to_string();
    e.created_at = e.updated_at = deps_.clock.unix_seconds();
    if (deps_.endpoints.create_endpoint(e) != store::WriteResult::ok) throw std::runtime_error("endpoint id collision");
    auto out = endpoint_json(e);
    out["secret"] = e.secret;  // shown this once
    return http::accepted(201, out, "/v1/webhook-endpoints/" + e.id);
  }

  http::Response list(http::RequestContext& ctx) {
    auto request = http::page_request(ctx, is_endpoint_id);
    if (!request) return request.answer();
    const auto page = deps_.endpoints.list_endpoints(ctx.principal->id, request->after, request->limit);
    return http::make_json(200, http::page_json(page, endpoint_json));
  }

  http::Response get(http::RequestContext& ctx) {
    auto e = owned(ctx);
    if (!e) return e.answer();
    return http::make_json(200, endpoint_json(*e));
  }

  http::Response remove(http::RequestContext& ctx) {
    auto e = owned(ctx);
    if (!e) return e.answer();
    if (deps_.endpoints.delete_endpoint(e->partner_id, e->id, deps_.clock.unix_seconds()) != store::WriteResult::ok)
      return http::not_owned(ctx, "webhook endpoint");
    return http::no_content();
  }

  http::Response rotate_secret(http::RequestContext& ctx) {
    auto e = owned(ctx);
    if (!e) return e.answer();
    const auto now = deps_.clock.unix_seconds();
    const auto secret = protocol::WebhookSecret::generate().to_string();
    if (deps_.endpoints.rotate_secret(e->partner_id, e->id, secret, now + kRotationOverlap, now) !=
        store::WriteResult::ok)
      return http::not_owned(ctx, "webhook endpoint");
    return http::make_json(
        200,
        {{"id", e->id}, {"secret", secret}, {"previous_secret_expires_at", http::rfc3339(now + kRotationOverlap)}});
  }

 private:
  http::Step<WebhookEndpoint> owned(http::RequestContext& ctx) {
    return http::owned(ctx, "webhook endpoint", is_endpoint_id,
                       [&](const std::string& id) { return deps_.endpoints.get_endpoint(ctx.principal->id, id); });
  }

  // A URL the gateway will not call: not https, or a host with any non-public address.
  std::optional<http::Response> unsafe_url(http::RequestContext& ctx, const std::string& url) const {
    std::string why;
    const auto parsed = http::parse_outbound_url(url, deps_.allow_loopback, why);
    if (parsed) why = http::check_destination(parsed->host, parsed->port, deps_.allow_loopback).refusal;
    if (why.empty()) return std::nullopt;
    return http::make_problem(ctx, http::problems::validation_error, "1 field(s) are invalid; see errors.",
                              {{"errors", json::array({{{"pointer", "/url"}, {"detail", why}}})}});
  }

  WebhooksApiDeps deps_;
};

}  // namespace

void register_webhook_routes(http::Pipeline& partner_plane, WebhooksApiDeps deps) {
  using H = WebhookHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  const auto admin = CapabilityClass::resource_admin;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(deps),
      {{"POST", "/v1/webhook-endpoints", &H::create, Scope::webhooks_write, admin, true},
       {"GET", "/v1/webhook-endpoints", &H::list, Scope::webhooks_read, CapabilityClass::reads},
       {"GET", "/v1/webhook-endpoints/{id}", &H::get, Scope::webhooks_read, CapabilityClass::reads},
       {"DELETE", "/v1/webhook-endpoints/{id}", &H::remove, Scope::webhooks_write, admin},
       {"POST", "/v1/webhook-endpoints/{id}/rotate-secret", &H::rotate_secret, Scope::webhooks_write, admin}});
}

}  // namespace octopus::webhooks
