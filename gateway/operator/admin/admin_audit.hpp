// One line for every operator action worth answering for later (partners and their keys,
// consent changes, partner tokens, injected events): who, what, to what, under which
// policy version, with what the action needs to be understood. Never a secret.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/pipeline.hpp"
#include "audit/audit_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::admin {

void record_admin_action(audit::AuditRepository& audit, const Clock& clock, const http::RequestContext& ctx,
                         std::string_view action, std::string subject, std::string policy_version,
                         const nlohmann::json& detail);

}  // namespace octopus::admin
