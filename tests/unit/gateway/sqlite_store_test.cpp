// The embedded Store on a real SQLite file.
#include <gtest/gtest.h>

#include <filesystem>

#include <sqlite3.h>

#include "store/sqlite/sqlite_store.hpp"

using namespace octopus::store;

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string path = (std::filesystem::temp_directory_path() /
                      ("octopus-store-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                         .string();
  void TearDown() override {
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  static Partner partner(const std::string& id) {
    return Partner{.id = id, .display_name = "P " + id, .tier = "gold", .category = "internet",
                   .scopes = {"audiences:read"}, .created_at = 10, .updated_at = 10};
  }
  static PartnerKey key(const std::string& id, const std::string& partner_id) {
    PartnerKey k{.key_id = id, .partner_id = partner_id, .created_at = 20};
    k.public_key.fill(7);
    return k;
  }
};

TEST_F(SqliteStoreTest, MigratesOnceAndKeepsDataAcrossReopen) {
  {
    SqliteStore s(path);
    EXPECT_EQ(s.schema_version(), 7);
    ASSERT_EQ(s.create_partner(partner("acme")), WriteResult::ok);
    ASSERT_EQ(s.add_key(key("k1", "acme")), WriteResult::ok);
  }
  SqliteStore again(path);
  EXPECT_EQ(again.schema_version(), 7);
  auto p = again.get_partner("acme");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scopes, std::vector<std::string>{"audiences:read"});
  ASSERT_EQ(p->keys.size(), 1u);
  EXPECT_EQ(p->keys[0].public_key[31], 7);
  EXPECT_TRUE(again.healthy());
}

TEST_F(SqliteStoreTest, ConflictsAndMissingRowsAreReportedNotThrown) {
  SqliteStore s(path);
  ASSERT_EQ(s.create_partner(partner("acme")), WriteResult::ok);
  EXPECT_EQ(s.create_partner(partner("acme")), WriteResult::conflict);
  EXPECT_EQ(s.add_key(key("k1", "nobody")), WriteResult::not_found);
  ASSERT_EQ(s.add_key(key("k1", "acme")), WriteResult::ok);
  ASSERT_EQ(s.create_partner(partner("beta")), WriteResult::ok);
  EXPECT_EQ(s.add_key(key("k1", "beta")), WriteResult::conflict);
  EXPECT_EQ(s.update_partner("nobody", {.tier = "x"}, 30), WriteResult::not_found);
  EXPECT_FALSE(s.revoke_key("beta", "k1", 30));
}

TEST_F(SqliteStoreTest, RevocationKeepsTheFirstTime) {
  SqliteStore s(path);
  s.create_partner(partner("acme"));
  s.add_key(key("k1", "acme"));
  EXPECT_EQ(s.revoke_key("acme", "k1", 100)->revoked_at, 100);
  EXPECT_EQ(s.revoke_key("acme", "k1", 200)->revoked_at, 100);
}

TEST_F(SqliteStoreTest, PatchChangesOnlyWhatIsSet) {
  SqliteStore s(path);
  s.create_partner(partner("acme"));
  ASSERT_EQ(s.update_partner("acme", {.status = PartnerStatus::suspended}, 50), WriteResult::ok);
  auto p = s.get_partner("acme");
  EXPECT_EQ(p->status, PartnerStatus::suspended);
  EXPECT_EQ(p->tier, "gold");
  EXPECT_EQ(p->updated_at, 50);
  EXPECT_EQ(p->created_at, 10);
}

TEST_F(SqliteStoreTest, ListsInPagesByIdWithoutGapsOrRepeats) {
  SqliteStore s(path);
  for (const char* id : {"delta", "alpha", "echo", "charlie", "bravo"}) s.create_partner(partner(id));
  std::vector<std::string> seen;
  std::optional<std::string> after;
  do {
    auto page = s.list_partners(after, 2);
    for (auto& p : page.items) seen.push_back(p.id);
    after = page.next_after;
  } while (after);
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  const std::string junk = path + ".junk";
  FILE* f = std::fopen(junk.c_str(), "wb");
  std::fputs("this is not a database, just text that is long enough to be a header", f);
  std::fclose(f);
  EXPECT_THROW(SqliteStore{junk}, StoreError);
  std::filesystem::remove(junk);
}

TEST_F(SqliteStoreTest, AudiencesAreScopedToTheirOwnerAndDeletedOnesDisappear) {
  SqliteStore s(path);
  ASSERT_EQ(s.create_partner(partner("acme")), WriteResult::ok);
  ASSERT_EQ(s.create_partner(partner("beta")), WriteResult::ok);
  auto audience = [](const std::string& id, const std::string& owner) {
    return AudienceRecord{.id = id, .partner_id = owner, .status = "building", .segment_json = "{}",
                          .purpose = "dpv:DirectMarketing", .policy_version = "v1", .created_at = 1, .updated_at = 1};
  };
  ASSERT_EQ(s.create_audience(audience("aud_1", "acme")), WriteResult::ok);
  ASSERT_EQ(s.create_audience(audience("aud_2", "acme")), WriteResult::ok);
  ASSERT_EQ(s.create_audience(audience("aud_3", "beta")), WriteResult::ok);
  EXPECT_EQ(s.create_audience(audience("aud_1", "beta")), WriteResult::conflict);
  EXPECT_TRUE(s.get_audience("acme", "aud_1"));
  EXPECT_FALSE(s.get_audience("beta", "aud_1"));  // another partner's is as absent as an unknown one

  auto ready = *s.get_audience("acme", "aud_1");
  ready.status = "ready";
  ready.count = 1200;
  ready.updated_at = 5;
  EXPECT_EQ(s.update_audience(ready), WriteResult::ok);
  auto back = s.get_audience("acme", "aud_1");
  EXPECT_EQ(back->status, "ready");
  EXPECT_EQ(back->count, 1200u);
  ready.partner_id = "beta";
  EXPECT_EQ(s.update_audience(ready), WriteResult::not_found);  // nor can it be changed by another

  auto first = s.list_audiences("acme", std::nullopt, 1);
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].id, "aud_1");
  auto second = s.list_audiences("acme", first.next_after, 1);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, "aud_2");
  EXPECT_FALSE(second.next_after);

  auto gone = *s.get_audience("acme", "aud_2");
  gone.status = "deleted";
  EXPECT_EQ(s.update_audience(gone), WriteResult::ok);
  EXPECT_FALSE(s.get_audience("acme", "aud_2"));
  EXPECT_EQ(s.list_audiences("acme", std::nullopt, 10).items.size(), 1u);
}

TEST_F(SqliteStoreTest, AuditLogAppendsInOrderFiltersByActionAndRefusesChanges) {
  SqliteStore s(path);
  const auto first = s.append_audit({.at = 100, .actor = "startup", .action = "policy.reload", .subject = "policies",
                                     .outcome = "accepted", .policy_version = "v1", .detail = R"({"a":1})"});
  const auto second = s.append_audit({.at = 101, .actor = "admin", .action = "partner.create", .subject = "acme",
                                      .outcome = "ok", .policy_version = "v1"});
  const auto third = s.append_audit({.at = 102, .actor = "admin", .action = "policy.reload", .subject = "policies",
                                     .outcome = "refused", .policy_version = "v1"});
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);

  auto reloads = s.list_audit(std::nullopt, 10, "policy.reload");
  ASSERT_EQ(reloads.items.size(), 2u);
  EXPECT_EQ(reloads.items[0].id, first);
  EXPECT_EQ(reloads.items[0].detail, R"({"a":1})");
  EXPECT_EQ(reloads.items[1].outcome, "refused");
  EXPECT_FALSE(reloads.next_after);

  auto page = s.list_audit(std::nullopt, 2, "");
  ASSERT_EQ(page.items.size(), 2u);
  ASSERT_TRUE(page.next_after);
  auto rest = s.list_audit(page.next_after, 2, "");
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].id, third);

  // Append-only is enforced by the file itself, not only by the Store's interface.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET outcome='accepted'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_log", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(s.list_audit(std::nullopt, 10, "").items.size(), 3u);
}

}  // namespace
