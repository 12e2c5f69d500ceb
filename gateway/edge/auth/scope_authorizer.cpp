#include "auth/scope_authorizer.hpp"

#include <algorithm>

#include "auth/auth_problems.hpp"
#include "http/router.hpp"

namespace octopus::auth {

std::optional<http::Response> ScopeAuthorizer::on_request(http::RequestContext& ctx) {
  if (ctx.route->required_scope == vocabulary::Scope::none) return std::nullopt;
  const auto needed = vocabulary::to_string(ctx.route->required_scope);
  // Deny by default: no principal means no scope.
  if (ctx.principal && std::ranges::find(ctx.principal->scopes, needed) != ctx.principal->scopes.end())
    return std::nullopt;
  return http::make_problem(ctx, problems::insufficient_scope,
                            "This operation requires the scope '" + std::string(needed) + "'.");
}

}  // namespace octopus::auth
