// Policy status and reload on the admin plane, and the audit log that records every reload:
//   GET  /admin/v1/policies         the active version, who loaded it and when, the files
//   POST /admin/v1/policies/reload  load the directory again; a refused set changes nothing
//   GET  /admin/v1/audit            the append-only audit log, oldest first, paged
#pragma once
#include <memory>

#include "http/pipeline.hpp"
#include "observability/metrics.hpp"
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

// Counts one reload attempt by outcome (octopus_policy_reloads_total).
void count_policy_reload(const policy::ReloadReport& report);
// The serving version (octopus_policy_info{version="..."} 1) and when it was loaded, at each
// scrape; the reload counters start at 0 for every outcome, so a first refusal is an increase.
std::unique_ptr<observability::ScopedCollector> collect_policy_metrics(const policy::PolicyRegistry& registry);

}  // namespace octopus::admin
