// Operator accounts and roles on a real gateway: every admin operation against every role
// (the roles each operation admits are read from api-spec/admin.yaml's x-octopus-roles, the
// published table); the bootstrap token's single use; tokens issued, revoked and disabled;
// the account named in the audit log.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "gateway_harness.hpp"

using nlohmann::json;
using octopus::testing::admin_spec;
using octopus::testing::GatewayHarness;
using octopus::testing::kAdminToken;
using octopus::testing::kOperatorRoles;
using octopus::testing::problem_slug;

namespace {

struct Operation {
  std::string method, path, id;
  std::set<std::string> roles;
};

// Every authenticated operation of the admin API with the roles it admits.
std::vector<Operation> admin_operations() {
  std::vector<Operation> out;
  for (const auto& [path, item] : admin_spec().document()["paths"].items())
    for (const auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("operationId")) continue;
      if (path == "/healthz" || path == "/readyz") continue;
      EXPECT_TRUE(op.contains("x-octopus-roles")) << method << " " << path << " declares no roles";
      Operation o{method, path, op["operationId"], {}};
      for (const auto& r : op.value("x-octopus-roles", json::array())) o.roles.insert(r.get<std::string>());
      std::transform(o.method.begin(), o.method.end(), o.method.begin(), ::toupper);
      out.push_back(std::move(o));
    }
  return out;
}

// The path with each {parameter} filled in by a value that names nothing.
std::string concrete(const std::string& path) {
  return std::regex_replace(path, std::regex(R"(\{[a-z_]+\})"), "nothing-here");
}

TEST(Roles, EveryAdminOperationAdmitsExactlyTheRolesItDeclaresAndRefusesEveryOther) {
  GatewayHarness gw;
  const auto operations = admin_operations();
  ASSERT_GE(operations.size(), 31u);
  for (const auto& op : operations)
    for (const char* role : kOperatorRoles) {
      const bool has_body = op.method == "POST" || op.method == "PATCH";
      const auto r = gw.admin_as(role, op.method, concrete(op.path), has_body ? json::object() : json(nullptr));
      const auto where = std::string(role) + " → " + op.method + " " + op.path + ": " + std::to_string(r.status) + " " +
                         r.body.substr(0, 200);
      if (op.roles.count(role)) {
        EXPECT_NE(r.status, 403) << where;
        EXPECT_NE(r.status, 401) << where;
      } else {
        EXPECT_EQ(r.status, 403) << where;
        EXPECT_EQ(problem_slug(r), "forbidden") << where;
      }
    }
}

// The metrics role is what a scraper needs and nothing else.
TEST(Roles, AMetricsAccountScrapesAndReadsNothingElse) {
  GatewayHarness gw;
  const auto scrape = gw.admin_as("metrics", "GET", "/metrics");
  EXPECT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.body.find("# TYPE octopus_requests_total counter"), std::string::npos);
  const auto refused = gw.admin_as("metrics", "GET", "/admin/v1/partners");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("needs one of: admin, operator, compliance, viewer"), std::string::npos) << refused.body;
}

// A gateway started with an empty store: the bootstrap token creates the first admin
// account and nothing else, ever.
TEST(Accounts, TheBootstrapTokenCreatesTheFirstAdminAndIsThenRetired) {
  GatewayHarness gw({}, /*with_accounts=*/false);
  const auto elsewhere = gw.admin("GET", "/admin/v1/partners", nullptr, kAdminToken);
  EXPECT_EQ(elsewhere.status, 403) << elsewhere.body;
  const auto not_admin = gw.admin("POST", "/admin/v1/accounts", {{"name", "vera"}, {"role", "viewer"}}, kAdminToken);
  EXPECT_EQ(not_admin.status, 422) << not_admin.body;

  const auto first = gw.admin("POST", "/admin/v1/accounts", {{"name", "alice"}, {"role", "admin"}}, kAdminToken);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto created = json::parse(first.body);
  EXPECT_EQ(created["created_by"], "bootstrap");
  EXPECT_EQ(first.header("Location"), "/admin/v1/accounts/alice");
  const auto alice = created["token"]["token"].get<std::string>();

  const auto again = gw.admin("POST", "/admin/v1/accounts", {{"name", "mallory"}, {"role", "admin"}}, kAdminToken);
  EXPECT_EQ(again.status, 401) << again.body;
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners", nullptr, alice).status, 200);
  // The token's secret is never shown again.
  const auto listed = gw.admin("GET", "/admin/v1/accounts/alice", nullptr, alice);
  EXPECT_EQ(listed.body.find(alice.substr(22)), std::string::npos);
}

TEST(Accounts, TokensAreIssuedRevokedAndStopWithTheirAccountAndEveryChangeNamesItsAccount) {
  GatewayHarness gw;
  const auto made = gw.admin_as("admin", "POST", "/admin/v1/accounts",
                                {{"name", "carol@compliance"}, {"role", "compliance"}, {"token_lifetime_days", 7}});
  ASSERT_EQ(made.status, 201) << made.body;
  const auto first = json::parse(made.body)["token"];
  const auto carol = first["token"].get<std::string>();
  EXPECT_EQ(gw.admin("GET", "/admin/v1/audit", nullptr, carol).status, 200);

  const auto second = gw.admin_as("admin", "POST", "/admin/v1/accounts/carol@compliance/tokens");
  ASSERT_EQ(second.status, 201) << second.body;
  const auto carol2 = json::parse(second.body)["token"].get<std::string>();
  const auto revoked =
      gw.admin_as("admin", "DELETE", "/admin/v1/accounts/carol@compliance/tokens/" + first["id"].get<std::string>());
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_FALSE(json::parse(revoked.body)["revoked_at"].is_null());
  const auto refused = gw.admin("GET", "/admin/v1/audit", nullptr, carol);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
  EXPECT_EQ(gw.admin("GET", "/admin/v1/audit", nullptr, carol2).status, 200);

  // Carol's reload is audited under her name, with its request id.
  const auto reload = gw.admin("POST", "/admin/v1/policies/reload", nullptr, carol2);
  ASSERT_EQ(reload.status, 200) << reload.body;
  const auto entries = json::parse(gw.admin("GET", "/admin/v1/audit?actor=carol@compliance", nullptr, carol2).body);
  ASSERT_EQ(entries["items"].size(), 1u) << entries;
  EXPECT_EQ(entries["items"][0]["action"], "policy.reload");
  EXPECT_EQ(entries["items"][0]["request_id"], reload.header("X-Request-Id"));

  ASSERT_EQ(gw.admin_as("admin", "POST", "/admin/v1/accounts/carol@compliance/disable").status, 200);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/audit", nullptr, carol2).status, 401);
  const auto created_log = json::parse(gw.admin_as("admin", "GET", "/admin/v1/audit?action=account.create").body);
  ASSERT_EQ(created_log["items"].size(), 1u);
  EXPECT_EQ(created_log["items"][0]["actor"], "admin");
  EXPECT_EQ(created_log["items"][0]["subject"], "carol@compliance");
  // The body never holds a secret: only token ids.
  EXPECT_EQ(created_log.dump().find(carol.substr(22)), std::string::npos);
}

TEST(Accounts, TheLastAdminCannotBeDisabledAndBadRequestsAreRefusedClearly) {
  GatewayHarness gw;
  const auto last = gw.admin_as("admin", "POST", "/admin/v1/accounts/admin/disable");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_EQ(gw.admin_as("admin", "GET", "/admin/v1/partners").status, 200);
  EXPECT_EQ(gw.admin_as("admin", "POST", "/admin/v1/accounts", {{"name", "bootstrap"}, {"role", "admin"}}).status,
            422);  // reserved: the audit log's name for the bootstrap token
  const auto bad = gw.admin_as("admin", "POST", "/admin/v1/accounts", {{"name", "Bad Name"}, {"role", "root"}});
  EXPECT_EQ(bad.status, 422);
  const auto errors = json::parse(bad.body)["errors"];
  EXPECT_EQ(errors.size(), 2u) << bad.body;
  EXPECT_EQ(gw.admin_as("admin", "POST", "/admin/v1/accounts", {{"name", "viewer"}, {"role", "viewer"}}).status, 409);
  EXPECT_EQ(gw.admin_as("admin", "GET", "/admin/v1/accounts/nobody").status, 404);
  EXPECT_EQ(gw.admin_as("admin", "DELETE", "/admin/v1/accounts/viewer/tokens/0000000000000000").status, 404);
  const auto listed = json::parse(gw.admin_as("admin", "GET", "/admin/v1/accounts").body)["items"];
  EXPECT_EQ(listed.size(), 6u);
}

}  // namespace
