// Crash consistency of settlement: the gateway binary is killed with SIGKILL ten times at
// random moments while 5,000 orders flow from the engine (its own process, which outlives
// the crashes) and the partner's receiver records every callback. After the last restart:
// every order is settled exactly once, every ledger entry reached the receiver at least
// once (deduplicated by webhook-id), and statement = ledger = what the receiver holds, to
// the fen.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine_process.hpp"
#include "http/formats.hpp"
#include "gateway_process.hpp"
#include "policy_dir.hpp"
#include "settlement_fixture.hpp"
#include "webhook_receiver.hpp"

using nlohmann::json;
using octopus::client::Credential;
using octopus::testing::GatewayProcess;

namespace {

constexpr int kOrders = 5'000;
constexpr std::int64_t kCpaFen = 100;

class SettlementCrash : public ::testing::Test {
 protected:
  octopus::testing::PolicyDir policies = [] {
    octopus::testing::PolicyDir d;
    d.replace("fatigue.yaml", "  sms:\n    windows:\n      - { from: \"21:00\", to: \"08:00\" }",
              "  sms:\n    windows: []");
    return d;
  }();
  octopus::testing::EngineProcess engine;
  octopus::testing::ReceiverDir receiver_dir;
  octopus::testing::WebhookReceiver receiver{receiver_dir.string()};
  GatewayProcess gw{"settle-crash", config(), policies.path()};
  Credential cred{"payco-key-1", octopus::protocol::Ed25519PrivateKey::generate()};

  std::string config() const {
    return "engine:\n  kind: remote\n  timeout_ms: 2000\n  remote:\n    address: 127.0.0.1:" +
           std::to_string(engine.port()) + "\n    ca_file: " + engine.ca_file() +
           "\ncounters:\n  enforce_quotas: false\n"
           "webhooks:\n  development:\n    allow_loopback: true\n  dispatch:\n    ca_file: " +
           receiver.ca_file() +
           "\n    retry_schedule_ms: [100, 200, 400, 800, 1600, 3200, 6400]\n    retry_jitter_percent: 0\n";
  }

  json call(const std::string& method, const std::string& target, const json& body = nullptr) {
    return gw.signed_call(cred, method, target, body);
  }

  // Delivers an offer for 5G-PLUS and answers whom the sink shows it reached.
  std::vector<std::uint64_t> reached() {
    const auto offer = call("POST", "/v1/offers",
                            {{"name", "5G"},
                             {"channel", "sms"},
                             {"template", "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订"},
                             {"product_code", "5G-PLUS"},
                             {"landing_url", "https://www.10086.cn/5g"},
                             {"valid_until", "2099-12-31T16:00:00Z"}});
    const std::string audience =
        call("POST", "/v1/audiences", {{"segment", {{"attribute", "city"}, {"in", {"jinan", "yantai"}}}}})["id"];
    for (int i = 0; i < 200 && call("GET", "/v1/audiences/" + audience)["status"] != "ready"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    const std::string delivery =
        call("POST", "/v1/deliveries", {{"offer_id", offer["id"]}, {"audience_id", audience}})["id"];
    for (int i = 0; i < 600 && call("GET", "/v1/deliveries/" + delivery)["status"] != "completed"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::set<std::uint64_t> out;
    for (const auto& f : std::filesystem::directory_iterator(gw.data_dir() / "messages")) {
      std::ifstream in(f.path());
      for (std::string line; std::getline(in, line);)
        if (const auto j = json::parse(line, nullptr, false); j.is_object() && j["source"] == delivery)
          out.insert(j["subscriber"].get<std::uint64_t>());
    }
    return {out.begin(), out.end()};
  }

  // Every entry of the partner's ledger, page by page.
  json ledger() {
    json all = json::array();
    std::string cursor;
    for (;;) {
      const auto page = call("GET", "/v1/settlements?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
      for (const auto& e : page["items"]) all.push_back(e);
      if (page["next_cursor"].is_null()) return all;
      cursor = page["next_cursor"];
    }
  }

  std::size_t settled_orders() {
    const auto summary = json::parse(gw.admin("GET", "/admin/v1/settlement/summary", nullptr).body);
    std::size_t n = 0;
    for (const auto& [outcome, count] : summary["order_outcomes"].items()) n += count.get<std::size_t>();
    return n;
  }
};

TEST_F(SettlementCrash, KilledTenTimesWhileOrdersFlowNoOrderIsPaidTwiceAndEveryEntryArrives) {
  gw.register_partner("payco", cred,
                      {"offers:write", "audiences:read", "audiences:write", "deliveries:read", "deliveries:write",
                       "settlements:read", "webhooks:read", "webhooks:write"});
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners/payco/contracts",
                     {{"product_code", "5G-PLUS"},
                      {"model", "cpa"},
                      {"cpa_fen", kCpaFen},
                      {"effective_from", "2026-01-01T00:00:00Z"}})
                .status,
            201);
  call("POST", "/v1/webhook-endpoints", {{"url", receiver.url()}, {"event_types", {"settlement.earned"}}});
  const auto subscribers = reached();
  ASSERT_GT(subscribers.size(), 100u) << gw.log_text();

  // The order system reports to the engine directly: it does not stop when the gateway does.
  std::atomic<int> reported{0};
  std::thread orders([&] {
    octopus::client::TlsOptions tls;
    tls.ca_file = engine.ca_file();
    octopus::client::HttpsConnection conn("localhost", engine.port(), tls);
    for (int i = 0; i < kOrders; ++i) {
      const json order = {{"subscriber", subscribers[static_cast<std::size_t>(i) % subscribers.size()]},
                          {"product_code", "5G-PLUS"},
                          {"order_id", "ORD-" + std::to_string(i)},
                          {"amount_fen", 9'900}};
      const auto r = conn.send("POST", "/engine/v1/conversions",
                               {{"Authorization", std::string("Bearer ") + octopus::testing::kEngineToken},
                                {"Content-Type", "application/json"}},
                               order.dump());
      if (r.status != 201) ADD_FAILURE() << r.status << " " << r.body;
      if (i % 10 == 0)
        conn.send("POST", "/engine/v1/conversions",  // the stream repeats an order now and then
                  {{"Authorization", std::string("Bearer ") + octopus::testing::kEngineToken},
                   {"Content-Type", "application/json"}},
                  order.dump());
      reported = i + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::mt19937 rng(std::random_device{}());
  for (int kill = 0; kill < 10; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 450));
    gw.stop(SIGKILL);
    std::cerr << "kill " << kill + 1 << " with " << reported << " orders reported, " << receiver.count()
              << " callbacks received\n";
    gw.start();
  }
  orders.join();

  ASSERT_TRUE(octopus::testing::eventually([&] { return settled_orders() == kOrders; }, std::chrono::seconds(60)))
      << settled_orders() << " of " << kOrders << " settled\n"
      << gw.log_text().substr(gw.log_text().size() > 4000 ? gw.log_text().size() - 4000 : 0);
  const auto entries = ledger();
  std::set<std::string> ids, orders_paid;
  std::int64_t ledger_fen = 0;
  for (const auto& e : entries) {
    ids.insert(e["id"].get<std::string>());
    EXPECT_TRUE(orders_paid.insert(e["order_id"].get<std::string>()).second) << "paid twice: " << e;
    ledger_fen += e["amount_fen"].get<std::int64_t>();
  }
  EXPECT_EQ(entries.size(), static_cast<std::size_t>(kOrders)) << "every order reached a subscriber the offer reached";
  EXPECT_EQ(ledger_fen, kOrders * kCpaFen);

  ASSERT_TRUE(octopus::testing::eventually(
      [&] {
        std::set<std::string> told;
        for (const auto& c : receiver.received()) told.insert(c.id);
        return told.size() >= entries.size();
      },
      std::chrono::seconds(60)))
      << receiver.count() << " callbacks for " << entries.size() << " entries";
  std::map<std::string, json> unique;  // by webhook-id
  for (const auto& c : receiver.received()) unique.emplace(c.id, json::parse(c.body));
  std::set<std::string> told;
  std::int64_t told_fen = 0;
  for (const auto& [id, payload] : unique) {
    told.insert(payload["data"]["id"].get<std::string>());
    told_fen += payload["data"]["amount_fen"].get<std::int64_t>();
  }
  EXPECT_EQ(told, ids);
  EXPECT_EQ(told_fen, ledger_fen);
  std::cerr << receiver.count() << " callbacks received for " << unique.size() << " events\n";

  const auto month =
      octopus::http::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(
                                 (std::chrono::system_clock::now() + std::chrono::hours(8)).time_since_epoch())
                                 .count())
          .substr(0, 7);
  const auto statement = call("GET", "/v1/settlement-statements/" + month);
  EXPECT_EQ(statement["entries"], entries.size());
  EXPECT_EQ(statement["totals"]["net_fen"], ledger_fen);
}

}  // namespace
