#include "capabilities/capabilities_api.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/scopes.hpp"
#include "http/problem.hpp"

namespace octopus::capabilities {

namespace {
http::Response get_capabilities(http::RequestContext& ctx) {
  const auto& p = *ctx.principal;  // guaranteed by the authentication stage
  nlohmann::json caps = nlohmann::json::array();
  // Keep the table's order: one entry per capability, its operations in order.
  for (const auto& grant : auth::kScopes) {
    if (std::ranges::find(p.scopes, grant.scope) == p.scopes.end()) continue;
    auto it = std::find_if(caps.begin(), caps.end(), [&](const auto& c) { return c["name"] == grant.capability; });
    if (it == caps.end()) {
      caps.push_back({{"name", grant.capability}, {"operations", nlohmann::json::array()}});
      it = caps.end() - 1;
    }
    (*it)["operations"].push_back(grant.operation);
  }
  nlohmann::json scopes = nlohmann::json::array();
  for (const auto& s : p.scopes)
    if (auth::is_known_scope(s)) scopes.push_back(s);
  return http::make_json(200, {{"partner_id", p.id},
                               {"display_name", p.display_name},
                               {"tier", p.tier},
                               {"category", p.category},
                               {"scopes", scopes},
                               {"capabilities", caps}});
}
}  // namespace

void register_routes(http::Pipeline& partner_plane) {
  partner_plane.add_route({.method = "GET", .pattern = "/v1/capabilities", .handler = get_capabilities});
}

}  // namespace octopus::capabilities
