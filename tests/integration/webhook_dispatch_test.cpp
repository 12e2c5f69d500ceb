// Callbacks as a partner receives them: over real HTTPS to a receiver whose certificate the
// gateway checks, signed as Standard Webhooks, each ledger entry at least once with a
// webhook-id to dedupe by, through a receiver outage, a receiver that answers 500 until
// the schedule gives up, a replay, and a secret rotation.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "http/formats.hpp"
#include "http/outbound_client.hpp"
#include "http/self_signed.hpp"
#include "octopus/protocol/standard_webhooks.hpp"
#include "settlement_fixture.hpp"

using nlohmann::json;
using namespace std::chrono_literals;
namespace protocol = octopus::protocol;

namespace {

class WebhookDispatch : public octopus::testing::SettlementFixture {
 protected:
  struct Endpoint {
    std::string id;
    protocol::WebhookSecret secret;
  };

  Endpoint register_endpoint(const json& extra = json::object()) {
    json body = {{"url", receiver.url()},
                 {"event_types", {"settlement.earned", "settlement.reversed", "settlement.capped"}}};
    body.update(extra);
    const auto made = post("/v1/webhook-endpoints", body, 201);
    return {made["id"], *protocol::WebhookSecret::parse(made["secret"].get<std::string>())};
  }

  void cpa_contract(std::int64_t fen) {
    const auto r = gw.admin(
        "POST", "/admin/v1/partners/acme/contracts",
        {{"product_code", "5G-PLUS"}, {"model", "cpa"}, {"cpa_fen", fen}, {"effective_from", "2026-01-01T00:00:00Z"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  json deliveries(const Endpoint& e, const std::string& query = "") {
    return json::parse(gw.partner("GET", "/v1/webhook-endpoints/" + e.id + "/deliveries" + query, acme).body);
  }

  // The received callbacks by webhook-id (a repeat of one is the same event).
  std::map<std::string, octopus::testing::ReceivedCallback> unique_received() {
    std::map<std::string, octopus::testing::ReceivedCallback> out;
    for (auto& c : receiver.received()) out.emplace(c.id, c);
    return out;
  }

  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(WebhookDispatch, EveryEntryArrivesSignedWithTheSecretAndTheOperatorKey) {
  cpa_contract(800);
  const auto endpoint = register_endpoint({{"signature_versions", {"v1", "v1a"}}});
  const auto subscriber = *reached_subscribers().begin();
  report(subscriber, "ORD-1", 9'900);
  report(subscriber, "ORD-2", 4'000);
  ASSERT_TRUE(octopus::testing::eventually([&] { return unique_received().size() >= 2; })) << receiver.count();

  const auto keys = json::parse(gw.partner("GET", "/v1/webhook-signing-keys", acme).body)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  const auto operator_key = *protocol::parse_webhook_public_key(keys[0]["public_key"].get<std::string>());
  const auto ledger = settlements()["items"];
  ASSERT_EQ(ledger.size(), 2u);
  std::set<std::string> entries_told;
  for (const auto& [id, c] : unique_received()) {
    EXPECT_EQ(protocol::verify_webhook({endpoint.secret}, c.id, c.timestamp, c.body, c.signature, now()),
              protocol::WebhookVerdict::valid)
        << c.signature;
    EXPECT_EQ(protocol::verify_webhook_v1a({operator_key}, c.id, c.timestamp, c.body, c.signature, now()),
              protocol::WebhookVerdict::valid)
        << c.signature;
    auto tampered = c.body;
    tampered.replace(tampered.find("800"), 3, "900");
    EXPECT_EQ(protocol::verify_webhook({endpoint.secret}, c.id, c.timestamp, tampered, c.signature, now()),
              protocol::WebhookVerdict::bad_signature);
    const auto payload = json::parse(c.body);
    EXPECT_EQ(payload["id"], c.id);
    EXPECT_EQ(payload["type"], "settlement.earned");
    EXPECT_EQ(payload["data"]["amount_fen"], 800);
    EXPECT_EQ(payload["data"]["currency"], "CNY");
    EXPECT_EQ(payload["data"]["subscriber_token"].get<std::string>().rfind("sub_", 0), 0u);
    EXPECT_EQ(c.body.find(std::to_string(subscriber)), std::string::npos) << "the subscriber's number leaked";
    entries_told.insert(payload["data"]["id"].get<std::string>());
  }
  EXPECT_EQ(entries_told, (std::set<std::string>{ledger[0]["id"], ledger[1]["id"]}));
  // The partner sees each delivered, once, with the receiver's answer (recorded just after
  // the receiver answered).
  ASSERT_TRUE(
      octopus::testing::eventually([&] { return deliveries(endpoint, "?state=delivered")["items"].size() == 2; }));
  const auto listed = deliveries(endpoint, "?state=delivered");
  ASSERT_EQ(listed["items"].size(), 2u) << listed;
  EXPECT_EQ(listed["items"][0]["attempts"], 1);
  EXPECT_EQ(listed["items"][0]["last_status"], 200);
  EXPECT_TRUE(listed["items"][0]["next_attempt_at"].is_null());
  EXPECT_EQ(gw.partner("GET", "/v1/webhook-endpoints/" + endpoint.id + "/deliveries?state=lost", acme).status, 400);
}

TEST_F(WebhookDispatch, AReceiverThatWasDownGetsEveryEntryWhenItComesBack) {
  cpa_contract(500);
  const auto endpoint = register_endpoint();
  const auto subscriber = *reached_subscribers().begin();
  receiver.go_down();
  for (int i = 1; i <= 5; ++i) report(subscriber, "ORD-" + std::to_string(i), 1'000);
  ASSERT_TRUE(octopus::testing::eventually([&] {
    const auto pending = deliveries(endpoint, "?state=pending")["items"];
    return pending.size() == 5 && pending[0]["attempts"].get<int>() >= 1;
  })) << deliveries(endpoint);
  const auto failing = deliveries(endpoint, "?state=pending")["items"][0];
  EXPECT_NE(failing["last_error"].get<std::string>().find("cannot connect"), std::string::npos) << failing;
  EXPECT_TRUE(failing["last_status"].is_null());
  EXPECT_EQ(receiver.count(), 0u);

  receiver.come_up();
  ASSERT_TRUE(
      octopus::testing::eventually([&] { return deliveries(endpoint, "?state=delivered")["items"].size() == 5; }, 10s))
      << deliveries(endpoint);
  // Statement = ledger = what the receiver holds, once deduplicated by webhook-id.
  std::set<std::string> told;
  for (const auto& [id, c] : unique_received()) told.insert(json::parse(c.body)["data"]["id"].get<std::string>());
  std::set<std::string> ledger;
  const auto listed = gw.partner("GET", "/v1/settlements", acme);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto items = json::parse(listed.body)["items"];
  for (const auto& e : items) ledger.insert(e["id"].get<std::string>());
  EXPECT_EQ(told, ledger);
  EXPECT_EQ(ledger.size(), 5u);
}

TEST_F(WebhookDispatch, A500IsRetriedOnScheduleThenDeadLetteredAndAReplayDeliversIt) {
  cpa_contract(300);
  const auto endpoint = register_endpoint();
  receiver.answer(500);
  report(*reached_subscribers().begin(), "ORD-1", 1'000);
  ASSERT_TRUE(
      octopus::testing::eventually([&] { return deliveries(endpoint, "?state=dead")["items"].size() == 1; }, 10s))
      << deliveries(endpoint);
  // Four attempts (the first and one after each of the three waits), the same webhook-id,
  // each wait at least as long as the schedule says.
  const auto attempts = receiver.received();
  ASSERT_EQ(attempts.size(), 4u);
  const std::chrono::milliseconds waits[] = {200ms, 400ms, 800ms};
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    EXPECT_EQ(attempts[i].id, attempts[0].id);
    EXPECT_GE(attempts[i].at - attempts[i - 1].at, waits[i - 1]) << "attempt " << i + 1;
  }
  const auto dead = deliveries(endpoint, "?state=dead")["items"][0];
  EXPECT_EQ(dead["attempts"], 4);
  EXPECT_EQ(dead["last_status"], 500);
  EXPECT_NE(dead["last_error"].get<std::string>().find("HTTP 500"), std::string::npos);

  // The operator sees the dead letter against acme's endpoint.
  const auto health = json::parse(gw.admin("GET", "/admin/v1/webhooks/health").body)["endpoints"];
  ASSERT_EQ(health.size(), 1u) << health;
  EXPECT_EQ(health[0]["endpoint_id"], endpoint.id);
  EXPECT_EQ(health[0]["partner_id"], "acme");
  EXPECT_EQ(health[0]["dead"], 1);
  EXPECT_EQ(health[0]["delivered"], 0);

  receiver.answer(200);
  const auto replayed = post("/v1/webhook-endpoints/" + endpoint.id + "/replay", {{"event_id", dead["event_id"]}}, 202);
  EXPECT_EQ(replayed["queued"], 1);
  ASSERT_TRUE(octopus::testing::eventually([&] { return receiver.count() == 5; })) << receiver.count();
  EXPECT_EQ(receiver.received().back().id, attempts[0].id) << "a replay keeps the webhook-id";
  EXPECT_TRUE(
      octopus::testing::eventually([&] { return deliveries(endpoint, "?state=delivered")["items"].size() == 1; }));
  // What cannot be replayed is said so.
  const auto unknown = gw.partner("POST", "/v1/webhook-endpoints/" + endpoint.id + "/replay", acme,
                                  json{{"event_id", "msg_0000000000000000000000000000"}}.dump(), {},
                                  {{"Content-Type", "application/json"}});
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  const auto backwards = gw.partner("POST", "/v1/webhook-endpoints/" + endpoint.id + "/replay", acme,
                                    json{{"from", "2026-12-02T00:00:00Z"}, {"until", "2026-12-01T00:00:00Z"}}.dump(),
                                    {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(backwards.status, 422) << backwards.body;
}

TEST_F(WebhookDispatch, AnEndpointRegisteredLaterGetsEarlierEventsByReplayingTheirTimeRange) {
  cpa_contract(700);
  report(*reached_subscribers().begin(), "ORD-1", 1'000);
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() == 1; }));
  const auto endpoint = register_endpoint();
  std::this_thread::sleep_for(300ms);  // several dispatcher rounds: nothing is sent to it unasked
  EXPECT_EQ(receiver.count(), 0u);
  const auto from = octopus::http::rfc3339(now() - 3600), until = octopus::http::rfc3339(now() + 60);
  const auto replayed =
      post("/v1/webhook-endpoints/" + endpoint.id + "/replay", {{"from", from}, {"until", until}}, 202);
  EXPECT_EQ(replayed["queued"], 1);
  ASSERT_TRUE(octopus::testing::eventually([&] { return receiver.count() == 1; }));
  EXPECT_EQ(json::parse(receiver.received()[0].body)["data"]["amount_fen"], 700);
}

TEST_F(WebhookDispatch, DuringARotationEachCallbackVerifiesWithEitherSecret) {
  const auto endpoint = register_endpoint();
  const auto rotated =
      json::parse(gw.partner("POST", "/v1/webhook-endpoints/" + endpoint.id + "/rotate-secret", acme).body);
  const auto fresh = *protocol::WebhookSecret::parse(rotated["secret"].get<std::string>());
  const auto sent = gw.partner("POST", "/v1/webhook-endpoints/" + endpoint.id + "/test", acme);
  ASSERT_EQ(sent.status, 202) << sent.body;
  const auto ping = json::parse(sent.body);
  ASSERT_TRUE(octopus::testing::eventually([&] { return receiver.count() == 1; }));
  const auto c = receiver.received()[0];
  EXPECT_EQ(c.id, ping["event_id"]);
  EXPECT_EQ(json::parse(c.body)["type"], "ping");
  EXPECT_EQ(std::count(c.signature.begin(), c.signature.end(), ' '), 1) << "two v1 signatures: " << c.signature;
  for (const auto& secret : {endpoint.secret, fresh})
    EXPECT_EQ(protocol::verify_webhook({secret}, c.id, c.timestamp, c.body, c.signature, now()),
              protocol::WebhookVerdict::valid);
  EXPECT_EQ(
      protocol::verify_webhook({protocol::WebhookSecret::generate()}, c.id, c.timestamp, c.body, c.signature, now()),
      protocol::WebhookVerdict::bad_signature);
}

// The outbound client under the dispatcher, against a real receiver: the certificate must
// chain to the configured CA, the destination is checked when the connection is made (not
// only when the URL was registered), and one connection carries many callbacks.
TEST(OutboundCalls, CertificatesAreCheckedDestinationsRecheckedAndConnectionsKeptAlive) {
  octopus::testing::ReceiverDir dir, other;
  octopus::testing::WebhookReceiver receiver(dir.string());
  std::string why;
  const auto url = *octopus::http::parse_outbound_url(receiver.url(), true, why);
  octopus::http::OutboundOptions options{std::chrono::seconds(2), receiver.ca_file(), true};

  octopus::http::OutboundConnection connection(url, options);
  EXPECT_EQ(connection.post({{"webhook-id", "msg_1"}}, "{}").status, 200);
  EXPECT_EQ(connection.post({{"webhook-id", "msg_2"}}, "{}").status, 200);
  EXPECT_TRUE(connection.usable()) << "kept alive";
  ASSERT_EQ(receiver.count(), 2u);
  EXPECT_EQ(receiver.received()[1].id, "msg_2");

  // A CA that did not issue the receiver's certificate: no handshake, nothing sent.
  auto untrusted = options;
  untrusted.ca_file = octopus::http::ensure_self_signed_tls(other.string()).ca_certificate;
  try {
    octopus::http::OutboundConnection refused(url, untrusted);
    ADD_FAILURE() << "a certificate from an untrusted CA was accepted";
  } catch (const octopus::http::OutboundError& e) {
    EXPECT_NE(std::string(e.what()).find("TLS handshake"), std::string::npos) << e.what();
  }
  // The same URL once loopback is no longer allowed: refused at connect time.
  auto production = options;
  production.allow_loopback = false;
  try {
    octopus::http::OutboundConnection refused(url, production);
    ADD_FAILURE() << "a loopback destination was connected to";
  } catch (const octopus::http::OutboundError& e) {
    EXPECT_NE(std::string(e.what()).find("destination refused"), std::string::npos) << e.what();
  }
  EXPECT_EQ(receiver.count(), 2u);
  // The receiver drops the connection: the next post fails and says so; a new one works.
  receiver.go_down();
  receiver.come_up();
  EXPECT_THROW(connection.post({{"webhook-id", "msg_3"}}, "{}"), octopus::http::OutboundError);
  EXPECT_FALSE(connection.usable());
  EXPECT_EQ(octopus::http::OutboundConnection(url, options).post({{"webhook-id", "msg_3"}}, "{}").status, 200);
}

// DNS rebinding: a name that resolved to a public address when it was registered resolves
// to a loopback one by the time a callback connects. The check at connect time sees the new
// answer; nothing is sent, and no second lookup could slip another address in after it.
TEST(OutboundCalls, ANameThatNowResolvesToLoopbackIsRefusedWhenTheConnectionIsMade) {
  octopus::testing::ReceiverDir dir;
  octopus::testing::WebhookReceiver receiver(dir.string());
  auto ipv4 = [](const char* text, unsigned short port) {
    sockaddr_storage s{};
    auto& in = reinterpret_cast<sockaddr_in&>(s);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    ::inet_pton(AF_INET, text, &in.sin_addr);
    return s;
  };
  int lookups = 0;
  const octopus::http::Resolver rebinding = [&](const std::string&, unsigned short port) {
    return octopus::http::Resolution{{++lookups == 1 ? ipv4("93.184.216.34", port) : ipv4("127.0.0.1", port)}, ""};
  };
  const auto registered = octopus::http::check_destination("hooks.partner.example", receiver.port(), false, rebinding);
  EXPECT_TRUE(registered.refusal.empty()) << "public when registered: " << registered.refusal;
  std::string why;
  const auto url = *octopus::http::parse_outbound_url(
      "https://hooks.partner.example:" + std::to_string(receiver.port()) + "/hooks", false, why);
  try {
    octopus::http::OutboundConnection rebound(url, {std::chrono::seconds(2), receiver.ca_file(), false, rebinding});
    ADD_FAILURE() << "connected to a name that now resolves to loopback";
  } catch (const octopus::http::OutboundError& e) {
    EXPECT_NE(std::string(e.what()).find("destination refused: the host resolves to a loopback address"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(lookups, 2) << "one lookup per check, and the connection uses the checked answer";
  EXPECT_EQ(receiver.count(), 0u);
}

// An endpoint registered while loopback receivers were allowed, then a gateway that no
// longer allows them: the callback is refused when the connection would be made.
TEST_F(WebhookDispatch, ADestinationNoLongerAllowedIsRefusedAtConnectTime) {
  cpa_contract(400);
  const auto endpoint = register_endpoint();
  const auto subscriber = *reached_subscribers().begin();
  const auto data_dir = gw.data_dir();
  gw.app().shutdown();
  octopus::testing::GatewayHarness strict{[&](octopus::config::GatewayConfig& c) {
    configure(c);
    c.data_dir = data_dir;
    c.webhooks.allow_loopback = c.webhooks.dispatch.allow_loopback = false;
  }};
  ASSERT_EQ(strict
                .admin("POST", "/admin/v1/conversions",
                       {{"subscriber", std::to_string(subscriber)},
                        {"product_code", "5G-PLUS"},
                        {"order_id", "ORD-1"},
                        {"amount_fen", 1'000}})
                .status,
            201);
  auto pending = [&] {
    return json::parse(strict.partner("GET", "/v1/webhook-endpoints/" + endpoint.id + "/deliveries?state=pending", acme)
                           .body)["items"];
  };
  ASSERT_TRUE(octopus::testing::eventually([&] {
    const auto items = pending();
    return items.size() == 1 && items[0]["attempts"].get<int>() >= 1;
  })) << pending();
  EXPECT_NE(pending()[0]["last_error"].get<std::string>().find("destination refused"), std::string::npos) << pending();
  EXPECT_EQ(receiver.count(), 0u);
}

}  // namespace
