// Reads the gateway's RateLimit-Policy and RateLimit headers (RFC 8941 lists) into the
// SDK's RateLimitState.
#pragma once
#include <string_view>

#include "octopus/sdk/call_options.hpp"

namespace octopus::detail {

// Unreadable or absent headers give an empty state, never an error: they are advice.
RateLimitState parse_rate_limit(std::string_view policy_header, std::string_view limit_header);

}  // namespace octopus::detail
