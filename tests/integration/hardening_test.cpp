// Safe defaults an operator relies on without configuring anything: the gateway's data files
// are readable by its own account only, and no value a client sends comes back unbounded.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "gateway_harness.hpp"
#include "test_database.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(DataFiles, TheStoreItsJournalAndTheKeysAreOwnerOnly) {
  if (octopus::testing::store_is_postgresql())
    GTEST_SKIP() << "the SQLite store's files (this run stores in PostgreSQL)";
  GatewayHarness gw;
  gw.create_partner("acme");  // a write, so the WAL exists
  const std::filesystem::path dir = gw.data_dir();
  for (const char* name : {"gateway.db", "gateway.db-wal", "gateway.db-shm", "token-master.key"}) {
    ASSERT_TRUE(std::filesystem::exists(dir / name)) << name;
    EXPECT_EQ(mode_of(dir / name), 0600u) << name;
  }
  for (const auto& f : std::filesystem::directory_iterator(dir / "tls")) {
    if (f.path().filename().string().find("key") == std::string::npos) continue;
    EXPECT_EQ(mode_of(f.path()), 0600u) << f.path();
  }
}

TEST(DataFiles, AStoreMadeByAnOlderVersionIsTightenedAtStart) {
  if (octopus::testing::store_is_postgresql())
    GTEST_SKIP() << "the SQLite store's files (this run stores in PostgreSQL)";
  const auto dir = std::filesystem::temp_directory_path() / ("octopus-old-store-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    GatewayHarness first([&](auto& c) { c.data_dir = dir.string(); });
  }
  ::chmod((dir / "gateway.db").c_str(), 0644);
  {
    GatewayHarness again([&](auto& c) { c.data_dir = dir.string(); });
  }
  EXPECT_EQ(mode_of(dir / "gateway.db"), 0600u);
  std::filesystem::remove_all(dir);
}

// A 900 KB attribute value is refused with a problem a few hundred bytes long.
TEST(Echo, AHugeValueIsNotSentBack) {
  GatewayHarness gw;
  const auto acme = gw.create_partner("acme");
  const std::string huge(900 * 1024, 'x');
  const json body = {{"segment", {{"attribute", "city"}, {"eq", huge}}}};
  const auto r =
      gw.partner("POST", "/v1/audience-estimates", acme, body.dump(), {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(problem_slug(r), "validation-error");
  EXPECT_LT(r.body.size(), 4096u);
  EXPECT_NE(r.body.find("xxxxxxxx…' is not a value of city"), std::string::npos) << r.body.substr(0, 400);
  // Nor as a member name.
  const json named = {{"segment", {{"attribute", "city"}, {"eq", "jinan"}}}, {huge, 1}};
  const auto r2 =
      gw.partner("POST", "/v1/audience-estimates", acme, named.dump(), {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r2.status, 422);
  EXPECT_LT(r2.body.size(), 4096u);
}

}  // namespace
