// The audit log in the embedded database (append-only by trigger, not only by this code).
#pragma once
#include "audit/audit_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace octopus::audit {

class SqliteAuditRepository final : public AuditRepository, store::sqlite::SqliteRepository {
 public:
  using SqliteRepository::SqliteRepository;
  std::int64_t append_audit(const AuditRecord& record) override;
  AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const std::string& action) override;
};

}  // namespace octopus::audit
