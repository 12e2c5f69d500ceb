#include "audit/sql_audit_repository.hpp"

#include <cstring>
#include <stdexcept>

#include "observability/log.hpp"
#include "store/sql/row_mapper.hpp"

namespace octopus::audit {

using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;

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
                                                     column("request_id", &AuditRecord::request_id),
                                                 });

// The last link: the entry it belongs to and its hash (0 and zeros when there is none).
std::pair<std::int64_t, ChainHash> last_link(store::sql::Session& session) {
  Statement st(session, "SELECT entry_id, hash FROM audit_chain ORDER BY entry_id DESC LIMIT 1");
  std::pair<std::int64_t, ChainHash> out{0, ChainHash{}};
  if (!st.step()) return out;
  out.first = st.int64(0);
  int size = 0;
  const void* bytes = st.blob(1, size);
  if (size == static_cast<int>(out.second.size())) std::memcpy(out.second.data(), bytes, out.second.size());
  return out;
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> blob_of(const Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  int size = 0;
  const void* bytes = st.blob(col, size);
  if (size != static_cast<int>(N)) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), bytes, N);
  return out;
}

}  // namespace

SqlAuditRepository::SqlAuditRepository(store::sql::Database& db, AuditSigner signer)
    : SqlRepository(db), signer_(std::move(signer)) {
  chain_unchained_entries();
}

// Only the entries the migration listed, and only while no entry has a link yet (the first
// start after the migration): the list is then emptied in the same transaction. An entry
// that appears later without a link was not written by the gateway, and chaining it (even
// one an intruder added to the list) would launder it.
void SqlAuditRepository::chain_unchained_entries() {
  auto session = db_.session();
  if (last_link(session).first != 0) {
    session.exec("DELETE FROM audit_chain_pending");
    return;
  }
  Statement st(session, kAudit.select("WHERE id IN (SELECT entry_id FROM audit_chain_pending) ORDER BY id"));
  const auto legacy = kAudit.read_all(st);
  if (legacy.empty()) return;
  store::sql::Transaction tx(session);
  for (const auto& record : legacy) link(session, record);
  session.exec("DELETE FROM audit_chain_pending");
  tx.commit();
}

// Inside the caller's write transaction.
void SqlAuditRepository::link(store::sql::Session& session, const AuditRecord& record) {
  const auto [previous_id, previous_hash] = last_link(session);
  const auto hash = chain_hash(previous_id, previous_hash, record);
  const auto signature = signer_.sign(record.id, hash);
  Statement st(session, "INSERT INTO audit_chain(entry_id, hash, signature) VALUES (?, ?, ?)");
  st.bind(1, record.id);
  st.bind_blob(2, hash.data(), static_cast<int>(hash.size()));
  st.bind_blob(3, signature.data(), static_cast<int>(signature.size()));
  st.step();
}

std::int64_t SqlAuditRepository::append_audit(const AuditRecord& r) {
  auto session = db_.session();
  store::sql::Transaction tx(session);
  Statement st(session,
               "INSERT INTO audit_log(at, actor, action, subject, outcome, policy_version, detail, request_id) "
               "VALUES (:at, :actor, :action, :subject, :outcome, :policy_version, :detail, :request_id) RETURNING id");
  // The chain must still end where this gateway last left it: otherwise the log was cut or
  // rewritten under it, and the head file (the evidence) is left as it is.
  const bool intact = !head_file_ || last_link(session) == head_;
  kAudit.bind(st, r);
  AuditRecord stored = r;
  stored.id = st.step_returning_int64();
  link(session, stored);
  tx.commit();
  if (!intact)
    observability::log_error("audit_chain_changed", {{"head_file", head_file_->string()}, {"head_entry", head_.first}});
  if (head_file_ && intact) advance_head(session);
  return stored.id;
}

// The chain's last link, signed, to the head file.
void SqlAuditRepository::advance_head(store::sql::Session& session) {
  head_ = last_link(session);
  write_head_file(*head_file_, {head_.first, head_.second, signer_.sign(head_.first, head_.second)},
                  signer_.public_key());
}

void SqlAuditRepository::write_head_to(std::filesystem::path path) {
  auto session = db_.session();
  // The head kept outside must still be in the log: a log cut short (entries and links
  // removed from its end) or rewritten since is refused, not papered over with a new head.
  if (std::filesystem::exists(path)) {
    const auto head = read_head_file(path);
    Statement link(session, "SELECT hash FROM audit_chain WHERE entry_id = :id");
    link.bind(":id", head.entry_id);
    const auto stored = link.step() ? blob_of<32>(link, 0) : std::nullopt;
    if (!stored || *stored != head.hash)
      throw std::runtime_error(path.string() + " names audit entry " + std::to_string(head.entry_id) +
                               ", which the audit log no longer holds as it was: entries were removed or changed. "
                               "Run 'octopus-gateway audit verify' and investigate before starting");
  }
  head_file_ = std::move(path);
  advance_head(session);
}

AuditPage SqlAuditRepository::list_audit(std::optional<std::int64_t> after, std::size_t limit,
                                         const AuditFilter& filter) {
  auto session = db_.session();
  Statement st(session, kAudit.select("WHERE id > :after AND (:action = '' OR action = :action) "
                                      "AND (:actor = '' OR actor = :actor) AND at >= :since ORDER BY id LIMIT :limit"));
  st.bind(":after", after.value_or(0)).bind(":action", filter.action).bind(":actor", filter.actor);
  st.bind(":since", filter.since).bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kAudit.read_page<std::int64_t>(st, limit);
}

ChainVerdict verify_audit_chain(store::sql::Database& db, const protocol::Ed25519PublicKey& key,
                                const std::optional<SignedHead>& head) {
  auto session = db.session();
  ChainVerifier verifier(key, head);
  Statement st(session, kAudit.select_with("audit_chain.hash, audit_chain.signature",
                                           "LEFT JOIN audit_chain ON audit_chain.entry_id = audit_log.id "
                                           "ORDER BY audit_log.id"));
  const int hash_column = kAudit.column_count();
  while (st.step()) {
    const ChainLink link{kAudit.read(st), blob_of<32>(st, hash_column), blob_of<64>(st, hash_column + 1)};
    if (!verifier.add(link)) break;
  }
  Statement highest(session, "SELECT COALESCE(MAX(entry_id), 0) FROM audit_chain");
  highest.step();
  verifier.finish(highest.int64(0));
  return verifier.verdict();
}

}  // namespace octopus::audit
