#include "admin/admin_audit.hpp"

namespace octopus::admin {

void record_admin_action(audit::AuditRepository& audit, const Clock& clock, const http::RequestContext& ctx,
                         std::string_view action, std::string subject, std::string policy_version,
                         const nlohmann::json& detail) {
  audit::AuditRecord a;
  a.at = clock.unix_seconds();
  a.actor = ctx.principal ? ctx.principal->id : "admin";
  a.action = std::string(action);
  a.subject = std::move(subject);
  a.outcome = "accepted";
  a.policy_version = std::move(policy_version);
  a.detail = detail.dump();
  a.request_id = ctx.request_id;
  audit.append_audit(a);
}

}  // namespace octopus::admin
