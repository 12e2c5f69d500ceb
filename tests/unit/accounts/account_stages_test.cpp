// The admin plane's account stages on a real store and a clock the test moves: a token
// works until it expires, is revoked or its account is disabled; a forged or malformed one
// never does; the role check admits exactly the route's roles.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "accounts/account_stages.hpp"
#include "app/sql_repositories.hpp"
#include "http/router.hpp"
#include "test_clock.hpp"

using namespace octopus::accounts;
using octopus::vocabulary::Role;

namespace {

class AccountStages : public ::testing::Test {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("octopus-accounts-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::int64_t now = 1'800'000'000;
  octopus::testing::SecondsClock clock{now};
  std::unique_ptr<octopus::app::SqlRepositories> records;
  octopus::http::Route route{.method = "GET", .pattern = "/admin/v1/partners", .roles = {Role::admin, Role::viewer}};

  void SetUp() override {
    std::filesystem::create_directories(dir);
    records = std::make_unique<octopus::app::SqlRepositories>((dir / "gateway.db").string());
  }
  void TearDown() override {
    records.reset();
    std::filesystem::remove_all(dir);
  }
  std::string account(const std::string& name, Role role, std::int64_t lifetime = 3600) {
    const auto issued = issue_token(name, now, lifetime);
    EXPECT_EQ(
        records->operator_accounts.create_account({.name = name, .role = role, .created_at = now}, issued.token, false),
        octopus::store::WriteResult::ok);
    return issued.text;
  }
  // What the two stages make of a request carrying `token`: 0 when it passes both.
  int status_of(const std::string& token, AccountAuthenticator& stage) {
    octopus::http::RequestContext ctx;
    ctx.remote = "192.0.2.1:5000";
    ctx.route = &route;
    ctx.request.method = "GET";
    ctx.request.headers.push_back({"Authorization", "Bearer " + token});
    if (auto r = stage.on_request(ctx)) return r->status;
    if (auto r = RoleAuthorizer().on_request(ctx)) return r->status;
    return 0;
  }
};

TEST_F(AccountStages, ATokenWorksUntilItExpiresIsRevokedOrItsAccountIsDisabled) {
  AccountAuthenticator stage(records->operator_accounts, clock, "");
  const auto vera = account("vera", Role::viewer, 3600);
  EXPECT_EQ(status_of(vera, stage), 0);
  now += 3599;
  EXPECT_EQ(status_of(vera, stage), 0);
  now += 1;  // expired
  EXPECT_EQ(status_of(vera, stage), 401);

  const auto ada = account("ada", Role::admin);
  const auto id = parse_token(ada)->id;
  EXPECT_EQ(status_of(ada, stage), 0);
  ASSERT_EQ(records->operator_accounts.revoke_token("ada", id, now), octopus::store::WriteResult::ok);
  EXPECT_EQ(status_of(ada, stage), 401);

  const auto bo = account("bo", Role::admin);
  ASSERT_EQ(records->operator_accounts.disable_account("bo", now), octopus::store::WriteResult::ok);
  EXPECT_EQ(status_of(bo, stage), 401);
}

TEST_F(AccountStages, ForgedAndMalformedTokensNeverPassAndTheRoleDecides) {
  AccountAuthenticator stage(records->operator_accounts, clock, "");
  const auto vera = account("vera", Role::viewer);
  const auto otto = account("otto", Role::operator_);
  EXPECT_EQ(status_of(otto, stage), 403);  // authenticated, but not a role the route admits
  auto forged = vera;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';  // same id, another secret
  EXPECT_EQ(status_of(forged, stage), 401);
  for (const std::string& bad :
       std::vector<std::string>{"", "oat_", "oat_zzzzzzzzzzzzzzzz_" + vera.substr(21), vera + "x", "Basic abc"})
    EXPECT_EQ(status_of(bad, stage), 401) << bad;
  EXPECT_THROW(AccountAuthenticator(records->operator_accounts, clock, "short"), std::invalid_argument);
}

TEST(AccountTokens, AreRandomShapedAsDocumentedAndOnlyTheirDigestIsKept) {
  const auto a = issue_token("x", 0, 60), b = issue_token("x", 0, 60);
  EXPECT_NE(a.text, b.text);
  EXPECT_EQ(a.text.size(), 4u + 16 + 1 + 43);
  const auto parsed = parse_token(a.text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, a.token.id);
  EXPECT_EQ(digest_of(parsed->secret), a.token.digest);
  EXPECT_EQ(a.token.expires_at, 60);
  EXPECT_TRUE(valid_account_name("alice@ops"));
  EXPECT_FALSE(valid_account_name("Alice"));
  EXPECT_FALSE(valid_account_name("-x1"));
  EXPECT_FALSE(valid_account_name("ab"));
}

}  // namespace
