// The partner scopes the gateway knows (vocabulary/partner_access.hpp), as the partner
// registry and the authorization stage use them. The admin API refuses unknown scopes;
// GET /v1/capabilities is derived from the scope table.
#pragma once
#include <string_view>

#include "vocabulary/partner_access.hpp"

namespace octopus::auth {

using vocabulary::kScopes;
using vocabulary::Scope;

inline bool is_known_scope(std::string_view s) { return vocabulary::parse_scope(s).has_value(); }

}  // namespace octopus::auth
