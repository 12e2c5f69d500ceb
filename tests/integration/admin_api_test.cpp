// The admin plane over real TLS: token checks, the partner and key lifecycle, and the
// answers to bad input.
#include <gtest/gtest.h>

#include <thread>

#include "gateway_harness.hpp"
#include "octopus/protocol/base64.hpp"

using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;
using json = nlohmann::json;

namespace {

json acme_body() {
  return {{"id", "acme"},
          {"display_name", "Acme Apps"},
          {"tier", "gold"},
          {"category", "internet"},
          {"scopes", {"audiences:read", "offers:write"}}};
}

std::string some_public_key() {
  const auto pk = octopus::protocol::Ed25519PrivateKey::generate().public_key();
  return octopus::protocol::base64_encode(pk.data(), pk.size());
}

class AdminApi : public ::testing::Test {
 protected:
  GatewayHarness gw;
};

TEST_F(AdminApi, MissingOrWrongTokenIsRefused) {
  auto none = gw.admin("GET", "/admin/v1/partners", nullptr, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(problem_slug(none), "unauthorized");
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"octopus-admin\"");
  auto wrong = gw.admin("GET", "/admin/v1/partners", nullptr, "test-admin-token-0123456780");
  EXPECT_EQ(wrong.status, 401);
  auto prefix = gw.admin("GET", "/admin/v1/partners", nullptr, "test-admin-token");
  EXPECT_EQ(prefix.status, 401);
}

// Guessing the token is slowed per client address: ten failures, then 429 with Retry-After
// for every request (even with the right token) until the allowance refills; audited.
TEST_F(AdminApi, FailedTokensAreThrottledPerAddressAndAudited) {
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(gw.admin("GET", "/admin/v1/partners", nullptr, "wrong-token-" + std::to_string(i) + "-0123456789").status,
              401)
        << i;
  const auto throttled = gw.admin("GET", "/admin/v1/partners", nullptr, "wrong-token-x-0123456789");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(problem_slug(throttled), "rate-limited");
  const int retry_after = std::stoi(std::string(throttled.header("retry-after")));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 6);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners").status, 429) << "no token is compared while throttled";
  std::this_thread::sleep_for(std::chrono::seconds(retry_after));
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners").status, 200) << "the allowance refills";
  const auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=admin.auth_throttled").body);
  ASSERT_EQ(audit["items"].size(), 1u) << audit.dump();
  EXPECT_EQ(audit["items"][0]["subject"], "127.0.0.1");
  EXPECT_EQ(audit["items"][0]["outcome"], "refused");
}

TEST_F(AdminApi, HealthAndReadinessNeedNoToken) {
  auto h = gw.admin("GET", "/healthz", nullptr, "");
  EXPECT_EQ(h.status, 200);
  auto r = gw.admin("GET", "/readyz", nullptr, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["checks"]["store"], "ok");
}

TEST_F(AdminApi, PartnerLifecycle) {
  auto created = gw.admin("POST", "/admin/v1/partners", acme_body());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("location"), "/admin/v1/partners/acme");
  auto p = json::parse(created.body);
  EXPECT_EQ(p["status"], "active");
  EXPECT_EQ(p["keys"], json::array());

  auto dup = gw.admin("POST", "/admin/v1/partners", acme_body());
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(problem_slug(dup), "conflict");

  auto got = gw.admin("GET", "/admin/v1/partners/acme");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["display_name"], "Acme Apps");

  auto patched = gw.admin("PATCH", "/admin/v1/partners/acme", {{"tier", "silver"}, {"status", "suspended"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto q = json::parse(patched.body);
  EXPECT_EQ(q["tier"], "silver");
  EXPECT_EQ(q["status"], "suspended");
  EXPECT_EQ(q["scopes"], json({"audiences:read", "offers:write"}));  // untouched

  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/nobody").status, 404);
  EXPECT_EQ(gw.admin("PATCH", "/admin/v1/partners/nobody", {{"tier", "x"}}).status, 404);

  // Both writes are in the audit log, with what changed; the refused ones are not.
  auto created_log = json::parse(gw.admin("GET", "/admin/v1/audit?action=partner.create").body);
  ASSERT_EQ(created_log["items"].size(), 1u);
  EXPECT_EQ(created_log["items"][0]["subject"], "acme");
  EXPECT_EQ(created_log["items"][0]["actor"], "admin");
  EXPECT_EQ(created_log["items"][0]["detail"]["tier"], "gold");
  auto updated_log = json::parse(gw.admin("GET", "/admin/v1/audit?action=partner.update").body);
  ASSERT_EQ(updated_log["items"].size(), 1u);
  EXPECT_EQ(updated_log["items"][0]["detail"]["changed"], json({{"tier", "silver"}, {"status", "suspended"}}));
  // Each entry names the request that made it.
  EXPECT_EQ(updated_log["items"][0]["request_id"], patched.header("X-Request-Id"));
}

// The actor and since filters narrow the log (they were once ignored); a since that is not
// a date-time is refused, not ignored.
TEST_F(AdminApi, TheAuditLogFiltersByActorAndSince) {
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  const auto all = json::parse(gw.admin("GET", "/admin/v1/audit?limit=500").body)["items"];
  ASSERT_GE(all.size(), 2u);  // the start-up policy load and the partner
  const auto by_admin = json::parse(gw.admin("GET", "/admin/v1/audit?actor=admin").body)["items"];
  ASSERT_EQ(by_admin.size(), 1u);
  EXPECT_EQ(by_admin[0]["action"], "partner.create");
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/audit?actor=nobody").body)["items"].size(), 0u);
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/audit?since=2000-01-01T00:00:00Z").body)["items"].size(),
            all.size());
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/audit?since=2999-01-01T00:00:00Z").body)["items"].size(), 0u);
  const auto bad = gw.admin("GET", "/admin/v1/audit?since=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(problem_slug(bad), "malformed-request");
}

TEST_F(AdminApi, KeyLifecycle) {
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  const auto pk = some_public_key();
  auto added = gw.admin("POST", "/admin/v1/partners/acme/keys",
                        {{"key_id", "acme-2026"}, {"algorithm", "ed25519"}, {"public_key", pk}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto k = json::parse(added.body);
  EXPECT_EQ(k["public_key"], pk);
  EXPECT_TRUE(k["revoked_at"].is_null());

  // Key ids are global: another partner cannot reuse one.
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners",
                     {{"id", "beta"},
                      {"display_name", "Beta"},
                      {"tier", "gold"},
                      {"category", "content"},
                      {"scopes", json::array()}})
                .status,
            201);
  auto clash = gw.admin("POST", "/admin/v1/partners/beta/keys",
                        {{"key_id", "acme-2026"}, {"algorithm", "ed25519"}, {"public_key", pk}});
  EXPECT_EQ(clash.status, 409);

  auto revoked = gw.admin("DELETE", "/admin/v1/partners/acme/keys/acme-2026");
  ASSERT_EQ(revoked.status, 200);
  const auto revoked_at = json::parse(revoked.body)["revoked_at"];
  EXPECT_TRUE(revoked_at.is_string());
  // Revoking again keeps the first time.
  auto again = gw.admin("DELETE", "/admin/v1/partners/acme/keys/acme-2026");
  EXPECT_EQ(json::parse(again.body)["revoked_at"], revoked_at);
  // Another partner's key is not found through this partner.
  EXPECT_EQ(gw.admin("DELETE", "/admin/v1/partners/beta/keys/acme-2026").status, 404);
  EXPECT_EQ(gw.admin("POST", "/admin/v1/partners/nobody/keys",
                     {{"key_id", "k9"}, {"algorithm", "ed25519"}, {"public_key", pk}})
                .status,
            404);

  auto listed = json::parse(gw.admin("GET", "/admin/v1/partners/acme").body);
  ASSERT_EQ(listed["keys"].size(), 1u);
  EXPECT_EQ(listed["keys"][0]["revoked_at"], revoked_at);

  // The key's life is in the audit log by key id, never with the key itself.
  auto added_log = gw.admin("GET", "/admin/v1/audit?action=partner_key.add");
  ASSERT_EQ(json::parse(added_log.body)["items"].size(), 1u);  // the clash was refused: not logged
  EXPECT_EQ(json::parse(added_log.body)["items"][0]["detail"]["key_id"], "acme-2026");
  auto revoked_log = json::parse(gw.admin("GET", "/admin/v1/audit?action=partner_key.revoke").body);
  ASSERT_EQ(revoked_log["items"].size(), 1u);  // revoking again changed nothing: recorded once
  EXPECT_EQ(revoked_log["items"][0]["subject"], "acme");
  EXPECT_EQ(gw.admin("GET", "/admin/v1/audit?limit=200").body.find(pk), std::string::npos);
}

TEST_F(AdminApi, InvalidPartnerGetsEveryErrorAtOnce) {
  auto r = gw.admin("POST", "/admin/v1/partners",
                    {{"id", "A"},
                     {"display_name", ""},
                     {"tier", "Gold!"},
                     {"scopes", {"audiences:read", "root"}},
                     {"colour", "red"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(problem_slug(r), "validation-error");
  auto errors = json::parse(r.body)["errors"];
  std::set<std::string> pointers;
  for (const auto& e : errors) pointers.insert(e["pointer"].get<std::string>());
  EXPECT_EQ(pointers, (std::set<std::string>{"/id", "/display_name", "/tier", "/category", "/scopes/1", "/colour"}));
}

TEST_F(AdminApi, InvalidKeysAreRefused) {
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  auto short_key = gw.admin("POST", "/admin/v1/partners/acme/keys",
                            {{"key_id", "k1"}, {"algorithm", "ed25519"}, {"public_key", "AAAA"}});
  EXPECT_EQ(short_key.status, 422);
  auto rsa = gw.admin("POST", "/admin/v1/partners/acme/keys",
                      {{"key_id", "k1"}, {"algorithm", "rsa"}, {"public_key", some_public_key()}});
  EXPECT_EQ(rsa.status, 422);
  auto bad_id = gw.admin("POST", "/admin/v1/partners/acme/keys",
                         {{"key_id", "k 1"}, {"algorithm", "ed25519"}, {"public_key", some_public_key()}});
  EXPECT_EQ(bad_id.status, 422);
}

// Keys under which a signature proves nothing: the all-zero key, the identity and other
// low-order points, a non-canonical encoding. And one key pair belongs to one partner.
TEST_F(AdminApi, DegenerateAndSharedKeysAreRefused) {
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  auto key_of = [](std::array<std::uint8_t, 32> raw) {
    return octopus::protocol::base64_encode(raw.data(), raw.size());
  };
  std::array<std::uint8_t, 32> zero{}, identity{}, order_two{}, non_canonical{};
  identity[0] = 1;  // the neutral element (0, 1)
  order_two.fill(0);
  order_two[0] = 0xec;  // y = p - 1: the point of order 2
  for (int i = 1; i < 31; ++i) order_two[i] = 0xff;
  order_two[31] = 0x7f;
  non_canonical.fill(0xff);  // y ≥ p
  int n = 0;
  for (const auto& raw : {zero, identity, order_two, non_canonical}) {
    const auto r =
        gw.admin("POST", "/admin/v1/partners/acme/keys",
                 {{"key_id", "weak-" + std::to_string(n++)}, {"algorithm", "ed25519"}, {"public_key", key_of(raw)}});
    EXPECT_EQ(r.status, 422) << key_of(raw);
    EXPECT_NE(r.body.find("not a usable Ed25519 public key"), std::string::npos) << r.body;
  }
  const auto pk = some_public_key();
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners/acme/keys",
                     {{"key_id", "acme-1"}, {"algorithm", "ed25519"}, {"public_key", pk}})
                .status,
            201);
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners",
                     {{"id", "beta"},
                      {"display_name", "Beta"},
                      {"tier", "gold"},
                      {"category", "content"},
                      {"scopes", json::array()}})
                .status,
            201);
  const auto shared = gw.admin("POST", "/admin/v1/partners/beta/keys",
                               {{"key_id", "beta-1"}, {"algorithm", "ed25519"}, {"public_key", pk}});
  EXPECT_EQ(shared.status, 409);
  EXPECT_NE(shared.body.find("already registered to another partner"), std::string::npos);
  // Revoked, the key is still acme's: it is not handed to beta either.
  ASSERT_EQ(gw.admin("DELETE", "/admin/v1/partners/acme/keys/acme-1").status, 200);
  EXPECT_EQ(gw.admin("POST", "/admin/v1/partners/beta/keys",
                     {{"key_id", "beta-1"}, {"algorithm", "ed25519"}, {"public_key", pk}})
                .status,
            409);
}

// A tier or category the policies do not define would make every call of the partner fail
// closed; it is refused at registration, naming the defined values.
TEST_F(AdminApi, TiersAndCategoriesMustBeDefinedByThePolicies) {
  auto body = acme_body();
  body["tier"] = "platinum";
  body["category"] = "casino";
  const auto r = gw.admin("POST", "/admin/v1/partners", body);
  ASSERT_EQ(r.status, 422);
  const auto errors = json::parse(r.body)["errors"];
  ASSERT_EQ(errors.size(), 2u) << r.body;
  EXPECT_EQ(errors[0]["pointer"], "/tier");
  EXPECT_EQ(errors[0]["detail"], "is not a tier of the privacy policy (one of: bronze, gold, silver)");
  EXPECT_EQ(errors[1]["pointer"], "/category");
  EXPECT_NE(errors[1]["detail"].get<std::string>().find("is not a partner category of the consent policy (one of: "),
            std::string::npos);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/acme").status, 404) << "nothing was registered";
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  const auto patched = gw.admin("PATCH", "/admin/v1/partners/acme", {{"tier", "platinum"}});
  EXPECT_EQ(patched.status, 422);
  EXPECT_EQ(json::parse(patched.body)["errors"][0]["pointer"], "/tier");
}

TEST_F(AdminApi, NonJsonBodiesAreRefusedClearly) {
  auto conn = gw.admin_connection();
  std::vector<octopus::client::HeaderField> auth{{"Authorization", "Bearer " + gw.operator_accounts().token("admin")}};
  auto h = auth;
  h.push_back({"Content-Type", "text/plain"});
  auto r = conn.send("POST", "/admin/v1/partners", h, "id=acme");
  gw.check_admin("POST", "/admin/v1/partners", r);
  EXPECT_EQ(r.status, 415);
  h = auth;
  h.push_back({"Content-Type", "application/json"});
  auto bad = conn.send("POST", "/admin/v1/partners", h, "{\"id\": ");
  gw.check_admin("POST", "/admin/v1/partners", bad);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(problem_slug(bad), "malformed-request");
  auto empty_patch = gw.admin("PATCH", "/admin/v1/partners/acme", json::object());
  EXPECT_EQ(empty_patch.status, 422);
}

TEST_F(AdminApi, ListingPagesThroughEveryPartnerOnce) {
  for (int i = 0; i < 7; ++i) {
    auto b = acme_body();
    b["id"] = "partner-" + std::to_string(i);
    ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", b).status, 201);
  }
  std::vector<std::string> seen;
  std::string target = "/admin/v1/partners?limit=3";
  for (int pages = 0; pages < 10; ++pages) {
    auto r = gw.admin("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    auto page = json::parse(r.body);
    for (const auto& p : page["items"]) seen.push_back(p["id"]);
    if (page["next_cursor"].is_null()) break;
    target = "/admin/v1/partners?limit=3&cursor=" + page["next_cursor"].get<std::string>();
  }
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners?limit=0").status, 400);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners?cursor=%%%").status, 400);
}

TEST_F(AdminApi, PartnersSurviveARestart) {
  auto data_dir = gw.data_dir();
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners", acme_body()).status, 201);
  gw.app().shutdown();
  GatewayHarness again([&](octopus::config::GatewayConfig& c) { c.data_dir = data_dir; });
  auto r = again.admin("GET", "/admin/v1/partners/acme");
  EXPECT_EQ(r.status, 200);
}

}  // namespace

namespace {

TEST_F(AdminApi, DisplayNamesCountCharactersNotBytes) {
  std::string name;
  for (int i = 0; i < 150; ++i) name += "山";  // 150 characters, 450 bytes
  auto b = acme_body();
  b["display_name"] = name;
  auto r = gw.admin("POST", "/admin/v1/partners", b);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["display_name"], name);
  b["id"] = "acme-2";
  b["display_name"] = name + std::string(51, 'x');  // 201 characters
  EXPECT_EQ(gw.admin("POST", "/admin/v1/partners", b).status, 422);
}

TEST_F(AdminApi, UnknownMemberPointersAreEscaped) {
  auto b = acme_body();
  b["a/b~c"] = 1;
  auto r = gw.admin("POST", "/admin/v1/partners", b);
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(json::parse(r.body)["errors"][0]["pointer"], "/a~1b~0c");
}

}  // namespace
