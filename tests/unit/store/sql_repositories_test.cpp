// Every repository on both dialects: a real SQLite file, and a database of its own on the
// test run's PostgreSQL server; the same tests, the same expectations.
#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include <sqlite3.h>
#include <unistd.h>

#include "app/sql_repositories.hpp"
#include "coordination/sql_lease_repository.hpp"
#include "store/postgresql/migrations.hpp"
#include "store/postgresql/postgres_database.hpp"
#include "store/sqlite/migrations.hpp"
#include "test_database.hpp"

using namespace octopus::store;
using namespace octopus::partners;
using octopus::app::SqlRepositories;
using octopus::audiences::AudienceRecord;

namespace {

std::string test_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : name)
    if (c == '/') c = '_';
  return name;
}

class SqlStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("octopus-store-" + std::to_string(::getpid()) + "-" + test_name());
  std::string path = (dir / "gateway.db").string();
  std::string postgres_url;

  void SetUp() override {
    std::filesystem::create_directories(dir);
    if (GetParam() == "postgresql") postgres_url = octopus::testing::fresh_postgres_database();
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  // The store as a gateway opens it: SQLite's file, or the PostgreSQL database (each open is
  // a new pool, as a restarted gateway's is).
  std::unique_ptr<SqlRepositories> open() {
    if (GetParam() == "sqlite") return std::make_unique<SqlRepositories>(path);
    postgresql::PostgresOptions options{.url = postgres_url, .tls_mode = "disable", .pool_size = 4};
    return std::make_unique<SqlRepositories>(std::make_unique<postgresql::PostgresDatabase>(options),
                                             SqlRepositories::key_beside(path));
  }
  int latest_version() const {
    return static_cast<int>(GetParam() == "sqlite" ? sqlite::migrations().size() : postgresql::migrations().size());
  }
  static Partner partner(const std::string& id) {
    return Partner{.id = id,
                   .display_name = "P " + id,
                   .tier = "gold",
                   .category = "internet",
                   .scopes = {"audiences:read"},
                   .created_at = 10,
                   .updated_at = 10};
  }
  static PartnerKey key(const std::string& id, const std::string& partner_id) {
    PartnerKey k{.key_id = id, .partner_id = partner_id, .created_at = 20};
    k.public_key.fill(7);
    return k;
  }
};

INSTANTIATE_TEST_SUITE_P(Dialects, SqlStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

TEST_P(SqlStoreTest, MigratesOnceAndKeepsDataAcrossReopen) {
  {
    const auto held_s = open();
    auto& s = *held_s;
    EXPECT_EQ(s.db.schema_version(), latest_version());
    ASSERT_EQ(s.partners.create_partner(partner("acme")), WriteResult::ok);
    ASSERT_EQ(s.partners.add_key(key("k1", "acme")), WriteResult::ok);
  }
  const auto held_again = open();
  auto& again = *held_again;
  EXPECT_EQ(again.db.schema_version(), latest_version());
  auto p = again.partners.get_partner("acme");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scopes, std::vector<std::string>{"audiences:read"});
  ASSERT_EQ(p->keys.size(), 1u);
  EXPECT_EQ(p->keys[0].public_key[31], 7);
  EXPECT_TRUE(again.db.healthy());
}

TEST_P(SqlStoreTest, ConflictsAndMissingRowsAreReportedNotThrown) {
  const auto held_s = open();
  auto& s = *held_s;
  ASSERT_EQ(s.partners.create_partner(partner("acme")), WriteResult::ok);
  EXPECT_EQ(s.partners.create_partner(partner("acme")), WriteResult::conflict);
  EXPECT_EQ(s.partners.add_key(key("k1", "nobody")), WriteResult::not_found);
  ASSERT_EQ(s.partners.add_key(key("k1", "acme")), WriteResult::ok);
  ASSERT_EQ(s.partners.create_partner(partner("beta")), WriteResult::ok);
  EXPECT_EQ(s.partners.add_key(key("k1", "beta")), WriteResult::conflict);
  EXPECT_EQ(s.partners.update_partner("nobody", {.tier = "x"}, 30), WriteResult::not_found);
  EXPECT_FALSE(s.partners.revoke_key("beta", "k1", 30));
}

TEST_P(SqlStoreTest, RevocationKeepsTheFirstTime) {
  const auto held_s = open();
  auto& s = *held_s;
  s.partners.create_partner(partner("acme"));
  s.partners.add_key(key("k1", "acme"));
  EXPECT_EQ(s.partners.revoke_key("acme", "k1", 100)->revoked_at, 100);
  EXPECT_EQ(s.partners.revoke_key("acme", "k1", 200)->revoked_at, 100);
}

TEST_P(SqlStoreTest, PatchChangesOnlyWhatIsSet) {
  const auto held_s = open();
  auto& s = *held_s;
  s.partners.create_partner(partner("acme"));
  ASSERT_EQ(s.partners.update_partner("acme", {.status = PartnerStatus::suspended}, 50), WriteResult::ok);
  auto p = s.partners.get_partner("acme");
  EXPECT_EQ(p->status, PartnerStatus::suspended);
  EXPECT_EQ(p->tier, "gold");
  EXPECT_EQ(p->updated_at, 50);
  EXPECT_EQ(p->created_at, 10);
}

TEST_P(SqlStoreTest, ListsInPagesByIdWithoutGapsOrRepeats) {
  const auto held_s = open();
  auto& s = *held_s;
  for (const char* id : {"delta", "alpha", "echo", "charlie", "bravo"}) s.partners.create_partner(partner(id));
  std::vector<std::string> seen;
  std::optional<std::string> after;
  do {
    auto page = s.partners.list_partners(after, 2);
    for (auto& p : page.items) seen.push_back(p.id);
    after = page.next_after;
  } while (after);
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
}

TEST(SqliteStore, RefusesAFileThatIsNotADatabase) {
  const auto junk = std::filesystem::temp_directory_path() / ("octopus-junk-" + std::to_string(::getpid()) + ".db");
  FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("this is not a database, just text that is long enough to be a header", f);
  std::fclose(f);
  EXPECT_THROW(SqlRepositories{junk.string()}, StoreError);
  std::filesystem::remove(junk);
}

TEST_P(SqlStoreTest, AudiencesAreScopedToTheirOwnerAndDeletedOnesDisappear) {
  const auto held_s = open();
  auto& s = *held_s;
  ASSERT_EQ(s.partners.create_partner(partner("acme")), WriteResult::ok);
  ASSERT_EQ(s.partners.create_partner(partner("beta")), WriteResult::ok);
  auto audience = [](const std::string& id, const std::string& owner) {
    return AudienceRecord{.id = id,
                          .partner_id = owner,
                          .status = "building",
                          .segment_json = "{}",
                          .purpose = "dpv:DirectMarketing",
                          .policy_version = "v1",
                          .created_at = 1,
                          .updated_at = 1};
  };
  ASSERT_EQ(s.audiences.create_audience(audience("aud_1", "acme")), WriteResult::ok);
  ASSERT_EQ(s.audiences.create_audience(audience("aud_2", "acme")), WriteResult::ok);
  ASSERT_EQ(s.audiences.create_audience(audience("aud_3", "beta")), WriteResult::ok);
  EXPECT_EQ(s.audiences.create_audience(audience("aud_1", "beta")), WriteResult::conflict);
  EXPECT_TRUE(s.audiences.get_audience("acme", "aud_1"));
  EXPECT_FALSE(s.audiences.get_audience("beta", "aud_1"));  // another partner's is as absent as an unknown one

  auto ready = *s.audiences.get_audience("acme", "aud_1");
  ready.status = "ready";
  ready.count = 1200;
  ready.updated_at = 5;
  EXPECT_EQ(s.audiences.update_audience(ready), WriteResult::ok);
  auto back = s.audiences.get_audience("acme", "aud_1");
  EXPECT_EQ(back->status, "ready");
  EXPECT_EQ(back->count, 1200u);
  ready.partner_id = "beta";
  EXPECT_EQ(s.audiences.update_audience(ready), WriteResult::not_found);  // nor can it be changed by another

  auto first = s.audiences.list_audiences("acme", std::nullopt, 1);
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].id, "aud_1");
  auto second = s.audiences.list_audiences("acme", first.next_after, 1);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, "aud_2");
  EXPECT_FALSE(second.next_after);

  auto gone = *s.audiences.get_audience("acme", "aud_2");
  gone.status = "deleted";
  EXPECT_EQ(s.audiences.update_audience(gone), WriteResult::ok);
  EXPECT_FALSE(s.audiences.get_audience("acme", "aud_2"));
  EXPECT_EQ(s.audiences.list_audiences("acme", std::nullopt, 10).items.size(), 1u);
}

TEST_P(SqlStoreTest, AuditLogAppendsInOrderFiltersByActionAndRefusesChanges) {
  const auto held_s = open();
  auto& s = *held_s;
  const auto first = s.audit.append_audit({.at = 100,
                                           .actor = "startup",
                                           .action = "policy.reload",
                                           .subject = "policies",
                                           .outcome = "accepted",
                                           .policy_version = "v1",
                                           .detail = R"({"a":1})"});
  const auto second = s.audit.append_audit({.at = 101,
                                            .actor = "admin",
                                            .action = "partner.create",
                                            .subject = "acme",
                                            .outcome = "ok",
                                            .policy_version = "v1"});
  const auto third = s.audit.append_audit({.at = 102,
                                           .actor = "admin",
                                           .action = "policy.reload",
                                           .subject = "policies",
                                           .outcome = "refused",
                                           .policy_version = "v1"});
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);

  auto reloads = s.audit.list_audit(std::nullopt, 10, {.action = "policy.reload"});
  ASSERT_EQ(reloads.items.size(), 2u);
  EXPECT_EQ(reloads.items[0].id, first);
  EXPECT_EQ(reloads.items[0].detail, R"({"a":1})");
  EXPECT_EQ(reloads.items[1].outcome, "refused");
  EXPECT_FALSE(reloads.next_after);

  auto page = s.audit.list_audit(std::nullopt, 2, {});
  ASSERT_EQ(page.items.size(), 2u);
  ASSERT_TRUE(page.next_after);
  auto rest = s.audit.list_audit(page.next_after, 2, {});
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].id, third);

  // Append-only is enforced by the database itself, not only by the repository's interface.
  {
    auto session = s.db.session();
    EXPECT_THROW(session.exec("UPDATE audit_log SET outcome='accepted'"), StoreError);
    EXPECT_THROW(session.exec("DELETE FROM audit_log"), StoreError);
    if (GetParam() == "postgresql") {
      EXPECT_THROW(session.exec("TRUNCATE audit_log"), StoreError);
    }
  }
  EXPECT_EQ(s.audit.list_audit(std::nullopt, 10, {}).items.size(), 3u);
}

// A lease is one holder's until it expires; the holder renews it keeping its token, another
// takes it over only once it has expired (or was released), with a larger token.
TEST_P(SqlStoreTest, ALeaseIsOneHoldersUntilItExpiresThenTheNextHoldersWithALargerToken) {
  const auto held_s = open();
  octopus::coordination::SqlLeaseRepository leases(held_s->db);
  const auto first = leases.acquire("background", "a", 1000, 500);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->expires_at_ms, 1500);
  EXPECT_FALSE(leases.acquire("background", "b", 1499, 500)) << "taken over before it expired";
  const auto renewed = leases.acquire("background", "a", 1400, 500);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->token, first->token);
  EXPECT_FALSE(leases.acquire("background", "b", 1899, 500));
  const auto taken = leases.acquire("background", "b", 1900, 500);
  ASSERT_TRUE(taken) << "not taken over once expired";
  EXPECT_GT(taken->token, first->token);
  EXPECT_FALSE(leases.acquire("background", "a", 1950, 500)) << "the old holder got it back";
  EXPECT_TRUE(leases.acquire("other", "a", 1950, 500)) << "leases are independent";
  leases.release("background", "a");  // not a's: nothing happens
  EXPECT_FALSE(leases.acquire("background", "a", 1960, 500));
  leases.release("background", "b");
  const auto handed = leases.acquire("background", "a", 1970, 500);
  ASSERT_TRUE(handed) << "a released lease is free at once";
  EXPECT_GT(handed->token, taken->token);
}

// A holder paused past its lease wakes and records its batch: the write is refused (and
// changes nothing), so the delivery's cursor never moves back under the instance that took
// the lease over.
TEST_P(SqlStoreTest, ProgressFencedByASupersededLeaseGrantIsRefusedAndChangesNothing) {
  const auto held_s = open();
  octopus::coordination::SqlLeaseRepository leases(held_s->db);
  const auto a = leases.acquire("background", "a", 1000, 500);
  ASSERT_TRUE(a);
  ASSERT_EQ(held_s->partners.create_partner(partner("acme")), WriteResult::ok);
  ASSERT_EQ(held_s->offers.create_offer({.id = "ofr_1", .partner_id = "acme", .status = "approved", .channel = "sms"}),
            WriteResult::ok);
  octopus::deliveries::DeliveryRecord d{
      .id = "dlv_f", .partner_id = "acme", .offer_id = "ofr_1", .audience_id = "aud_1", .status = "running"};
  ASSERT_EQ(held_s->deliveries.create_delivery(d), WriteResult::ok);
  d.cursor = 100;
  EXPECT_EQ(held_s->deliveries.record_delivery_progress(d, {"background", a->token}), WriteResult::ok);

  const auto b = leases.acquire("background", "b", 1600, 500);  // a's expired: b takes over
  ASSERT_TRUE(b);
  d.cursor = 300;
  EXPECT_EQ(held_s->deliveries.record_delivery_progress(d, {"background", b->token}), WriteResult::ok);
  auto stale = d;
  stale.cursor = 200;
  stale.decided = 200;
  EXPECT_EQ(held_s->deliveries.record_delivery_progress(stale, {"background", a->token}), WriteResult::conflict);
  EXPECT_EQ(held_s->deliveries.get_delivery("acme", "dlv_f")->cursor, 300u);
  EXPECT_EQ(held_s->deliveries.record_delivery_progress(stale, {}), WriteResult::ok) << "an unfenced write lands";
  stale.id = "dlv_missing";
  EXPECT_EQ(held_s->deliveries.record_delivery_progress(stale, {"background", b->token}), WriteResult::not_found);
}

// Every column of a table is written and read back into its own field: a record with a
// distinct value in each field survives the round trip (a column mapped to the wrong field,
// or left out of the insert, would not).
TEST_P(SqlStoreTest, EveryDeliveryAndTriggerFieldRoundTrips) {
  const auto held_s = open();
  auto& s = *held_s;
  ASSERT_EQ(s.partners.create_partner(partner("acme")), WriteResult::ok);
  octopus::offers::OfferRecord o{.id = "ofr_1",
                                 .partner_id = "acme",
                                 .name = "n",
                                 .status = "approved",
                                 .channel = "sms",
                                 .template_text = "t",
                                 .product_code = "p",
                                 .landing_url = "https://x",
                                 .valid_from = 1,
                                 .valid_until = 2,
                                 .reasons_json = "[1]",
                                 .policy_version = "v",
                                 .review_note = "rn",
                                 .reviewer = "rv",
                                 .review_policy_version = "rpv",
                                 .reviewed_at = 3,
                                 .created_at = 4,
                                 .updated_at = 5};
  ASSERT_EQ(s.offers.create_offer(o), WriteResult::ok);
  const auto offer = *s.offers.get_offer("acme", "ofr_1");
  EXPECT_EQ(std::tie(offer.name, offer.template_text, offer.landing_url, offer.reasons_json, offer.review_note,
                     offer.reviewer, offer.review_policy_version),
            std::tie(o.name, o.template_text, o.landing_url, o.reasons_json, o.review_note, o.reviewer,
                     o.review_policy_version));
  EXPECT_EQ(std::tie(offer.valid_from, offer.valid_until, offer.reviewed_at, offer.created_at, offer.updated_at),
            std::tie(o.valid_from, o.valid_until, o.reviewed_at, o.created_at, o.updated_at));

  octopus::deliveries::DeliveryRecord d{.id = "dlv_1",
                                        .partner_id = "acme",
                                        .offer_id = "ofr_1",
                                        .audience_id = "aud_9",
                                        .subscribers = {11, 12},
                                        .target_count = 13,
                                        .purpose = "pu",
                                        .status = "running",
                                        .send_at = 14,
                                        .resume_at = 15,
                                        .cursor = 16,
                                        .decided = 17,
                                        .counts = {18, 19, 20, 21, 22, 23},
                                        .sink_position = "sp",
                                        .policy_version = "pv",
                                        .error = "er",
                                        .created_at = 24,
                                        .updated_at = 25,
                                        .finished_at = 26};
  ASSERT_EQ(s.deliveries.create_delivery(d), WriteResult::ok);
  const auto back = *s.deliveries.get_delivery("acme", "dlv_1");
  EXPECT_EQ(back.subscribers, d.subscribers);
  EXPECT_EQ(std::tie(back.audience_id, back.purpose, back.status, back.sink_position, back.policy_version, back.error),
            std::tie(d.audience_id, d.purpose, d.status, d.sink_position, d.policy_version, d.error));
  EXPECT_EQ(std::tie(back.target_count, back.cursor, back.decided, back.counts.delivered, back.counts.no_consent,
                     back.counts.capped, back.counts.ineligible, back.counts.cancelled, back.counts.failed),
            std::tie(d.target_count, d.cursor, d.decided, d.counts.delivered, d.counts.no_consent, d.counts.capped,
                     d.counts.ineligible, d.counts.cancelled, d.counts.failed));
  EXPECT_EQ(std::tie(back.send_at, back.resume_at, back.created_at, back.updated_at, back.finished_at),
            std::tie(d.send_at, d.resume_at, d.created_at, d.updated_at, d.finished_at));

  octopus::triggers::TriggerRecord t{.id = "trg_1",
                                     .partner_id = "acme",
                                     .offer_id = "ofr_1",
                                     .event_type = "recharge",
                                     .segment_json = "{}",
                                     .purpose = "pu",
                                     .cooldown_seconds = 60,
                                     .engine_audience_id = "e1",
                                     .segment_size = 500,
                                     .status = "active",
                                     .policy_version = "pv",
                                     .created_at = 1,
                                     .updated_at = 2};
  ASSERT_EQ(s.triggers.create_trigger(t), WriteResult::ok);
  s.triggers.add_trigger_counts({{"trg_1", {1, 2, 3, 4, 5, 6, 7}}});
  s.triggers.add_trigger_counts({{"trg_1", {1, 1, 1, 1, 1, 1, 1}}});
  const auto trigger = *s.triggers.get_trigger("acme", "trg_1");
  const auto& c = trigger.counts;
  EXPECT_EQ(std::tie(c.matched, c.sent, c.no_consent, c.capped, c.ineligible, c.cooling_down, c.quiet_hours),
            std::make_tuple(2u, 3u, 4u, 5u, 6u, 7u, 8u));
  EXPECT_EQ(std::tie(trigger.event_type, trigger.engine_audience_id, trigger.segment_size, trigger.cooldown_seconds),
            std::tie(t.event_type, t.engine_audience_id, t.segment_size, t.cooldown_seconds));
}

// Migration 12 rebuilds the ledger table to widen its entry types: a store made by the
// version before keeps every entry and its outbox event, the foreign key between them, and
// the ledger's refusal of UPDATE and DELETE.
TEST(LedgerMigration, AnOlderStoresEntriesAndOutboxSurviveTheRebuild) {
  const auto path =
      std::filesystem::temp_directory_path() / ("octopus-migration-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto exec = [&](const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error ? error : "";
    sqlite3_free(error);
    return rc == SQLITE_OK ? std::string() : message;
  };
  ASSERT_EQ(exec("PRAGMA foreign_keys=ON; CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                 "applied_at INTEGER NOT NULL)"),
            "");
  const auto all = octopus::store::sqlite::migrations();
  for (std::size_t v = 1; v <= 11; ++v) {
    ASSERT_EQ(exec(all[v - 1]), "") << "migration " << v;
    ASSERT_EQ(exec("INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0)"), "");
  }
  ASSERT_EQ(exec("INSERT INTO ledger_entries VALUES (7, 'stl_old', 'acme', 'settlement.earned', 320, 'CNY', "
                 "'ORD-1', '5G-PLUS', 42, 'ofr_x', 'dlv_x', 'ctr_x', 'v1', '', 1, 2);"
                 "INSERT INTO webhook_events VALUES ('msg_old', 'acme', 'settlement.earned', 7, 2)"),
            "");
  sqlite3_close(db);

  {
    octopus::app::SqlRepositories upgraded(path.string());
    EXPECT_EQ(upgraded.db.schema_version(), static_cast<int>(octopus::store::sqlite::migrations().size()));
    const auto entries = upgraded.settlement_ledger.order_entries("ORD-1");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].sequence, 7);
    EXPECT_EQ(entries[0].amount_fen, 320);
    const auto outbox = upgraded.settlement_ledger.outbox_after(0, 10);
    ASSERT_EQ(outbox.size(), 1u);
    EXPECT_EQ(outbox[0].event.id, "msg_old");
    // New entries continue the sequence after the old ones.
    octopus::settlement::LedgerEntry adjustment;
    adjustment.id = "stl_new";
    adjustment.partner_id = "acme";
    adjustment.type = octopus::settlement::EntryType::adjusted;
    adjustment.amount_fen = -50;
    adjustment.reason = "duplicate order ORD-1 refunded by hand";
    ASSERT_EQ(upgraded.settlement_ledger.append(adjustment), WriteResult::ok);
    EXPECT_EQ(adjustment.sequence, 8);
  }
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(exec("PRAGMA foreign_keys=ON; INSERT INTO webhook_events VALUES ('msg_orphan', 'acme', 'x', 999, 3)"),
            "FOREIGN KEY constraint failed")
      << "the outbox still refers to the ledger";
  EXPECT_NE(exec("UPDATE ledger_entries SET amount_fen = 1"), "");
  EXPECT_NE(exec("DELETE FROM ledger_entries"), "");
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace
