#include "catalogue/capabilities_api.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/scopes.hpp"
#include "http/problem.hpp"

namespace octopus::capabilities {

namespace {
// Built by hand rather than through a JSON DOM: this is the partner plane's hottest
// handler (the SDK's "ping"), and the DOM cost more than a signature check's parsing.
// Every value but display_name is a known-safe ASCII token from the scope table or the
// registry's validated patterns; display_name is escaped by the JSON library.
void append_quoted(std::string& out, std::string_view token) {
  out += '"';
  out += token;
  out += '"';
}

http::Response get_capabilities(http::RequestContext& ctx) {
  const auto& p = *ctx.principal;  // guaranteed by the authentication stage
  std::string body;
  body.reserve(256 + 48 * p.scopes.size());
  body += "{\"partner_id\":";
  append_quoted(body, p.id);
  body += ",\"display_name\":";
  body += nlohmann::json(p.display_name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  body += ",\"tier\":";
  append_quoted(body, p.tier);
  body += ",\"category\":";
  append_quoted(body, p.category);
  body += ",\"scopes\":[";
  bool first = true;
  for (const auto& grant : auth::kScopes) {
    if (std::ranges::find(p.scopes, grant.name) == p.scopes.end()) continue;
    if (!first) body += ',';
    append_quoted(body, grant.name);
    first = false;
  }
  // One entry per capability in the table's order, its operations in order.
  body += "],\"capabilities\":[";
  std::string_view open_capability;
  for (const auto& grant : auth::kScopes) {
    if (std::ranges::find(p.scopes, grant.name) == p.scopes.end()) continue;
    if (grant.capability != open_capability) {
      if (!open_capability.empty()) body += "]},";
      body += "{\"name\":";
      append_quoted(body, grant.capability);
      body += ",\"operations\":[";
      open_capability = grant.capability;
    } else {
      body += ',';
    }
    append_quoted(body, grant.operation);
  }
  if (!open_capability.empty()) body += "]}";
  body += "]}";

  http::Response r;
  r.set_header("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}
}  // namespace

void register_routes(http::Pipeline& partner_plane) {
  partner_plane.add_route({.method = "GET",
                           .pattern = "/v1/capabilities",
                           .handler = get_capabilities,
                           .capability_class = vocabulary::CapabilityClass::reads});
}

}  // namespace octopus::capabilities
