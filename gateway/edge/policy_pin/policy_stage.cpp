#include "policy_pin/policy_stage.hpp"

#include "http/problem.hpp"

namespace octopus::policy {

std::optional<http::Response> PolicyStage::on_request(http::RequestContext& ctx) {
  ctx.policy = registry_.current();
  // Deny by default: the gateway does not start without a policy, but if it ever has none,
  // nothing is decided without one.
  if (!ctx.policy)
    return http::make_problem(ctx, http::problems::service_unavailable, "No policy is loaded; try again later.");
  ctx.policy_version = ctx.policy->version;
  return std::nullopt;
}

}  // namespace octopus::policy
