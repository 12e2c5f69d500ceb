#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <nlohmann/json.hpp>

namespace octopus::store {

namespace {

// Migrations are append-only: never edit one that has shipped, add the next.
const char* const kMigrations[] = {
    // 1: partner registry
    R"sql(
      CREATE TABLE partners (
        id           TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('active','suspended')),
        tier         TEXT NOT NULL,
        category     TEXT NOT NULL,
        scopes       TEXT NOT NULL,  -- JSON array of scope names
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      CREATE TABLE partner_keys (
        key_id      TEXT PRIMARY KEY,
        partner_id  TEXT NOT NULL REFERENCES partners(id),
        algorithm   TEXT NOT NULL,
        public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER
      );
      CREATE INDEX partner_keys_by_partner ON partner_keys(partner_id);
    )sql",
    // 2: append-only audit log; the triggers make "append-only" a property of the file,
    // not only of this code.
    R"sql(
      CREATE TABLE audit_log (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        at             INTEGER NOT NULL,
        actor          TEXT NOT NULL,
        action         TEXT NOT NULL,
        subject        TEXT NOT NULL,
        outcome        TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        detail         TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_action ON audit_log(action, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    )sql",
    // 3: partners' audiences (members stay in the engine)
    R"sql(
      CREATE TABLE audiences (
        id             TEXT PRIMARY KEY,
        partner_id     TEXT NOT NULL REFERENCES partners(id),
        status         TEXT NOT NULL CHECK (status IN ('building','ready','failed','deleted')),
        segment        TEXT NOT NULL,
        purpose        TEXT NOT NULL,
        engine_id      TEXT NOT NULL DEFAULT '',
        count          INTEGER,
        suppressed     INTEGER NOT NULL DEFAULT 0,
        reason         TEXT NOT NULL DEFAULT '',
        policy_version TEXT NOT NULL,
        error          TEXT NOT NULL DEFAULT '',
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL
      );
      CREATE INDEX audiences_by_partner ON audiences(partner_id, id);
    )sql",
    // 4: idempotency keys of partner POSTs, with the stored answer
    R"sql(
      CREATE TABLE idempotency_keys (
        partner_id   TEXT NOT NULL,
        key          TEXT NOT NULL,
        fingerprint  TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('in_flight','done')),
        status       INTEGER,
        content_type TEXT NOT NULL DEFAULT '',
        location     TEXT NOT NULL DEFAULT '',
        body         BLOB,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (partner_id, key)
      );
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
    )sql",
    // 5: partners' offers and their content decisions and reviews
    R"sql(
      CREATE TABLE offers (
        id                    TEXT PRIMARY KEY,
        partner_id            TEXT NOT NULL REFERENCES partners(id),
        name                  TEXT NOT NULL,
        status                TEXT NOT NULL CHECK (status IN ('approved','rejected','pending_review')),
        channel               TEXT NOT NULL CHECK (channel IN ('sms','push','outbound_call')),
        template              TEXT NOT NULL,
        product_code          TEXT NOT NULL,
        landing_url           TEXT NOT NULL,
        valid_from            INTEGER NOT NULL,
        valid_until           INTEGER NOT NULL,
        reasons               TEXT NOT NULL DEFAULT '[]',
        policy_version        TEXT NOT NULL,
        review_note           TEXT NOT NULL DEFAULT '',
        reviewer              TEXT NOT NULL DEFAULT '',
        review_policy_version TEXT NOT NULL DEFAULT '',
        reviewed_at           INTEGER NOT NULL DEFAULT 0,
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL
      );
      CREATE INDEX offers_by_partner ON offers(partner_id, id);
      CREATE INDEX offers_by_status ON offers(status, id);
    )sql",
    // 6: deliveries, consent changes made at the gateway, partners' subscriber tokens,
    // triggers and the positions of engine stream followers; audiences keep their exact size
    R"sql(
      ALTER TABLE audiences ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE deliveries (
        id             TEXT PRIMARY KEY,
        partner_id     TEXT NOT NULL REFERENCES partners(id),
        offer_id       TEXT NOT NULL REFERENCES offers(id),
        audience_id    TEXT NOT NULL,
        subscribers    TEXT NOT NULL DEFAULT '[]',
        target_count   INTEGER NOT NULL,
        purpose        TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('scheduled','running','deferred','completed','cancelled','failed')),
        send_at        INTEGER NOT NULL,
        resume_at      INTEGER NOT NULL DEFAULT 0,
        cursor         INTEGER NOT NULL DEFAULT 0,
        decided        INTEGER NOT NULL DEFAULT 0,
        delivered      INTEGER NOT NULL DEFAULT 0,
        no_consent     INTEGER NOT NULL DEFAULT 0,
        capped         INTEGER NOT NULL DEFAULT 0,
        ineligible     INTEGER NOT NULL DEFAULT 0,
        cancelled      INTEGER NOT NULL DEFAULT 0,
        failed         INTEGER NOT NULL DEFAULT 0,
        sink_position  TEXT NOT NULL DEFAULT '',
        policy_version TEXT NOT NULL,
        error          TEXT NOT NULL DEFAULT '',
        created_at     INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        finished_at    INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX deliveries_by_partner ON deliveries(partner_id, id);
      CREATE INDEX deliveries_by_status ON deliveries(status, id);
      CREATE TABLE consent_changes (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber       INTEGER NOT NULL,
        purpose          TEXT NOT NULL,
        channel          TEXT NOT NULL,
        partner_category TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('granted','withdrawn')),
        actor            TEXT NOT NULL,
        reason           TEXT NOT NULL,
        at               INTEGER NOT NULL
      );
      CREATE INDEX consent_changes_by_subscriber ON consent_changes(subscriber, id);
      CREATE TRIGGER consent_changes_no_update BEFORE UPDATE ON consent_changes
        BEGIN SELECT RAISE(ABORT, 'consent_changes is append-only'); END;
      CREATE TRIGGER consent_changes_no_delete BEFORE DELETE ON consent_changes
        BEGIN SELECT RAISE(ABORT, 'consent_changes is append-only'); END;
      CREATE TABLE subscriber_tokens (
        partner_id TEXT NOT NULL,
        token      TEXT NOT NULL,
        subscriber INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (partner_id, token)
      );
      CREATE TABLE triggers (
        id                 TEXT PRIMARY KEY,
        partner_id         TEXT NOT NULL REFERENCES partners(id),
        offer_id           TEXT NOT NULL REFERENCES offers(id),
        event_type         TEXT NOT NULL,
        segment            TEXT NOT NULL,
        purpose            TEXT NOT NULL,
        cooldown_seconds   INTEGER NOT NULL,
        engine_audience_id TEXT NOT NULL,
        segment_size       INTEGER NOT NULL,
        status             TEXT NOT NULL CHECK (status IN ('active','deleted')),
        matched            INTEGER NOT NULL DEFAULT 0,
        sent               INTEGER NOT NULL DEFAULT 0,
        no_consent         INTEGER NOT NULL DEFAULT 0,
        capped             INTEGER NOT NULL DEFAULT 0,
        ineligible         INTEGER NOT NULL DEFAULT 0,
        cooling_down       INTEGER NOT NULL DEFAULT 0,
        quiet_hours        INTEGER NOT NULL DEFAULT 0,
        policy_version     TEXT NOT NULL,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL
      );
      CREATE INDEX triggers_by_partner ON triggers(partner_id, id);
      CREATE TABLE stream_cursors (
        name     TEXT PRIMARY KEY,
        position INTEGER NOT NULL
      );
    )sql",
    // 7: partners' organisations; the privacy budget's books: each release of noisy figures to an account, once per
    // question, never changed or removed (a removed row would refund budget)
    R"sql(
      ALTER TABLE partners ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
      CREATE TABLE privacy_releases (
        account       TEXT NOT NULL,
        key           TEXT NOT NULL,
        period        TEXT NOT NULL,
        epsilon_milli INTEGER NOT NULL CHECK (epsilon_milli > 0),
        figures       TEXT NOT NULL,
        at            INTEGER NOT NULL,
        PRIMARY KEY (account, key)
      );
      CREATE INDEX privacy_releases_by_period ON privacy_releases(account, period);
      CREATE TRIGGER privacy_releases_no_update BEFORE UPDATE ON privacy_releases
        BEGIN SELECT RAISE(ABORT, 'privacy_releases is append-only'); END;
      CREATE TRIGGER privacy_releases_no_delete BEFORE DELETE ON privacy_releases
        BEGIN SELECT RAISE(ABORT, 'privacy_releases is append-only'); END;
    )sql",
};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw StoreError(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* handle() { return stmt_; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_blob(int i, const void* data, int size) {
    sqlite3_bind_blob(stmt_, i, data, size, SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // True when a row is available; false when done. Throws on error.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    last_rc_ = rc;
    throw StoreError(std::string("sqlite step failed: ") + sqlite3_errmsg(db_));
  }
  // Like step() for writes, but reports a constraint violation instead of throwing.
  bool exec_unique() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) return true;
    if ((rc & 0xFF) == SQLITE_CONSTRAINT) return false;
    throw StoreError(std::string("sqlite write failed: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  const void* blob(int col, int& size) const {
    size = sqlite3_column_bytes(stmt_, col);
    return sqlite3_column_blob(stmt_, col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int last_rc_ = 0;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

// BEGIN IMMEDIATE ... COMMIT, rolled back if the scope exits by exception.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

std::string scopes_to_json(const std::vector<std::string>& scopes) { return nlohmann::json(scopes).dump(); }
std::vector<std::string> scopes_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& s : j)
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

constexpr const char* kPartnerColumns =
    "id, display_name, status, tier, category, scopes, created_at, updated_at, organisation";

Partner read_partner(const Statement& st) {
  Partner p;
  p.id = st.text(0);
  p.display_name = st.text(1);
  p.status = parse_partner_status(st.text(2)).value_or(PartnerStatus::suspended);
  p.tier = st.text(3);
  p.category = st.text(4);
  p.scopes = scopes_from_json(st.text(5));
  p.created_at = st.int64(6);
  p.updated_at = st.int64(7);
  p.organisation = st.text(8);
  return p;
}

PartnerKey read_key(const Statement& st) {
  PartnerKey k;
  k.key_id = st.text(0);
  k.partner_id = st.text(1);
  k.algorithm = st.text(2);
  int size = 0;
  const void* blob = st.blob(3, size);
  if (blob && size == 32) std::memcpy(k.public_key.data(), blob, 32);
  k.created_at = st.int64(4);
  if (!st.is_null(5)) k.revoked_at = st.int64(5);
  return k;
}

constexpr const char* kAuditColumns = "id, at, actor, action, subject, outcome, policy_version, detail";

AuditRecord read_audit(const Statement& st) {
  AuditRecord r;
  r.id = st.int64(0);
  r.at = st.int64(1);
  r.actor = st.text(2);
  r.action = st.text(3);
  r.subject = st.text(4);
  r.outcome = st.text(5);
  r.policy_version = st.text(6);
  r.detail = st.text(7);
  return r;
}

constexpr const char* kAudienceColumns =
    "id, partner_id, status, segment, purpose, engine_id, count, suppressed, reason, policy_version, error, "
    "created_at, updated_at, size";

AudienceRecord read_audience(const Statement& st) {
  AudienceRecord a;
  a.id = st.text(0);
  a.partner_id = st.text(1);
  a.status = st.text(2);
  a.segment_json = st.text(3);
  a.purpose = st.text(4);
  a.engine_id = st.text(5);
  if (!st.is_null(6)) a.count = static_cast<std::uint64_t>(st.int64(6));
  a.suppressed = st.int64(7) != 0;
  a.reason = st.text(8);
  a.policy_version = st.text(9);
  a.error = st.text(10);
  a.created_at = st.int64(11);
  a.updated_at = st.int64(12);
  a.size = static_cast<std::uint64_t>(st.int64(13));
  return a;
}

// Reads up to `limit` rows of a query that asked for limit + 1: the extra row only says that
// a next page exists, which starts after the last row kept.
template <typename Page, typename Read>
Page read_page(Statement& st, std::size_t limit, Read read) {
  Page page;
  while (st.step()) page.items.push_back(read(st));
  if (page.items.size() > limit) {
    page.items.pop_back();
    page.next_after = page.items.back().id;
  }
  return page;
}

constexpr const char* kOfferColumns =
    "id, partner_id, name, status, channel, template, product_code, landing_url, valid_from, valid_until, reasons, "
    "policy_version, review_note, reviewer, review_policy_version, reviewed_at, created_at, updated_at";

OfferRecord read_offer(const Statement& st) {
  OfferRecord o;
  o.id = st.text(0);
  o.partner_id = st.text(1);
  o.name = st.text(2);
  o.status = st.text(3);
  o.channel = st.text(4);
  o.template_text = st.text(5);
  o.product_code = st.text(6);
  o.landing_url = st.text(7);
  o.valid_from = st.int64(8);
  o.valid_until = st.int64(9);
  o.reasons_json = st.text(10);
  o.policy_version = st.text(11);
  o.review_note = st.text(12);
  o.reviewer = st.text(13);
  o.review_policy_version = st.text(14);
  o.reviewed_at = st.int64(15);
  o.created_at = st.int64(16);
  o.updated_at = st.int64(17);
  return o;
}

constexpr const char* kDeliveryColumns =
    "id, partner_id, offer_id, audience_id, subscribers, target_count, purpose, status, send_at, resume_at, cursor, "
    "decided, delivered, no_consent, capped, ineligible, cancelled, failed, sink_position, policy_version, error, "
    "created_at, updated_at, finished_at";

DeliveryRecord read_delivery(const Statement& st) {
  DeliveryRecord d;
  d.id = st.text(0);
  d.partner_id = st.text(1);
  d.offer_id = st.text(2);
  d.audience_id = st.text(3);
  auto subscribers = nlohmann::json::parse(st.text(4), nullptr, false);
  if (subscribers.is_array())
    for (const auto& s : subscribers)
      if (s.is_number_unsigned()) d.subscribers.push_back(s.get<std::uint64_t>());
  d.target_count = static_cast<std::uint64_t>(st.int64(5));
  d.purpose = st.text(6);
  d.status = st.text(7);
  d.send_at = st.int64(8);
  d.resume_at = st.int64(9);
  d.cursor = static_cast<std::uint64_t>(st.int64(10));
  d.decided = static_cast<std::uint64_t>(st.int64(11));
  d.counts.delivered = static_cast<std::uint64_t>(st.int64(12));
  d.counts.no_consent = static_cast<std::uint64_t>(st.int64(13));
  d.counts.capped = static_cast<std::uint64_t>(st.int64(14));
  d.counts.ineligible = static_cast<std::uint64_t>(st.int64(15));
  d.counts.cancelled = static_cast<std::uint64_t>(st.int64(16));
  d.counts.failed = static_cast<std::uint64_t>(st.int64(17));
  d.sink_position = st.text(18);
  d.policy_version = st.text(19);
  d.error = st.text(20);
  d.created_at = st.int64(21);
  d.updated_at = st.int64(22);
  d.finished_at = st.int64(23);
  return d;
}

constexpr const char* kTriggerColumns =
    "id, partner_id, offer_id, event_type, segment, purpose, cooldown_seconds, engine_audience_id, status, "
    "policy_version, created_at, updated_at, segment_size, matched, sent, no_consent, capped, ineligible, cooling_down, "
    "quiet_hours";

TriggerRecord read_trigger(const Statement& st) {
  TriggerRecord t;
  t.id = st.text(0);
  t.partner_id = st.text(1);
  t.offer_id = st.text(2);
  t.event_type = st.text(3);
  t.segment_json = st.text(4);
  t.purpose = st.text(5);
  t.cooldown_seconds = st.int64(6);
  t.engine_audience_id = st.text(7);
  t.status = st.text(8);
  t.policy_version = st.text(9);
  t.created_at = st.int64(10);
  t.updated_at = st.int64(11);
  t.segment_size = static_cast<std::uint64_t>(st.int64(12));
  auto u = [&](int col) { return static_cast<std::uint64_t>(st.int64(col)); };
  t.counts = {u(13), u(14), u(15), u(16), u(17), u(18), u(19)};
  return t;
}

ConsentChange read_consent_change(const Statement& st) {
  ConsentChange c;
  c.id = st.int64(0);
  c.subscriber = static_cast<std::uint64_t>(st.int64(1));
  c.purpose = st.text(2);
  c.channel = st.text(3);
  c.partner_category = st.text(4);
  c.state = st.text(5);
  c.actor = st.text(6);
  c.reason = st.text(7);
  c.at = st.int64(8);
  return c;
}

std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

constexpr const char* kKeyColumns = "key_id, partner_id, algorithm, public_key, created_at, revoked_at";

}  // namespace

namespace {
// The store holds the partner registry, audit trail and consent changes: readable by the
// gateway's account only. SQLite gives its -wal and -shm files the database file's mode, so
// creating (or tightening) the database file 0600 covers them too.
void make_private(const std::string& path) {
  if (path.empty() || path == ":memory:") return;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!ok) throw StoreError("cannot make " + path + " private: " + std::strerror(errno));
  for (const char* suffix : {"-wal", "-shm"}) ::chmod((path + suffix).c_str(), 0600);  // absent: nothing to do
}
}  // namespace

SqliteStore::SqliteStore(const std::string& path) {
  make_private(path);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open " + path + ": " + msg);
  }
  // A constructor that throws runs no destructor: the connection is closed here then (a file
  // that is not a database fails at the first statement).
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec(db_, "PRAGMA journal_mode=WAL");
    exec(db_, "PRAGMA synchronous=FULL");
    exec(db_, "PRAGMA foreign_keys=ON");
    migrate();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

void SqliteStore::migrate() {
  std::lock_guard lock(mutex_);
  exec(db_, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  int current = 0;
  {
    Statement st(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (st.step()) current = static_cast<int>(st.int64(0));
  }
  const int latest = static_cast<int>(std::size(kMigrations));
  if (current > latest)
    throw StoreError("database schema version " + std::to_string(current) + " is newer than this gateway (" +
                     std::to_string(latest) + ")");
  for (int v = current + 1; v <= latest; ++v) {
    Transaction tx(db_);
    exec(db_, kMigrations[v - 1]);
    Statement st(db_, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, strftime('%s','now'))");
    st.bind(1, static_cast<std::int64_t>(v)).step();
    tx.commit();
  }
}

int SqliteStore::schema_version() {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return st.step() ? static_cast<int>(st.int64(0)) : 0;
}

WriteResult SqliteStore::create_partner(const Partner& p) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT INTO partners(id, display_name, status, tier, category, scopes, created_at, updated_at, "
               "organisation) VALUES (?,?,?,?,?,?,?,?,?)");
  st.bind(1, p.id).bind(2, p.display_name).bind(3, std::string(to_string(p.status))).bind(4, p.tier);
  st.bind(5, p.category).bind(6, scopes_to_json(p.scopes)).bind(7, p.created_at).bind(8, p.updated_at);
  st.bind(9, p.organisation);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::vector<PartnerKey> SqliteStore::keys_of_locked(const std::string& partner_id) {
  Statement st(db_, (std::string("SELECT ") + kKeyColumns +
                     " FROM partner_keys WHERE partner_id = ? ORDER BY created_at, key_id")
                        .c_str());
  st.bind(1, partner_id);
  std::vector<PartnerKey> keys;
  while (st.step()) keys.push_back(read_key(st));
  return keys;
}

std::optional<Partner> SqliteStore::get_partner_locked(const std::string& id) {
  Statement st(db_, (std::string("SELECT ") + kPartnerColumns + " FROM partners WHERE id = ?").c_str());
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  Partner p = read_partner(st);
  p.keys = keys_of_locked(p.id);
  return p;
}

std::optional<Partner> SqliteStore::get_partner(const std::string& id) {
  std::lock_guard lock(mutex_);
  return get_partner_locked(id);
}

PartnerPage SqliteStore::list_partners(const std::optional<std::string>& after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kPartnerColumns + " FROM partners WHERE id > ? ORDER BY id LIMIT ?").c_str());
  st.bind(1, after.value_or(std::string()));
  st.bind(2, static_cast<std::int64_t>(limit + 1));
  auto page = read_page<PartnerPage>(st, limit, read_partner);
  for (auto& p : page.items) p.keys = keys_of_locked(p.id);
  return page;
}

WriteResult SqliteStore::update_partner(const std::string& id, const PartnerPatch& patch, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  auto current = get_partner_locked(id);
  if (!current) return WriteResult::not_found;
  if (patch.display_name) current->display_name = *patch.display_name;
  if (patch.status) current->status = *patch.status;
  if (patch.tier) current->tier = *patch.tier;
  if (patch.scopes) current->scopes = *patch.scopes;
  if (patch.organisation) current->organisation = *patch.organisation;
  Statement st(db_,
               "UPDATE partners SET display_name=?, status=?, tier=?, scopes=?, organisation=?, updated_at=? WHERE id=?");
  st.bind(1, current->display_name).bind(2, std::string(to_string(current->status))).bind(3, current->tier);
  st.bind(4, scopes_to_json(current->scopes)).bind(5, current->organisation).bind(6, now).bind(7, id);
  st.step();
  tx.commit();
  return WriteResult::ok;
}

std::vector<Partner> SqliteStore::load_all_partners() {
  std::lock_guard lock(mutex_);
  std::vector<Partner> out;
  {
    Statement st(db_, (std::string("SELECT ") + kPartnerColumns + " FROM partners ORDER BY id").c_str());
    while (st.step()) out.push_back(read_partner(st));
  }
  for (auto& p : out) p.keys = keys_of_locked(p.id);
  return out;
}

WriteResult SqliteStore::add_key(const PartnerKey& k) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  {
    Statement exists(db_, "SELECT 1 FROM partners WHERE id = ?");
    exists.bind(1, k.partner_id);
    if (!exists.step()) return WriteResult::not_found;
  }
  Statement st(db_, "INSERT INTO partner_keys(key_id, partner_id, algorithm, public_key, created_at, revoked_at) "
                    "VALUES (?,?,?,?,?,NULL)");
  st.bind(1, k.key_id).bind(2, k.partner_id).bind(3, k.algorithm);
  st.bind_blob(4, k.public_key.data(), 32).bind(5, k.created_at);
  if (!st.exec_unique()) return WriteResult::conflict;
  tx.commit();
  return WriteResult::ok;
}

std::optional<PartnerKey> SqliteStore::revoke_key(const std::string& partner_id, const std::string& key_id,
                                                  std::int64_t now) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  {
    Statement st(db_, "UPDATE partner_keys SET revoked_at = ? WHERE key_id = ? AND partner_id = ? AND revoked_at IS NULL");
    st.bind(1, now).bind(2, key_id).bind(3, partner_id);
    st.step();
  }
  Statement st(db_, (std::string("SELECT ") + kKeyColumns + " FROM partner_keys WHERE key_id = ? AND partner_id = ?").c_str());
  st.bind(1, key_id).bind(2, partner_id);
  if (!st.step()) return std::nullopt;
  PartnerKey key = read_key(st);
  tx.commit();
  return key;
}

WriteResult SqliteStore::create_audience(const AudienceRecord& a) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("INSERT INTO audiences(") + kAudienceColumns +
                     ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                        .c_str());
  st.bind(14, static_cast<std::int64_t>(a.size));
  st.bind(1, a.id).bind(2, a.partner_id).bind(3, a.status).bind(4, a.segment_json).bind(5, a.purpose);
  st.bind(6, a.engine_id);
  if (a.count) st.bind(7, static_cast<std::int64_t>(*a.count));
  else st.bind_null(7);
  st.bind(8, static_cast<std::int64_t>(a.suppressed)).bind(9, a.reason).bind(10, a.policy_version).bind(11, a.error);
  st.bind(12, a.created_at).bind(13, a.updated_at);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<AudienceRecord> SqliteStore::get_audience(const std::string& partner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kAudienceColumns +
                     " FROM audiences WHERE partner_id = ? AND id = ? AND status != 'deleted'")
                        .c_str());
  st.bind(1, partner_id).bind(2, id);
  if (!st.step()) return std::nullopt;
  return read_audience(st);
}

AudiencePage SqliteStore::list_audiences(const std::string& partner_id, const std::optional<std::string>& after,
                                         std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kAudienceColumns +
                     " FROM audiences WHERE partner_id = ? AND id > ? AND status != 'deleted' ORDER BY id LIMIT ?")
                        .c_str());
  st.bind(1, partner_id).bind(2, after.value_or(std::string())).bind(3, static_cast<std::int64_t>(limit + 1));
  auto page = read_page<AudiencePage>(st, limit, read_audience);
  return page;
}

WriteResult SqliteStore::update_audience(const AudienceRecord& a) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE audiences SET status=?, engine_id=?, count=?, suppressed=?, reason=?, error=?, updated_at=?, size=? "
               "WHERE partner_id=? AND id=?");
  st.bind(1, a.status).bind(2, a.engine_id);
  if (a.count) st.bind(3, static_cast<std::int64_t>(*a.count));
  else st.bind_null(3);
  st.bind(4, static_cast<std::int64_t>(a.suppressed)).bind(5, a.reason).bind(6, a.error).bind(7, a.updated_at);
  st.bind(8, static_cast<std::int64_t>(a.size)).bind(9, a.partner_id).bind(10, a.id);
  st.step();
  return sqlite3_changes(db_) > 0 ? WriteResult::ok : WriteResult::not_found;
}

std::vector<AudienceRecord> SqliteStore::audiences_in_status(const std::string& status) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kAudienceColumns + " FROM audiences WHERE status = ? ORDER BY id").c_str());
  st.bind(1, status);
  std::vector<AudienceRecord> out;
  while (st.step()) out.push_back(read_audience(st));
  return out;
}

std::int64_t SqliteStore::append_audit(const AuditRecord& r) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT INTO audit_log(at, actor, action, subject, outcome, policy_version, detail) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, r.at).bind(2, r.actor).bind(3, r.action).bind(4, r.subject).bind(5, r.outcome);
  st.bind(6, r.policy_version).bind(7, r.detail);
  st.step();
  return sqlite3_last_insert_rowid(db_);
}

AuditPage SqliteStore::list_audit(std::optional<std::int64_t> after, std::size_t limit, const std::string& action) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kAuditColumns +
                     " FROM audit_log WHERE id > ? AND (? = '' OR action = ?) ORDER BY id LIMIT ?")
                        .c_str());
  st.bind(1, after.value_or(0)).bind(2, action).bind(3, action);
  st.bind(4, static_cast<std::int64_t>(limit + 1));
  auto page = read_page<AuditPage>(st, limit, read_audit);
  return page;
}

WriteResult SqliteStore::create_offer(const OfferRecord& o) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("INSERT INTO offers(") + kOfferColumns +
                     ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                        .c_str());
  st.bind(1, o.id).bind(2, o.partner_id).bind(3, o.name).bind(4, o.status).bind(5, o.channel);
  st.bind(6, o.template_text).bind(7, o.product_code).bind(8, o.landing_url).bind(9, o.valid_from);
  st.bind(10, o.valid_until).bind(11, o.reasons_json).bind(12, o.policy_version).bind(13, o.review_note);
  st.bind(14, o.reviewer).bind(15, o.review_policy_version).bind(16, o.reviewed_at).bind(17, o.created_at);
  st.bind(18, o.updated_at);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<OfferRecord> SqliteStore::get_offer(const std::string& partner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kOfferColumns + " FROM offers WHERE id = ? AND (? = '' OR partner_id = ?)")
                        .c_str());
  st.bind(1, id).bind(2, partner_id).bind(3, partner_id);
  if (!st.step()) return std::nullopt;
  return read_offer(st);
}

OfferPage SqliteStore::list_offers(const std::string& partner_id, const std::string& status,
                                   const std::optional<std::string>& after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kOfferColumns +
                     " FROM offers WHERE (? = '' OR partner_id = ?) AND (? = '' OR status = ?) AND id > ? "
                     "ORDER BY id LIMIT ?")
                        .c_str());
  st.bind(1, partner_id).bind(2, partner_id).bind(3, status).bind(4, status);
  st.bind(5, after.value_or(std::string())).bind(6, static_cast<std::int64_t>(limit + 1));
  auto page = read_page<OfferPage>(st, limit, read_offer);
  return page;
}

WriteResult SqliteStore::review_offer(const OfferRecord& o) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE offers SET status = ?, review_note = ?, reviewer = ?, review_policy_version = ?, "
               "reviewed_at = ?, updated_at = ? WHERE id = ? AND status = 'pending_review'");
  st.bind(1, o.status).bind(2, o.review_note).bind(3, o.reviewer).bind(4, o.review_policy_version);
  st.bind(5, o.reviewed_at).bind(6, o.updated_at).bind(7, o.id);
  st.step();
  return sqlite3_changes(db_) == 1 ? WriteResult::ok : WriteResult::not_found;
}

WriteResult SqliteStore::create_delivery(const DeliveryRecord& d) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("INSERT INTO deliveries(") + kDeliveryColumns +
                     ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                        .c_str());
  st.bind(1, d.id).bind(2, d.partner_id).bind(3, d.offer_id).bind(4, d.audience_id);
  st.bind(5, nlohmann::json(d.subscribers).dump()).bind(6, as_int(d.target_count)).bind(7, d.purpose);
  st.bind(8, d.status).bind(9, d.send_at).bind(10, d.resume_at).bind(11, as_int(d.cursor)).bind(12, as_int(d.decided));
  st.bind(13, as_int(d.counts.delivered)).bind(14, as_int(d.counts.no_consent)).bind(15, as_int(d.counts.capped));
  st.bind(16, as_int(d.counts.ineligible)).bind(17, as_int(d.counts.cancelled)).bind(18, as_int(d.counts.failed));
  st.bind(19, d.sink_position).bind(20, d.policy_version).bind(21, d.error).bind(22, d.created_at);
  st.bind(23, d.updated_at).bind(24, d.finished_at);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<DeliveryRecord> SqliteStore::get_delivery(const std::string& partner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kDeliveryColumns +
                     " FROM deliveries WHERE id = ? AND (? = '' OR partner_id = ?)")
                        .c_str());
  st.bind(1, id).bind(2, partner_id).bind(3, partner_id);
  if (!st.step()) return std::nullopt;
  return read_delivery(st);
}

DeliveryPage SqliteStore::list_deliveries(const std::string& partner_id, const std::optional<std::string>& after,
                                          std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kDeliveryColumns +
                     " FROM deliveries WHERE partner_id = ? AND id > ? ORDER BY id LIMIT ?")
                        .c_str());
  st.bind(1, partner_id).bind(2, after.value_or(std::string())).bind(3, static_cast<std::int64_t>(limit + 1));
  return read_page<DeliveryPage>(st, limit, read_delivery);
}

std::vector<DeliveryRecord> SqliteStore::deliveries_in_status(const std::vector<std::string>& statuses) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kDeliveryColumns +
                     " FROM deliveries WHERE status IN (SELECT value FROM json_each(?)) ORDER BY id")
                        .c_str());
  st.bind(1, nlohmann::json(statuses).dump());
  std::vector<DeliveryRecord> out;
  while (st.step()) out.push_back(read_delivery(st));
  return out;
}

WriteResult SqliteStore::record_delivery_progress(const DeliveryRecord& d) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE deliveries SET status = CASE WHEN status = 'cancelled' THEN status ELSE ?1 END, "
               "resume_at = ?2, cursor = ?3, decided = ?4, delivered = ?5, no_consent = ?6, capped = ?7, ineligible = ?8, "
               "cancelled = CASE WHEN status = 'cancelled' THEN target_count - ?4 ELSE ?9 END, failed = ?10, sink_position = ?11, error = ?12, updated_at = ?13, "
               "finished_at = CASE WHEN status = 'cancelled' AND finished_at != 0 THEN finished_at ELSE ?14 END "
               "WHERE id = ?15");
  st.bind(1, d.status).bind(2, d.resume_at).bind(3, as_int(d.cursor)).bind(4, as_int(d.decided));
  st.bind(5, as_int(d.counts.delivered)).bind(6, as_int(d.counts.no_consent)).bind(7, as_int(d.counts.capped));
  st.bind(8, as_int(d.counts.ineligible)).bind(9, as_int(d.counts.cancelled)).bind(10, as_int(d.counts.failed));
  st.bind(11, d.sink_position).bind(12, d.error).bind(13, d.updated_at).bind(14, d.finished_at).bind(15, d.id);
  st.step();
  return sqlite3_changes(db_) == 1 ? WriteResult::ok : WriteResult::not_found;
}

WriteResult SqliteStore::cancel_delivery(const std::string& partner_id, const std::string& id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE deliveries SET status = 'cancelled', cancelled = target_count - decided, updated_at = ?1, "
               "finished_at = ?1 WHERE id = ?2 AND partner_id = ?3 AND status IN ('scheduled','running','deferred')");
  st.bind(1, now).bind(2, id).bind(3, partner_id);
  st.step();
  if (sqlite3_changes(db_) == 1) return WriteResult::ok;
  Statement exists(db_, "SELECT 1 FROM deliveries WHERE id = ? AND partner_id = ?");
  exists.bind(1, id).bind(2, partner_id);
  return exists.step() ? WriteResult::conflict : WriteResult::not_found;
}

std::int64_t SqliteStore::append_consent_change(const ConsentChange& c) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT INTO consent_changes(subscriber, purpose, channel, partner_category, state, actor, reason, at) "
               "VALUES (?,?,?,?,?,?,?,?)");
  st.bind(1, as_int(c.subscriber)).bind(2, c.purpose).bind(3, c.channel).bind(4, c.partner_category);
  st.bind(5, c.state).bind(6, c.actor).bind(7, c.reason).bind(8, c.at);
  st.step();
  return sqlite3_last_insert_rowid(db_);
}

std::vector<ConsentChange> SqliteStore::consent_changes(std::int64_t after_id, std::uint64_t subscriber,
                                                        std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "SELECT id, subscriber, purpose, channel, partner_category, state, actor, reason, at FROM consent_changes "
               "WHERE id > ? AND (? = 0 OR subscriber = ?) ORDER BY id LIMIT ?");
  st.bind(1, after_id).bind(2, as_int(subscriber)).bind(3, as_int(subscriber)).bind(4, static_cast<std::int64_t>(limit));
  std::vector<ConsentChange> out;
  while (st.step()) out.push_back(read_consent_change(st));
  return out;
}

void SqliteStore::remember_subscriber_token(const std::string& partner_id, const std::string& token,
                                            std::uint64_t subscriber, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT OR IGNORE INTO subscriber_tokens(partner_id, token, subscriber, created_at) VALUES (?,?,?,?)");
  st.bind(1, partner_id).bind(2, token).bind(3, as_int(subscriber)).bind(4, now);
  st.step();
}

std::vector<std::optional<std::uint64_t>> SqliteStore::resolve_subscriber_tokens(const std::string& partner_id,
                                                                                 const std::vector<std::string>& tokens) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT subscriber FROM subscriber_tokens WHERE partner_id = ? AND token = ?");
  std::vector<std::optional<std::uint64_t>> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) {
    sqlite3_reset(st.handle());
    st.bind(1, partner_id).bind(2, t);
    out.push_back(st.step() ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(st.int64(0))) : std::nullopt);
  }
  return out;
}

WriteResult SqliteStore::create_trigger(const TriggerRecord& t) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("INSERT INTO triggers(") + kTriggerColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,0,0,0,0,0)").c_str());
  st.bind(13, as_int(t.segment_size));
  st.bind(1, t.id).bind(2, t.partner_id).bind(3, t.offer_id).bind(4, t.event_type).bind(5, t.segment_json);
  st.bind(6, t.purpose).bind(7, t.cooldown_seconds).bind(8, t.engine_audience_id).bind(9, t.status);
  st.bind(10, t.policy_version).bind(11, t.created_at).bind(12, t.updated_at);
  return st.exec_unique() ? WriteResult::ok : WriteResult::conflict;
}

std::optional<TriggerRecord> SqliteStore::get_trigger(const std::string& partner_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kTriggerColumns +
                     " FROM triggers WHERE id = ? AND partner_id = ? AND status = 'active'")
                        .c_str());
  st.bind(1, id).bind(2, partner_id);
  if (!st.step()) return std::nullopt;
  return read_trigger(st);
}

TriggerPage SqliteStore::list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                                       std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kTriggerColumns +
                     " FROM triggers WHERE partner_id = ? AND status = 'active' AND id > ? ORDER BY id LIMIT ?")
                        .c_str());
  st.bind(1, partner_id).bind(2, after.value_or(std::string())).bind(3, static_cast<std::int64_t>(limit + 1));
  return read_page<TriggerPage>(st, limit, read_trigger);
}

std::vector<TriggerRecord> SqliteStore::active_triggers() {
  std::lock_guard lock(mutex_);
  Statement st(db_, (std::string("SELECT ") + kTriggerColumns + " FROM triggers WHERE status = 'active' ORDER BY id").c_str());
  std::vector<TriggerRecord> out;
  while (st.step()) out.push_back(read_trigger(st));
  return out;
}

void SqliteStore::add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) {
  if (deltas.empty()) return;
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement st(db_,
               "UPDATE triggers SET matched = matched + ?, sent = sent + ?, no_consent = no_consent + ?, "
               "capped = capped + ?, ineligible = ineligible + ?, cooling_down = cooling_down + ?, "
               "quiet_hours = quiet_hours + ? WHERE id = ?");
  for (const auto& [id, d] : deltas) {
    sqlite3_reset(st.handle());
    st.bind(1, as_int(d.matched)).bind(2, as_int(d.sent)).bind(3, as_int(d.no_consent)).bind(4, as_int(d.capped));
    st.bind(5, as_int(d.ineligible)).bind(6, as_int(d.cooling_down)).bind(7, as_int(d.quiet_hours)).bind(8, id);
    st.step();
  }
  tx.commit();
}

WriteResult SqliteStore::delete_trigger(const std::string& partner_id, const std::string& id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE triggers SET status = 'deleted', updated_at = ? WHERE id = ? AND partner_id = ? AND status = 'active'");
  st.bind(1, now).bind(2, id).bind(3, partner_id);
  st.step();
  return sqlite3_changes(db_) == 1 ? WriteResult::ok : WriteResult::not_found;
}

std::uint64_t SqliteStore::stream_cursor(const std::string& name) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT position FROM stream_cursors WHERE name = ?");
  st.bind(1, name);
  return st.step() ? static_cast<std::uint64_t>(st.int64(0)) : 0;
}

void SqliteStore::set_stream_cursor(const std::string& name, std::uint64_t position) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "INSERT INTO stream_cursors(name, position) VALUES (?, ?) "
               "ON CONFLICT(name) DO UPDATE SET position = excluded.position");
  st.bind(1, name).bind(2, as_int(position));
  st.step();
}

IdempotencyClaim SqliteStore::claim_idempotency_key(const std::string& partner_id, const std::string& key,
                                                   const std::string& fingerprint, std::int64_t now,
                                                   std::int64_t abandoned_after, std::int64_t keep) {
  std::lock_guard lock(mutex_);
  // Forgetting expired keys costs one indexed delete a minute, not one per request.
  if (now - idempotency_purged_at_ >= 60) {
    Statement purge(db_, "DELETE FROM idempotency_keys WHERE created_at <= ?");
    purge.bind(1, now - keep).step();
    idempotency_purged_at_ = now;
  }
  Statement find(db_,
                 "SELECT fingerprint, state, status, content_type, location, body, created_at, updated_at "
                 "FROM idempotency_keys WHERE partner_id = ? AND key = ?");
  find.bind(1, partner_id).bind(2, key);
  IdempotencyClaim claim;
  if (find.step()) {
    const bool expired = find.int64(6) <= now - keep;
    const bool abandoned = find.text(1) == "in_flight" && find.int64(7) <= now - abandoned_after;
    if (!expired && !abandoned) {
      if (find.text(0) != fingerprint) {
        claim.outcome = IdempotencyClaim::Outcome::mismatch;
      } else if (find.text(1) == "in_flight") {
        claim.outcome = IdempotencyClaim::Outcome::in_flight;
      } else {
        StoredResponse r;
        r.status = static_cast<int>(find.int64(2));
        r.content_type = find.text(3);
        r.location = find.text(4);
        int size = 0;
        const void* data = find.blob(5, size);
        if (data && size > 0) r.body.assign(static_cast<const char*>(data), static_cast<std::size_t>(size));
        claim.outcome = IdempotencyClaim::Outcome::replay;
        claim.response = std::move(r);
      }
      return claim;
    }
  }
  Statement put(db_,
                "INSERT OR REPLACE INTO idempotency_keys(partner_id, key, fingerprint, state, created_at, updated_at) "
                "VALUES (?, ?, ?, 'in_flight', ?, ?)");
  put.bind(1, partner_id).bind(2, key).bind(3, fingerprint).bind(4, now).bind(5, now).step();
  return claim;
}

void SqliteStore::complete_idempotency_key(const std::string& partner_id, const std::string& key,
                                           const StoredResponse& response, std::int64_t now) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, location = ?, body = ?, "
               "updated_at = ? WHERE partner_id = ? AND key = ?");
  st.bind(1, static_cast<std::int64_t>(response.status)).bind(2, response.content_type).bind(3, response.location);
  st.bind_blob(4, response.body.data(), static_cast<int>(response.body.size()));
  st.bind(5, now).bind(6, partner_id).bind(7, key).step();
}

void SqliteStore::release_idempotency_key(const std::string& partner_id, const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "DELETE FROM idempotency_keys WHERE partner_id = ? AND key = ? AND state = 'in_flight'");
  st.bind(1, partner_id).bind(2, key).step();
}

bool SqliteStore::healthy() {
  std::lock_guard lock(mutex_);
  try {
    Statement st(db_, "SELECT 1");
    return st.step();
  } catch (const StoreError&) {
    return false;
  }
}

// Privacy budget ---------------------------------------------------------------------------

std::optional<std::string> SqliteStore::find(const std::string& account, const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement st(db_, "SELECT figures FROM privacy_releases WHERE account = ? AND key = ?");
  st.bind(1, account).bind(2, key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::optional<std::string> SqliteStore::record(const privacy::ReleaseEntry& e, std::uint64_t cap_milli) {
  std::lock_guard lock(mutex_);
  // One transaction: the spend read and the entry written together, so two instances
  // sharing the file cannot both spend the last of a budget.
  Transaction tx(db_);
  {
    Statement st(db_, "SELECT figures FROM privacy_releases WHERE account = ? AND key = ?");
    st.bind(1, e.account).bind(2, e.key);
    if (st.step()) return st.text(0);
  }
  {
    Statement st(db_, "SELECT COALESCE(SUM(epsilon_milli), 0) FROM privacy_releases WHERE account = ? AND period = ?");
    st.bind(1, e.account).bind(2, e.period);
    st.step();
    if (static_cast<std::uint64_t>(st.int64(0)) + e.epsilon_milli > cap_milli) return std::nullopt;
  }
  Statement st(db_, "INSERT INTO privacy_releases(account, key, period, epsilon_milli, figures, at) VALUES (?,?,?,?,?,?)");
  st.bind(1, e.account).bind(2, e.key).bind(3, e.period).bind(4, as_int(e.epsilon_milli)).bind(5, e.figures).bind(6, e.at);
  st.step();
  tx.commit();
  return e.figures;
}

privacy::BudgetUse SqliteStore::use(const std::string& account, const std::string& period) {
  std::lock_guard lock(mutex_);
  Statement st(db_,
               "SELECT COALESCE(SUM(epsilon_milli), 0), COUNT(*) FROM privacy_releases WHERE account = ? AND period = ?");
  st.bind(1, account).bind(2, period);
  st.step();
  return {static_cast<std::uint64_t>(st.int64(0)), static_cast<std::uint64_t>(st.int64(1))};
}

}  // namespace octopus::store
