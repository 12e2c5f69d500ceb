// The partner scopes the gateway knows, and the capability and operation each grants.
// The admin API refuses unknown scopes; GET /v1/capabilities is derived from this table.
#pragma once
#include <array>
#include <string_view>

namespace octopus::auth {

struct ScopeGrant {
  std::string_view scope;
  std::string_view capability;
  std::string_view operation;  // "read" | "write"
};

// Grouped by capability, read before write: GET /v1/capabilities lists them in this order.
inline constexpr std::array<ScopeGrant, 11> kScopes{{
    {"audiences:read", "audiences", "read"},
    {"audiences:write", "audiences", "write"},
    {"offers:read", "offers", "read"},
    {"offers:write", "offers", "write"},
    {"deliveries:read", "deliveries", "read"},
    {"deliveries:write", "deliveries", "write"},
    {"triggers:read", "triggers", "read"},
    {"triggers:write", "triggers", "write"},
    {"settlements:read", "settlements", "read"},
    {"webhooks:read", "webhooks", "read"},
    {"webhooks:write", "webhooks", "write"},
}};

inline bool is_known_scope(std::string_view s) {
  for (const auto& g : kScopes)
    if (g.scope == s) return true;
  return false;
}

}  // namespace octopus::auth
