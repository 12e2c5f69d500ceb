// The question asked before a delivery or a trigger is accepted: does the consent policy
// let a partner of this category reach anybody on this channel for this purpose at all?
// (Each subscriber is asked again when the message is decided.)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/request_context.hpp"
#include "policy/policy_types.hpp"

namespace octopus::deliveries {

// nullopt when allowed; otherwise the answer: 422 for a purpose the policy does not know,
// 403 policy-denied (with the rule and version, and `denied_detail`) for a refusal.
std::optional<http::Response> consent_gate(http::RequestContext& ctx, policy::Capability capability,
                                           const std::string& channel, const std::string& purpose, std::int64_t now,
                                           std::string_view denied_detail);

}  // namespace octopus::deliveries
