#include "audit/sqlite_audit_repository.hpp"

#include "store/sqlite/row_mapper.hpp"

namespace octopus::audit {

using store::sqlite::column;
using store::sqlite::RowMapper;
using store::sqlite::Statement;

namespace {
// `id` is the table's rowid: read, never inserted.
const RowMapper<AuditRecord> kAudit("audit_log", {
                                                     column("id", &AuditRecord::id),
                                                     column("at", &AuditRecord::at),
                                                     column("actor", &AuditRecord::actor),
                                                     column("action", &AuditRecord::action),
                                                     column("subject", &AuditRecord::subject),
                                                     column("outcome", &AuditRecord::outcome),
                                                     column("policy_version", &AuditRecord::policy_version),
                                                     column("detail", &AuditRecord::detail),
                                                 });
}  // namespace

std::int64_t SqliteAuditRepository::append_audit(const AuditRecord& r) {
  auto held = db_.lock();
  Statement st(db_.handle(),
               "INSERT INTO audit_log(at, actor, action, subject, outcome, policy_version, detail) "
               "VALUES (:at, :actor, :action, :subject, :outcome, :policy_version, :detail)");
  kAudit.bind(st, r);
  st.step();
  return db_.last_insert_rowid();
}

AuditPage SqliteAuditRepository::list_audit(std::optional<std::int64_t> after, std::size_t limit,
                                            const std::string& action) {
  auto held = db_.lock();
  Statement st(db_.handle(),
               kAudit.select("WHERE id > :after AND (:action = '' OR action = :action) ORDER BY id LIMIT :limit"));
  st.bind(":after", after.value_or(0)).bind(":action", action).bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kAudit.read_page<std::int64_t>(st, limit);
}

}  // namespace octopus::audit
