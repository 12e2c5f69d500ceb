#include "deliveries/consent_gate.hpp"

#include <nlohmann/json.hpp>

#include "deliveries/delivery_decider.hpp"
#include "http/problem.hpp"
#include "policy/consent_evaluator.hpp"

namespace octopus::deliveries {

std::optional<http::Response> consent_gate(http::RequestContext& ctx, policy::Capability capability,
                                           const std::string& channel_name, const std::string& purpose,
                                           std::int64_t now, std::string_view denied_detail) {
  const auto channel = policy::parse_channel(channel_name);
  const auto context = channel
                           ? decision_context(*ctx.policy, capability, *channel, purpose, ctx.principal->category, now)
                           : std::nullopt;
  if (!context)
    return http::make_problem(
        ctx, http::problems::validation_error, "The purpose is not one the consent policy knows.",
        {{"errors",
          nlohmann::json::array({{{"pointer", "/purpose"}, {"detail", "is not a purpose of the consent policy"}}})}});
  policy::SubscriberConsent granted;
  granted.granted.set(policy::consent_scope(context->consent.purpose, *channel, context->consent.category));
  const auto d = policy::evaluate_consent(*ctx.policy, context->consent, granted);
  if (d.allowed) return std::nullopt;
  return http::make_problem(ctx, http::problems::policy_denied, std::string(denied_detail),
                            {{"rule", std::string(d.rule)}, {"policy_version", std::string(d.version)}});
}

}  // namespace octopus::deliveries
