// Policy status and reload on the admin plane, and the audit log that records every reload:
//   GET  /admin/v1/policies         the active version, who loaded it and when, the files
//   POST /admin/v1/policies/reload  load the directory again; a refused set changes nothing
//   GET  /admin/v1/audit            the append-only audit log, oldest first, paged
#pragma once
#include "http/pipeline.hpp"
#include "policy/policy_registry.hpp"
#include "audit/audit_repository.hpp"

namespace octopus::admin {

struct PoliciesApiDeps {
  policy::PolicyRegistry& registry;
  audit::AuditRepository& audit;
};

void register_policy_routes(http::Pipeline& admin_plane, PoliciesApiDeps deps);

// The audit record of one reload attempt (what the registry's audit sink writes).
audit::AuditRecord reload_audit_record(const policy::ReloadReport& report, const std::string& directory);

}  // namespace octopus::admin
