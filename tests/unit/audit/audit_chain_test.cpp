// The audit log's signed hash chain against someone with write access to a copy of the
// database: every edit, removal, insertion and reordering is found, at the right entry,
// including after the append-only triggers are dropped; an untouched log verifies.
#include <gtest/gtest.h>

#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "app/sql_repositories.hpp"
#include "audit/audit_chain.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_database.hpp"

using namespace octopus::audit;
namespace fs = std::filesystem;

namespace {

// An SQL blob literal of any byte array.
template <std::size_t N>
std::string blob(const std::array<std::uint8_t, N>& bytes) {
  std::string hex(N * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), N);
  hex.pop_back();
  return "x'" + hex + "'";
}

class AuditChain : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("octopus-audit-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  octopus::protocol::Ed25519PublicKey key{};

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir / "live");
    octopus::app::SqlRepositories live((dir / "live" / "gateway.db").string());
    for (int i = 1; i <= 5; ++i)
      live.audit.append_audit({.at = 1'700'000'000 + i,
                               .actor = i % 2 ? "alice" : "bob",
                               .action = "partner.update",
                               .subject = "acme",
                               .outcome = "accepted",
                               .policy_version = "v1",
                               .detail = R"({"n":)" + std::to_string(i) + "}",
                               .request_id = "req-" + std::to_string(i)});
    key = live.audit.public_key();
    live.audit.write_head_to(dir / "head.json");
  }
  void TearDown() override { fs::remove_all(dir); }

  // A copy of the live database, changed by `sql` as an intruder would, then verified.
  ChainVerdict tampered(const std::string& sql, bool with_head = false) {
    const auto copy = dir / "copy.db";
    fs::remove(copy);
    fs::copy_file(dir / "live" / "gateway.db", copy);
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    octopus::store::sqlite::SqliteDatabase opened(copy.string());
    std::optional<SignedHead> head;
    if (with_head) head = read_head_file(dir / "head.json");
    return verify_audit_chain(opened, key, head);
  }
};

constexpr const char* kDropTriggers =
    "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; "
    "DROP TRIGGER audit_chain_no_update; DROP TRIGGER audit_chain_no_delete; ";

TEST_F(AuditChain, AnUntouchedLogVerifiesWithAndWithoutItsHeadFile) {
  for (const bool with_head : {false, true}) {
    const auto v = tampered("SELECT 1;", with_head);
    EXPECT_TRUE(v.intact()) << v.reason;
    EXPECT_EQ(v.entries, 5u);
    EXPECT_EQ(v.last_id, 5);
  }
}

TEST_F(AuditChain, TheTriggersStillRefuseChangesAndAnEditAfterDroppingThemIsFoundAtItsEntry) {
  octopus::store::sqlite::SqliteDatabase live((dir / "live" / "gateway.db").string());
  EXPECT_THROW(live.session().exec("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"), std::exception);
  const auto v = tampered(std::string(kDropTriggers) + "UPDATE audit_log SET actor = 'mallory' WHERE id = 3;");
  EXPECT_EQ(v.first_bad, 3);
  EXPECT_NE(v.reason.find("edited"), std::string::npos) << v.reason;
  EXPECT_EQ(v.entries, 2u);
}

TEST_F(AuditChain, ARemovedEntryIsNamed) {
  auto v = tampered(std::string(kDropTriggers) + "DELETE FROM audit_log WHERE id = 3;");
  EXPECT_EQ(v.first_bad, 3);
  EXPECT_NE(v.reason.find("missing"), std::string::npos) << v.reason;
  // Its link removed too, and the later entries renumbered to close the gap.
  v = tampered(std::string(kDropTriggers) +
               "DELETE FROM audit_log WHERE id = 3; DELETE FROM audit_chain WHERE entry_id = 3;"
               "UPDATE audit_log SET id = id - 1 WHERE id > 3; "
               "DELETE FROM audit_chain WHERE entry_id = 5; UPDATE audit_chain SET entry_id = entry_id - 1 "
               "WHERE entry_id > 3;");
  EXPECT_EQ(v.first_bad, 3);
}

TEST_F(AuditChain, AnInsertedEntryIsFoundWithOrWithoutAForgedLink) {
  const std::string insert =
      "INSERT INTO audit_log(id, at, actor, action, subject, outcome, policy_version, detail) "
      "VALUES (6, 1700000100, 'alice', 'partner.create', 'evil', 'accepted', 'v1', '{}');";
  auto v = tampered(insert);
  EXPECT_EQ(v.first_bad, 6);
  EXPECT_NE(v.reason.find("no chain link"), std::string::npos) << v.reason;

  // A link computed the gateway's way, but signed with another key.
  AuditRecord forged{.id = 6,
                     .at = 1700000100,
                     .actor = "alice",
                     .action = "partner.create",
                     .subject = "evil",
                     .outcome = "accepted",
                     .policy_version = "v1",
                     .detail = "{}"};
  octopus::store::sqlite::SqliteDatabase live((dir / "live" / "gateway.db").string());
  auto session = live.session();
  octopus::store::sql::Statement last(session, "SELECT hex(hash) FROM audit_chain WHERE entry_id = 5");
  ASSERT_TRUE(last.step());
  auto previous_hex = last.text(0);
  for (auto& c : previous_hex) c = static_cast<char>(std::tolower(c));
  const auto hash = chain_hash(5, *chain_hash_from_hex(previous_hex), forged);
  const auto signature = AuditSigner(octopus::protocol::Ed25519PrivateKey::generate()).sign(6, hash);
  v = tampered(insert + "INSERT INTO audit_chain VALUES (6, " + blob(hash) + ", " + blob(signature) + ");");
  EXPECT_EQ(v.first_bad, 6);
  EXPECT_NE(v.reason.find("not signed by the gateway's audit key"), std::string::npos) << v.reason;
}

TEST_F(AuditChain, ReorderedEntriesAreFoundAtTheFirstMovedOne) {
  const auto v = tampered(std::string(kDropTriggers) +
                          "UPDATE audit_log SET id = 100 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 3; "
                          "UPDATE audit_log SET id = 3 WHERE id = 100;");
  EXPECT_EQ(v.first_bad, 2);
}

TEST_F(AuditChain, AChainRecomputedWithoutTheGatewaysKeyIsRefused) {
  // Edit entry 2, then rebuild every link the gateway's way under another key.
  octopus::app::SqlRepositories live((dir / "live" / "gateway.db").string());
  const auto entries = live.audit.list_audit(std::nullopt, 10, {}).items;
  AuditSigner intruder(octopus::protocol::Ed25519PrivateKey::generate());
  std::string sql = std::string(kDropTriggers) +
                    "UPDATE audit_log SET actor = 'mallory' WHERE id = 2; "
                    "DELETE FROM audit_chain; ";
  std::int64_t previous_id = 0;
  ChainHash previous{};
  for (auto e : entries) {
    if (e.id == 2) e.actor = "mallory";
    const auto hash = chain_hash(previous_id, previous, e);
    sql += "INSERT INTO audit_chain VALUES (" + std::to_string(e.id) + ", " + blob(hash) + ", " +
           blob(intruder.sign(e.id, hash)) + "); ";
    previous_id = e.id;
    previous = hash;
  }
  const auto v = tampered(sql);
  EXPECT_EQ(v.first_bad, 1);
  EXPECT_NE(v.reason.find("not signed by the gateway's audit key"), std::string::npos) << v.reason;
}

TEST_F(AuditChain, EntriesRemovedFromTheEndAreFoundByTheirLinksOrTheHeadFile) {
  auto v = tampered(std::string(kDropTriggers) + "DELETE FROM audit_log WHERE id >= 4;");
  EXPECT_EQ(v.first_bad, 4);
  EXPECT_NE(v.reason.find("links remain"), std::string::npos) << v.reason;
  // Links removed as well: only the head kept outside the database can tell.
  const std::string truncate =
      std::string(kDropTriggers) + "DELETE FROM audit_log WHERE id >= 4; DELETE FROM audit_chain WHERE entry_id >= 4;";
  EXPECT_TRUE(tampered(truncate).intact());
  v = tampered(truncate, /*with_head=*/true);
  EXPECT_EQ(v.first_bad, 4);
  EXPECT_NE(v.reason.find("head file"), std::string::npos) << v.reason;
}

// Entries an older version wrote (a database at schema 12) are chained when this version
// first opens it; an entry slipped in later is not chained by a restart.
TEST_F(AuditChain, EntriesFromBeforeTheChainAreChainedOnceAndLaterIntrudersAreNot) {
  const auto path = (dir / "legacy" / "gateway.db").string();
  fs::create_directories(dir / "legacy");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string script = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);";
  const auto all = octopus::store::sqlite::migrations();
  for (std::size_t v = 1; v <= 12; ++v)
    script += std::string(all[v - 1]) + "; INSERT INTO schema_migrations VALUES (" + std::to_string(v) + ", 0);";
  script +=
      "INSERT INTO audit_log(at, actor, action, subject, outcome, policy_version, detail) VALUES "
      "(1, 'admin', 'policy.reload', 'policies', 'accepted', 'v1', '{}'), "
      "(2, 'admin', 'partner.create', 'acme', 'accepted', 'v1', '{}');";
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_close(db);

  {
    octopus::app::SqlRepositories upgraded(path);
    upgraded.audit.append_audit({.at = 3, .actor = "alice", .action = "partner.update", .subject = "acme"});
    const auto v = verify_audit_chain(upgraded.db, upgraded.audit.public_key(), std::nullopt);
    EXPECT_TRUE(v.intact()) << v.reason;
    EXPECT_EQ(v.entries, 3u);
    upgraded.db.session().exec(
        "INSERT INTO audit_log(at, actor, action, subject, outcome, policy_version, detail) "
        "VALUES (4, 'mallory', 'partner.create', 'x', 'accepted', 'v1', '{}')");
  }
  {
    // Listed as "pending" too: still not chained, the list is only read once.
    octopus::app::SqlRepositories restarted(path);
    restarted.db.session().exec("INSERT INTO audit_chain_pending VALUES (4)");
  }
  octopus::app::SqlRepositories restarted(path);
  const auto v = verify_audit_chain(restarted.db, restarted.audit.public_key(), std::nullopt);
  EXPECT_EQ(v.first_bad, 4);
}

// A gateway does not start on a log that no longer reaches the head kept outside it.
TEST_F(AuditChain, ALogCutShortOfItsHeadFileIsRefusedAtStart) {
  {
    octopus::store::sqlite::SqliteDatabase db((dir / "live" / "gateway.db").string());
    const auto cut = std::string(kDropTriggers) +
                     "DELETE FROM audit_log WHERE id >= 4; DELETE FROM audit_chain WHERE entry_id >= 4;";
    db.session().exec(cut.c_str());
  }
  octopus::app::SqlRepositories live((dir / "live" / "gateway.db").string());
  EXPECT_THROW(live.audit.write_head_to(dir / "head.json"), std::runtime_error);
  EXPECT_NO_THROW(live.audit.write_head_to(dir / "another-head.json"));  // a new head file starts here
}

}  // namespace
