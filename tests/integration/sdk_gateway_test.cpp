// Every SDK method against a live gateway on loopback: a partner program that counts,
// builds an audience, submits an offer, delivers it, registers a trigger, manages webhook
// endpoints, verifies a real callback and reads its settled conversion, all through
// octopus::Client; the problems it meets are ApiErrors with their details; one Client
// serves many threads; and the SDK reaches a gateway on port 443.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "octopus/sdk.hpp"
#include "settlement_fixture.hpp"

using namespace octopus;
using nlohmann::json;

namespace {

const std::vector<std::string> kAllScopes{"offers:read",      "offers:write",     "audiences:read", "audiences:write",
                                          "deliveries:read",  "deliveries:write", "triggers:read",  "triggers:write",
                                          "settlements:read", "webhooks:read",    "webhooks:write"};

Credential sdk_credential(const client::Credential& c) { return Credential::from_seed(c.key_id, c.key.seed()); }

class SdkAgainstGateway : public octopus::testing::SettlementFixture {
 protected:
  Client partner(const std::string& id, const std::vector<std::string>& scopes = kAllScopes) {
    ClientOptions options;
    options.ca_file = gw.ca_file();
    return Client("https://localhost:" + std::to_string(gw.partner_port()),
                  sdk_credential(gw.create_partner(id, scopes)), options);
  }

  static OfferCreate five_g_offer() {
    OfferCreate offer;
    offer.channel = "sms";
    offer.template_ = "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订";
    offer.product_code = "5G-PLUS";
    offer.landing_url = "https://www.10086.cn/5g";
    offer.valid_until = "2099-12-31T16:00:00Z";
    return offer;
  }
  static JsonValue two_cities() { return segment::one_of("city", {"jinan", "yantai"}); }
};

TEST_F(SdkAgainstGateway, APartnerProgramRunsTheWholeFlowThroughTheSdk) {
  auto sdk = partner("sdkco");
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners/sdkco/contracts",
                     {{"product_code", "5G-PLUS"},
                      {"model", "cps"},
                      {"cps_basis_points", 250},
                      {"effective_from", "2026-01-01T00:00:00+08:00"}})
                .status,
            201);
  EXPECT_EQ(sdk.get_capabilities().partner_id, "sdkco");
  EXPECT_FALSE(sdk.get_targeting_attributes().attributes.empty());
  EXPECT_FALSE(sdk.list_products().products.empty());
  const auto estimate = sdk.estimate_audience({two_cities()});
  EXPECT_FALSE(estimate.suppressed);
  EXPECT_GT(estimate.count.value_or(0), 0);

  auto audience = sdk.create_audience({two_cities()});
  std::vector<double> progress;
  audience = sdk.wait_for_audience(audience.id, {std::chrono::milliseconds(50), std::chrono::seconds(30),
                                                 [&](double p, const std::string&) { progress.push_back(p); }});
  EXPECT_EQ(audience.status, "ready");
  EXPECT_FALSE(progress.empty());
  EXPECT_EQ(sdk.list_audiences().all().size(), 1u);

  const auto offer = sdk.create_offer(five_g_offer());
  EXPECT_EQ(offer.status, "approved");
  EXPECT_EQ(sdk.get_offer(offer.id).template_, five_g_offer().template_);
  EXPECT_EQ(sdk.list_offers({std::nullopt, std::string("approved")}).all().size(), 1u);
  EXPECT_TRUE(sdk.list_offers({std::nullopt, std::string("rejected")}).all().empty());

  DeliveryCreate now{offer.id, audience.id};
  auto delivery = sdk.wait_for_delivery(sdk.create_delivery(now).id,
                                        {std::chrono::milliseconds(50), std::chrono::seconds(30), nullptr});
  EXPECT_EQ(delivery.status, "completed");
  EXPECT_EQ(sdk.get_delivery(delivery.id).id, delivery.id);
  DeliveryCreate later{offer.id, audience.id};
  later.send_at = "2099-01-01T00:00:00Z";
  const auto scheduled = sdk.create_delivery(later);
  EXPECT_EQ(sdk.cancel_delivery(scheduled.id).status, "cancelled");
  EXPECT_EQ(sdk.list_deliveries().all().size(), 2u);

  // A settled test conversion: someone the delivery reached orders the product.
  const auto reached = reached_by(delivery.id);
  ASSERT_FALSE(reached.empty());
  report(*reached.begin(), "ORD-SDK-1", 12'800);
  ASSERT_TRUE(octopus::testing::eventually([&] { return !sdk.list_settlements().all().empty(); }));
  const auto entries = sdk.list_settlements().all();
  EXPECT_EQ(entries[0].order_id, "ORD-SDK-1");
  EXPECT_EQ(entries[0].amount_fen, 320);
  const auto month = entries[0].occurred_at.substr(0, 7);
  const auto statement = sdk.get_settlement_statement(month);
  EXPECT_EQ(statement.totals.earned_fen, 320);
  EXPECT_NE(sdk.get_settlement_statement_csv(month).find("ORD-SDK-1"), std::string::npos);

  sdk.delete_audience(audience.id);
  EXPECT_THROW(sdk.get_audience(audience.id), ApiError);
}

TEST_F(SdkAgainstGateway, TriggersAndWebhookEndpointsThroughTheSdkAndARealCallbackVerifies) {
  auto sdk = partner("sdkco");
  const auto offer = sdk.create_offer(five_g_offer());
  const auto trigger = sdk.create_trigger({offer.id, "roaming_started", two_cities()});
  EXPECT_EQ(sdk.get_trigger(trigger.id).event_type, "roaming_started");
  EXPECT_EQ(sdk.list_triggers().all().size(), 1u);
  sdk.delete_trigger(trigger.id);
  EXPECT_TRUE(sdk.list_triggers().all().empty());

  WebhookEndpointCreate create{receiver.url(), {"settlement.earned"}};
  create.signature_versions = std::vector<std::string>{"v1", "v1a"};
  const auto endpoint = sdk.create_webhook_endpoint(create);
  EXPECT_EQ(sdk.get_webhook_endpoint(endpoint.id).url, receiver.url());
  EXPECT_EQ(sdk.list_webhook_endpoints().all().size(), 1u);
  const auto event = sdk.test_webhook_endpoint(endpoint.id);
  ASSERT_TRUE(octopus::testing::eventually([&] { return receiver.count() >= 1; }));
  const auto callback = receiver.received().front();
  const WebhookHeaders headers{callback.id, callback.timestamp, callback.signature};
  EXPECT_EQ(callback.id, event.event_id);
  EXPECT_NO_THROW(WebhookVerifier({endpoint.secret}).verify(headers, callback.body));
  WebhookVerifier by_key;
  for (const auto& key : sdk.list_webhook_signing_keys().keys) by_key.add_public_key(key.public_key);
  EXPECT_NO_THROW(by_key.verify(headers, callback.body));
  EXPECT_FALSE(WebhookVerifier({endpoint.secret}).is_valid(headers, callback.body + " "));

  ASSERT_TRUE(octopus::testing::eventually([&] {
    const auto d = sdk.list_webhook_deliveries(endpoint.id, {std::string("delivered")}).all();
    return d.size() == 1 && d[0].event_id == event.event_id;
  }));
  WebhookReplay replay;
  replay.event_id = event.event_id;
  EXPECT_EQ(sdk.replay_webhook_events(endpoint.id, replay).queued, 1);
  const auto rotated = sdk.rotate_webhook_secret(endpoint.id);
  EXPECT_NE(rotated.secret, endpoint.secret);
  sdk.delete_webhook_endpoint(endpoint.id);
  EXPECT_TRUE(sdk.list_webhook_endpoints().all().empty());
}

TEST_F(SdkAgainstGateway, ProblemsArriveAsApiErrorsWithTheirDetailsAndRequestId) {
  auto sdk = partner("sdkco");
  try {
    sdk.get_offer("ofr_00000000000000000000000000000000");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.slug(), "not-found");
    EXPECT_FALSE(e.request_id().empty());
    EXPECT_FALSE(e.title().empty());
  }
  try {
    sdk.estimate_audience({JsonValue::parse(R"({"attribute":"city","in":[]})")});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 422);
    ASSERT_FALSE(e.errors().empty());
    EXPECT_EQ(e.errors()[0].pointer.rfind("/segment", 0), 0u) << e.errors()[0].pointer;
  }
  auto reader = partner("reader", {"audiences:read"});
  try {
    reader.create_offer(five_g_offer());
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 403);
  }
  ClientOptions options;
  options.ca_file = gw.ca_file();
  Client stranger("https://localhost:" + std::to_string(gw.partner_port()), Credential::from_seed("nobody", {1}),
                  options);
  try {
    stranger.get_capabilities();
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.response().attempts, 1);
  }
}

TEST_F(SdkAgainstGateway, OneClientServesManyThreads) {
  auto sdk = partner("sdkco");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (i % 2 == 0 && sdk.get_capabilities().partner_id == "sdkco") ++ok;
        if (i % 2 == 1 && !sdk.estimate_audience({two_cities()}).suppressed) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 60);
}

// The gateway closes a connection idle longer than limits.idle_timeout (30 s; 300 ms here)
// while the SDK still holds it for reuse: the next call goes through on a new connection,
// without an error and without counting as a retry.
TEST(SdkReconnects, AfterTheGatewayClosedAnIdleConnectionTheNextCallSucceeds) {
  octopus::testing::GatewayHarness gw([](auto& c) { c.limits.idle_timeout = std::chrono::milliseconds(300); });
  ClientOptions options;
  options.ca_file = gw.ca_file();
  Client sdk("https://localhost:" + std::to_string(gw.partner_port()), sdk_credential(gw.create_partner("acme")),
             options);
  EXPECT_EQ(sdk.get_capabilities().partner_id, "acme");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ResponseInfo info;
  CallOptions call;
  call.response = &info;
  EXPECT_EQ(sdk.get_capabilities(call).partner_id, "acme");
  EXPECT_EQ(info.attempts, 1);
}

TEST(SdkOnPort443, TheSdkSignsTheAuthorityTheGatewayExpectsOnTheDefaultPort) {
  std::unique_ptr<octopus::testing::GatewayHarness> gw;
  try {
    gw = std::make_unique<octopus::testing::GatewayHarness>([](auto& c) { c.partner_listen = {"127.0.0.1", 443}; });
  } catch (const std::exception& e) {
    GTEST_SKIP() << "port 443 cannot be bound here (needs root or CAP_NET_BIND_SERVICE): " << e.what();
  }
  ClientOptions options;
  options.ca_file = gw->ca_file();
  Client sdk("https://localhost", sdk_credential(gw->create_partner("acme")), options);
  EXPECT_EQ(sdk.get_capabilities().partner_id, "acme");
}

}  // namespace
