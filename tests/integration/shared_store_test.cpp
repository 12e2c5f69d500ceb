// Two gateways sharing one PostgreSQL database, as instances behind a load balancer do:
// what an operator changes on one is enforced by the other within a second, and a partner's
// retry is answered the same whichever instance it reaches.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/reference/reference_engine.hpp"
#include "gateway_harness.hpp"
#include "test_database.hpp"

using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;
using json = nlohmann::json;

namespace {

class SharedStore : public ::testing::Test {
 protected:
  static std::function<void(octopus::config::GatewayConfig&)> on(const std::string& url) {
    return [url](octopus::config::GatewayConfig& c) {
      c.store.kind = "postgresql";
      c.store.postgresql.url = url;
      c.store.postgresql.tls_mode = "disable";
      // Renewed every second, trusted for two: a loaded machine's late renewal keeps it.
      c.store.lease_ttl = std::chrono::milliseconds(3000);
    };
  }
  const std::string url = octopus::testing::fresh_postgres_database();
  GatewayHarness a{on(url)};
  GatewayHarness b{on(url)};

  // Polls `b` until `request` answers `status`; how long that took, or nothing after 1 s.
  template <typename Request>
  std::optional<std::chrono::milliseconds> within_a_second(int status, Request request) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
      if (request().status == status)
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }
};

TEST_F(SharedStore, APartnerRegisteredOnOneInstanceIsServedByTheOtherWithinASecond) {
  const auto acme = a.create_partner("acme", {"audiences:read"});
  const auto took = within_a_second(200, [&] { return b.partner("GET", "/v1/capabilities", acme); });
  ASSERT_TRUE(took) << "instance b never accepted a partner registered on a";
  RecordProperty("propagation_ms", static_cast<int>(took->count()));
}

TEST_F(SharedStore, ARevocationOrSuspensionOnOneInstanceIsEnforcedByTheOtherWithinASecond) {
  const auto acme = a.create_partner("acme", {"audiences:read"});
  ASSERT_TRUE(within_a_second(200, [&] { return b.partner("GET", "/v1/capabilities", acme); }));
  ASSERT_EQ(a.admin("DELETE", "/admin/v1/partners/acme/keys/" + acme.key_id).status, 200);
  ASSERT_TRUE(within_a_second(401, [&] { return b.partner("GET", "/v1/capabilities", acme); }))
      << "instance b still accepts a key revoked on a";
  EXPECT_EQ(problem_slug(b.partner("GET", "/v1/capabilities", acme)), "key-revoked");

  const auto beta = a.create_partner("beta", {"audiences:read"});
  ASSERT_TRUE(within_a_second(200, [&] { return b.partner("GET", "/v1/capabilities", beta); }));
  ASSERT_EQ(a.admin("PATCH", "/admin/v1/partners/beta", {{"status", "suspended"}}).status, 200);
  ASSERT_TRUE(within_a_second(403, [&] { return b.partner("GET", "/v1/capabilities", beta); }))
      << "instance b still serves a partner suspended on a";
  EXPECT_EQ(problem_slug(b.partner("GET", "/v1/capabilities", beta)), "partner-suspended");
}

// A customer service agent withdraws a consent on instance a; instance b, which may be the
// one running deliveries and triggers, decides by it within a second (its overlay shows it).
TEST_F(SharedStore, AConsentWithdrawnOnOneInstanceIsAppliedByTheOtherWithinASecond) {
  auto& engine = dynamic_cast<octopus::engine::reference::ReferenceEngine&>(a.app().engine());
  const auto subscriber = std::to_string(engine.population().id(3));
  const auto path = "/admin/v1/subscribers/" + subscriber + "/consents";
  const auto withdrawn_on = [&](GatewayHarness& gw) {
    const auto answer = gw.admin("GET", path);
    if (answer.status != 200) return false;
    const auto consents = json::parse(answer.body);
    for (const auto& s : consents["scopes"])
      if (s["channel"] == "outbound_call" && s["partner_category"] == "agent" &&
          s["purpose"] == "dpv:DirectMarketing" && s["source"] == "gateway")
        return s["state"] == "withdrawn";
    return false;
  };
  ASSERT_FALSE(withdrawn_on(b));
  ASSERT_EQ(a.admin("POST", path,
                    {{"changes",
                      {{{"purpose", "dpv:DirectMarketing"},
                        {"channel", "outbound_call"},
                        {"partner_category", "agent"},
                        {"state", "withdrawn"}}}},
                     {"note", "call ref CS-2"}})
                .status,
            200);
  const auto start = std::chrono::steady_clock::now();
  while (!withdrawn_on(b) && std::chrono::steady_clock::now() - start < std::chrono::seconds(1))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(withdrawn_on(b)) << "instance b does not apply a withdrawal recorded on a";
  RecordProperty(
      "propagation_ms",
      static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()));
}

// The background work (deliveries, webhook dispatch, the engine's streams) runs on one
// instance; when that one stops, the other takes it over at once.
TEST_F(SharedStore, OneInstanceRunsTheBackgroundWorkAndTheOtherTakesItOver) {
  ASSERT_NE(a.app().runs_background_work(), b.app().runs_background_work());
  auto& holder = a.app().runs_background_work() ? a : b;
  auto& other = a.app().runs_background_work() ? b : a;
  std::this_thread::sleep_for(std::chrono::milliseconds(3300));  // past one lease: renewed, not passed on
  EXPECT_TRUE(holder.app().runs_background_work());
  EXPECT_FALSE(other.app().runs_background_work());
  holder.app().shutdown();
  const auto stopped = std::chrono::steady_clock::now();
  while (!other.app().runs_background_work() && std::chrono::steady_clock::now() - stopped < std::chrono::seconds(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(other.app().runs_background_work());
  // Its next ask, a third of the lease after its last one, finds the lease released.
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::milliseconds(1500));
}

// The partner lost the answer from instance a; its retry reaches instance b, which answers
// with a's answer instead of building a second audience.
TEST_F(SharedStore, ARetryReachingTheOtherInstanceReplaysTheFirstAnswer) {
  const auto acme = a.create_partner("acme", {"audiences:read", "audiences:write"});
  ASSERT_TRUE(within_a_second(200, [&] { return b.partner("GET", "/v1/capabilities", acme); }));
  const std::string body = R"({"segment":{"attribute":"city","eq":"weifang"}})";
  const std::vector<octopus::client::HeaderField> headers{{"Content-Type", "application/json"},
                                                          {"Idempotency-Key", "4f1c2d3e-9b1e-4c55-8a6f-0a7d1c1f9e3b"}};
  const auto first = a.partner("POST", "/v1/audiences", acme, body, {}, headers);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto retry = b.partner("POST", "/v1/audiences", acme, body, {}, headers);
  EXPECT_EQ(retry.status, 202) << retry.body;
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(retry.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(json::parse(b.partner("GET", "/v1/audiences", acme).body)["items"].size(), 1u);
}

}  // namespace
