// Webhook endpoints over real HTTPS: a partner registers a callback URL and gets its signing
// secret once; URLs the gateway must not call are refused whatever name hides them; the
// secret rotates with an overlap; endpoints are the partner's own.
#include <gtest/gtest.h>

#include "gateway_harness.hpp"
#include "octopus/protocol/standard_webhooks.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;

namespace {

class WebhookEndpoints : public ::testing::Test {
 protected:
  GatewayHarness gw{[](octopus::config::GatewayConfig& c) { c.counters.enforce_quotas = false; }};
  octopus::client::Credential acme = gw.create_partner("acme", {"webhooks:read", "webhooks:write"});

  octopus::client::HttpResponse create(const json& body, const octopus::client::Credential& who) {
    return gw.partner("POST", "/v1/webhook-endpoints", who, body.dump(), {}, {{"Content-Type", "application/json"}});
  }
  std::string refusal(const std::string& url) {
    const auto r = create({{"url", url}, {"event_types", {"settlement.earned"}}}, acme);
    EXPECT_EQ(r.status, 422) << url << ": " << r.body;
    const auto problem = json::parse(r.body);
    EXPECT_EQ(problem["errors"][0]["pointer"], "/url") << r.body;
    return problem["errors"][0]["detail"];
  }
};

TEST_F(WebhookEndpoints, ACallbackUrlMustBeHttpsAndReachOnlyPublicAddresses) {
  EXPECT_NE(refusal("http://hooks.example.com/x").find("https"), std::string::npos);
  EXPECT_NE(refusal("https://127.0.0.1/hook").find("loopback"), std::string::npos);
  EXPECT_NE(refusal("https://localhost:9000/hook").find("loopback"), std::string::npos);  // a name that hides one
  EXPECT_NE(refusal("https://10.20.30.40/hook").find("private"), std::string::npos);
  EXPECT_NE(refusal("https://169.254.169.254/latest/meta-data").find("metadata"), std::string::npos);
  EXPECT_NE(refusal("https://[::1]/hook").find("loopback"), std::string::npos);
  EXPECT_NE(refusal("https://[::ffff:192.168.1.1]/hook").find("private"), std::string::npos);
  EXPECT_NE(refusal("https://[fe80::1]/hook").find("link-local"), std::string::npos);
  EXPECT_NE(refusal("https://100.64.1.1/hook").find("carrier-grade NAT"), std::string::npos);
  EXPECT_NE(refusal("https://224.0.0.1/hook").find("multicast"), std::string::npos);
  EXPECT_NE(refusal("https://user:pw@8.8.8.8/hook").find("user name"), std::string::npos);
  // Unknown event types are the schema's to refuse.
  const auto unknown = create({{"url", "https://8.8.8.8/hook"}, {"event_types", {"order.shipped"}}}, acme);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(json::parse(unknown.body)["errors"][0]["pointer"], "/event_types/0");
}

TEST_F(WebhookEndpoints, TheSecretIsShownOnceRotatesWithAnOverlapAndEndpointsAreTheirOwners) {
  const auto made = create({{"url", "https://8.8.8.8/octopus"}, {"event_types", {"settlement.earned"}}}, acme);
  ASSERT_EQ(made.status, 201) << made.body;
  const auto endpoint = json::parse(made.body);
  const std::string id = endpoint["id"];
  EXPECT_EQ(made.header("Location"), "/v1/webhook-endpoints/" + id);
  EXPECT_EQ(endpoint["payload_version"], "2026-12-01");
  const std::string secret = endpoint["secret"];
  EXPECT_TRUE(octopus::protocol::WebhookSecret::parse(secret)) << secret;

  const auto read = json::parse(gw.partner("GET", "/v1/webhook-endpoints/" + id, acme).body);
  EXPECT_FALSE(read.contains("secret")) << "the secret is shown only when made";
  EXPECT_EQ(read["url"], "https://8.8.8.8/octopus");
  const auto listed = json::parse(gw.partner("GET", "/v1/webhook-endpoints", acme).body)["items"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].contains("secret"));

  const auto rotated = gw.partner("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", acme);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto fresh = json::parse(rotated.body);
  EXPECT_NE(fresh["secret"], secret);
  EXPECT_TRUE(fresh.contains("previous_secret_expires_at"));

  auto beta = gw.create_partner("beta", {"webhooks:read", "webhooks:write"});
  EXPECT_EQ(gw.partner("GET", "/v1/webhook-endpoints/" + id, beta).status, 404);
  EXPECT_EQ(gw.partner("DELETE", "/v1/webhook-endpoints/" + id, beta).status, 404);
  EXPECT_EQ(gw.partner("POST", "/v1/webhook-endpoints/" + id + "/rotate-secret", beta).status, 404);
  EXPECT_EQ(gw.partner("DELETE", "/v1/webhook-endpoints/" + id, acme).status, 204);
  EXPECT_EQ(gw.partner("GET", "/v1/webhook-endpoints/" + id, acme).status, 404);
  EXPECT_EQ(gw.partner("DELETE", "/v1/webhook-endpoints/" + id, acme).status, 404);
  auto reader = gw.create_partner("reader", {"webhooks:read"});
  EXPECT_EQ(create({{"url", "https://8.8.8.8/x"}, {"event_types", {"settlement.earned"}}}, reader).status, 403);
}

// Development receivers on loopback are allowed only where the configuration says so.
TEST(WebhookEndpointsInDevelopment, LoopbackReceiversNeedTheDevelopmentSetting) {
  GatewayHarness gw{[](octopus::config::GatewayConfig& c) { c.webhooks.allow_loopback = true; }};
  auto acme = gw.create_partner("acme", {"webhooks:write"});
  const auto r = gw.partner("POST", "/v1/webhook-endpoints", acme,
                            json{{"url", "http://127.0.0.1:9099/hook"}, {"event_types", {"settlement.earned"}}}.dump(),
                            {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201) << r.body;
  const auto private_net =
      gw.partner("POST", "/v1/webhook-endpoints", acme,
                 json{{"url", "https://192.168.1.10/hook"}, {"event_types", {"settlement.earned"}}}.dump(), {},
                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(private_net.status, 422) << "development allows loopback, nothing else";
}

}  // namespace
