#include "quota/rate_limit_stage.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"
#include "http/router.hpp"

namespace octopus::quota {

std::optional<http::Response> RateLimitStage::on_request(http::RequestContext& ctx) {
  // The policy and authentication stages run first; without them there is nothing to count.
  if (!ctx.policy || !ctx.principal) return std::nullopt;
  // Every partner route declares its class (the pipeline refuses one that does not).
  const auto capability_class = *ctx.route->capability_class;
  const LimitDecision d = limiter_.admit(*ctx.policy, ctx.principal->id, capability_class);

  ctx.response_headers.emplace_back("RateLimit-Policy", d.policy_field());
  if (auto fields = d.limit_field(); !fields.empty()) ctx.response_headers.emplace_back("RateLimit", std::move(fields));
  if (!d.refused()) return std::nullopt;

  ctx.response_headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
  if (d.refused_by_outage)
    return http::make_problem(ctx, http::problems::service_unavailable,
                              "Usage limits cannot be checked right now, and this plan does not send " +
                                  std::string(policy::to_string(capability_class)) +
                                  " unmetered. Retry after the indicated time.");
  const std::string plan(d.plan), violated = d.violated_policy();
  const nlohmann::json extensions = {{"violated-policies", {violated}}, {"plan", plan}};
  if (d.verdict == Verdict::rate_limited)
    return http::make_problem(ctx, http::problems::rate_limited,
                              "Plan '" + plan + "' allows this rate for " + violated + "; slow down and retry after " +
                                  std::to_string(d.retry_after_s) + " s.",
                              extensions);
  return http::make_problem(ctx, http::problems::quota_exhausted,
                            "Plan '" + plan + "' allowance " + violated + " is used up for this period; it renews in " +
                                std::to_string(d.retry_after_s) + " s.",
                            extensions);
}

}  // namespace octopus::quota
