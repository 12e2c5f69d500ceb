// The append-only audit log: who did what, with which outcome, under which policy version.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "store/repository.hpp"

namespace octopus::audit {

// `detail` is a JSON object with what the action needs to be understood later (for a policy
// reload: the versions and the errors of a refused set).
struct AuditRecord {
  std::int64_t id = 0;         // assigned by the store, strictly increasing
  std::int64_t at = 0;         // Unix seconds
  std::string actor;           // "admin", "startup", "signal:SIGHUP", "file-watch", ...
  std::string action;          // "policy.reload", ...
  std::string subject;         // what was acted on (a policy directory, a partner id)
  std::string outcome;         // "accepted", "refused", ...
  std::string policy_version;  // the version in force once the action was done
  std::string detail = "{}";
  std::string request_id;  // the admin request that did it; empty for the gateway's own actions
};

// Which entries a listing returns; empty fields do not filter.
struct AuditFilter {
  std::string action;      // exactly this action
  std::string actor;       // exactly this actor
  std::int64_t since = 0;  // at or after this time (Unix seconds)
};

using AuditPage = store::Page<AuditRecord, std::int64_t>;

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // Appends and returns the record's id. Records are never changed or removed.
  virtual std::int64_t append_audit(const AuditRecord& record) = 0;
  // Oldest first after `after` (exclusive), those `filter` lets through.
  virtual AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const AuditFilter& filter) = 0;
};

}  // namespace octopus::audit
