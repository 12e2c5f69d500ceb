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
};

using AuditPage = store::Page<AuditRecord, std::int64_t>;

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // Appends and returns the record's id. Records are never changed or removed.
  virtual std::int64_t append_audit(const AuditRecord& record) = 0;
  // Oldest first after `after` (exclusive); `action` filters exactly when not empty.
  virtual AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const std::string& action) = 0;
};

}  // namespace octopus::audit
