// The audit log in the embedded database: append-only by trigger, and tamper-evident by its
// signed hash chain (audit_chain.hpp), which holds even against someone who drops the
// triggers.
#pragma once
#include <filesystem>
#include <optional>
#include <utility>

#include "audit/audit_chain.hpp"
#include "audit/audit_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::audit {

class SqlAuditRepository final : public AuditRepository, store::sql::SqlRepository {
 public:
  // Entries written before the log was chained (an older version's) are chained on the
  // first open, in their order.
  SqlAuditRepository(store::sql::Database& db, AuditSigner signer);

  // Appends the entry and its signed link in one transaction; then writes the head file,
  // when one is set.
  std::int64_t append_audit(const AuditRecord& record) override;
  AuditPage list_audit(std::optional<std::int64_t> after, std::size_t limit, const AuditFilter& filter) override;

  // After each append, the new head goes to this file too (outside the database). Throws
  // std::runtime_error when the file names an entry the log no longer holds as it was.
  void write_head_to(std::filesystem::path path);
  protocol::Ed25519PublicKey public_key() const { return signer_.public_key(); }

 private:
  void chain_unchained_entries();
  void link(store::sql::Session& session, const AuditRecord& record);
  void advance_head(store::sql::Session& session);

  AuditSigner signer_;
  std::optional<std::filesystem::path> head_file_;
  std::pair<std::int64_t, ChainHash> head_{0, ChainHash{}};  // what the head file says
};

// Walks a database's whole audit log (it may be a copy) and says whether it is intact under
// `key` and, when given, the head written outside it; the first entry that is not, and why.
ChainVerdict verify_audit_chain(store::sql::Database& db, const protocol::Ed25519PublicKey& key,
                                const std::optional<SignedHead>& head);

}  // namespace octopus::audit
