// Settlement over real HTTPS, the reference engine and the message sink on disk: a partner's
// message reaches a subscriber, the subscriber orders the product, and the order becomes one
// ledger entry the partner reads under its own token for the subscriber — once, whatever
// the stream repeats. The operator's contracts are checked and audited.
#include <gtest/gtest.h>

#include "sha256_hex.hpp"

#include <algorithm>
#include <chrono>

#include <filesystem>
#include <fstream>
#include <set>

#include "engine/reference/reference_engine.hpp"

#include "eventually.hpp"
#include "gateway_harness.hpp"
#include "http/formats.hpp"
#include "policy_dir.hpp"
#include "settlement_fixture.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::PolicyDir;
using octopus::testing::problem_slug;

namespace {

using SettlementApi = octopus::testing::SettlementFixture;

TEST_F(SettlementApi, AnOrderAfterADeliveredMessageIsSettledOnceToThePartnerThatSentIt) {
  const auto contract = gw.admin("POST", "/admin/v1/partners/acme/contracts",
                                 {{"product_code", "5G-PLUS"},
                                  {"model", "cps"},
                                  {"cps_basis_points", 250},
                                  {"effective_from", "2026-01-01T00:00:00+08:00"}});
  ASSERT_EQ(contract.status, 201) << contract.body;
  const std::string contract_id = json::parse(contract.body)["id"];
  const auto reached = reached_subscribers();
  ASSERT_FALSE(reached.empty()) << "the delivery sent nothing";
  const auto subscriber = *reached.begin();

  report(subscriber, "ORD-1", 12'800);
  report(subscriber, "ORD-1", 12'800);          // the order system reports it again
  report(someone_else(reached), "ORD-2", 500);  // a subscriber the offer never reached
  report(subscriber, "ORD-3", 1'000);
  // ORD-3 came after the others in the stream: once it is in, they were all settled.
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() >= 2; })) << settlements();
  const auto items = settlements()["items"];
  ASSERT_EQ(items.size(), 2u) << items;
  EXPECT_EQ(items[0]["order_id"], "ORD-1");
  EXPECT_EQ(items[0]["type"], "settlement.earned");
  EXPECT_EQ(items[0]["amount_fen"], 320);  // 2.5 % of 128 yuan
  EXPECT_EQ(items[0]["currency"], "CNY");
  EXPECT_EQ(items[0]["contract_id"], contract_id);
  EXPECT_EQ(items[1]["order_id"], "ORD-3");
  EXPECT_EQ(items[1]["amount_fen"], 25);
  // The subscriber is named by acme's own token, the one customer service would issue it.
  const auto token =
      gw.admin("POST", "/admin/v1/partners/acme/subscriber-tokens", {{"subscriber", std::to_string(subscriber)}});
  EXPECT_EQ(items[0]["subscriber_token"], json::parse(token.body)["token"]);
  // Pages follow the ledger's order.
  const auto first = json::parse(gw.partner("GET", "/v1/settlements?limit=1", acme).body);
  ASSERT_EQ(first["items"].size(), 1u);
  const auto next = json::parse(
      gw.partner("GET", "/v1/settlements?limit=1&cursor=" + first["next_cursor"].get<std::string>(), acme).body);
  EXPECT_EQ(next["items"][0]["order_id"], "ORD-3");
  EXPECT_EQ(gw.partner("GET", "/v1/settlements?cursor=abc", acme).status, 400);
  // Another partner sees none of it; a partner without the scope is refused.
  auto beta = gw.create_partner("beta", {"settlements:read"});
  EXPECT_EQ(json::parse(gw.partner("GET", "/v1/settlements", beta).body)["items"].size(), 0u);
  auto gamma = gw.create_partner("gamma", {"offers:read"});
  EXPECT_EQ(gw.partner("GET", "/v1/settlements", gamma).status, 403);

  // ORD-1 is cancelled (twice over): what it earned is taken back, once.
  const json cancellation = {{"subscriber", std::to_string(subscriber)},
                             {"product_code", "5G-PLUS"},
                             {"order_id", "ORD-1"},
                             {"kind", "cancellation"}};
  const auto cancelled = gw.admin("POST", "/admin/v1/conversions", cancellation);
  EXPECT_EQ(cancelled.status, 201) << cancelled.body;
  EXPECT_EQ(json::parse(cancelled.body)["kind"], "cancellation");
  EXPECT_EQ(gw.admin("POST", "/admin/v1/conversions", cancellation).status, 201);
  report(subscriber, "ORD-5", 2'000);
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() >= 4; })) << settlements();
  const auto after = settlements()["items"];
  ASSERT_EQ(after.size(), 4u) << after;
  EXPECT_EQ(after[2]["type"], "settlement.reversed");
  EXPECT_EQ(after[2]["order_id"], "ORD-1");
  EXPECT_EQ(after[2]["amount_fen"], -320);
  EXPECT_EQ(after[3]["order_id"], "ORD-5");
  // This month's statement: the same entries, totalled, and a digest the partner recomputes.
  const auto shanghai = std::chrono::system_clock::now() + std::chrono::hours(8);
  const std::string month =
      octopus::http::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(shanghai.time_since_epoch()).count())
          .substr(0, 7);
  const auto statement = gw.partner("GET", "/v1/settlement-statements/" + month, acme);
  ASSERT_EQ(statement.status, 200) << statement.body;
  const auto st = json::parse(statement.body);
  EXPECT_EQ(st["entries"], 4);
  EXPECT_EQ(
      st["totals"],
      json({{"earned_fen", 395}, {"reversed_fen", -320}, {"charged_fen", 0}, {"adjusted_fen", 0}, {"net_fen", 75}}));
  EXPECT_EQ(st["complete"], false);
  std::string lines;
  for (const auto& e : after)
    lines += e["id"].get<std::string>() + ":" + std::to_string(e["amount_fen"].get<int>()) + "\n";
  EXPECT_EQ(st["digest"]["value"], octopus::testing::sha256_hex(lines));
  const auto csv = gw.partner("GET", "/v1/settlement-statements/" + month, acme, "", {}, {{"Accept", "text/csv"}});
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 5) << csv.body;  // a header and four entries
  EXPECT_NE(csv.body.find(after[2]["id"].get<std::string>() + ",settlement.reversed,-320,CNY,ORD-1"),
            std::string::npos);
  EXPECT_EQ(gw.partner("GET", "/v1/settlement-statements/2026-13", acme).status, 404);
  // The operator's view: what acme is owed, and how every order ended.
  const auto summary = json::parse(gw.admin("GET", "/admin/v1/settlement/summary").body);
  ASSERT_EQ(summary["partners"].size(), 1u) << summary;
  EXPECT_EQ(summary["partners"][0]["partner_id"], "acme");
  EXPECT_EQ(summary["partners"][0]["net_fen"], 75);
  EXPECT_EQ(summary["order_outcomes"], json({{"earned", 3}, {"unattributed", 1}, {"reversed", 1}}));
  // An order must say what it cost.
  const auto no_amount =
      gw.admin("POST", "/admin/v1/conversions",
               {{"subscriber", std::to_string(subscriber)}, {"product_code", "5G-PLUS"}, {"order_id", "ORD-6"}});
  EXPECT_EQ(no_amount.status, 422);
  EXPECT_EQ(json::parse(no_amount.body)["errors"][0]["pointer"], "/amount_fen");
}

// Touches come back from the sink at start, and the ledger's memory of settled orders is on
// disk: after a restart an order is still attributed, and a repeated one still not paid twice.
TEST_F(SettlementApi, AfterARestartOrdersAreStillAttributedAndNeverPaidTwice) {
  ASSERT_EQ(gw.admin("POST", "/admin/v1/partners/acme/contracts",
                     {{"product_code", "5G-PLUS"},
                      {"model", "cpa"},
                      {"cpa_fen", 800},
                      {"effective_from", "2026-01-01T00:00:00Z"}})
                .status,
            201);
  const auto subscriber = *reached_subscribers().begin();
  report(subscriber, "ORD-1", 9'900);
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() == 1; }));
  const auto data_dir = gw.data_dir();
  gw.app().shutdown();

  GatewayHarness again{[&](octopus::config::GatewayConfig& c) {
    c.counters.enforce_quotas = false;
    c.policies_dir = dir.path().string();
    c.data_dir = data_dir;
  }};
  auto report_again = [&](const std::string& order_id) {
    EXPECT_EQ(again
                  .admin("POST", "/admin/v1/conversions",
                         {{"subscriber", std::to_string(subscriber)},
                          {"product_code", "5G-PLUS"},
                          {"order_id", order_id},
                          {"amount_fen", 9'900}})
                  .status,
              201);
  };
  report_again("ORD-1");
  report_again("ORD-2");
  auto items = [&] { return json::parse(again.partner("GET", "/v1/settlements", acme).body)["items"]; };
  ASSERT_TRUE(octopus::testing::eventually([&] { return items().size() >= 2; })) << items();
  EXPECT_EQ(items().size(), 2u) << items();
  EXPECT_EQ(items()[1]["order_id"], "ORD-2");
  EXPECT_EQ(items()[1]["amount_fen"], 800);
}

TEST_F(SettlementApi, ContractsAreCheckedNeverOverlapAndAreAudited) {
  auto create = [&](json body) { return gw.admin("POST", "/admin/v1/partners/acme/contracts", body); };
  const json cpa = {{"product_code", "5G-PLUS"},
                    {"model", "cpa"},
                    {"cpa_fen", 1'500},
                    {"monthly_cap_fen", 300'000},
                    {"effective_from", "2026-01-01T00:00:00Z"},
                    {"effective_until", "2027-01-01T00:00:00Z"}};
  auto missing = cpa;
  missing.erase("cpa_fen");
  missing["cps_basis_points"] = 100;
  const auto refused = create(missing);
  ASSERT_EQ(refused.status, 422) << refused.body;
  std::set<std::string> pointers;
  const auto problem = json::parse(refused.body);
  for (const auto& e : problem["errors"]) pointers.insert(e["pointer"].get<std::string>());
  EXPECT_EQ(pointers, (std::set<std::string>{"/cpa_fen", "/cps_basis_points"})) << refused.body;
  auto backwards = cpa;
  backwards["effective_until"] = "2025-01-01T00:00:00Z";
  EXPECT_EQ(json::parse(create(backwards).body)["errors"][0]["pointer"], "/effective_until");
  auto unsold = cpa;
  unsold["product_code"] = "NO-SUCH";
  EXPECT_EQ(json::parse(create(unsold).body)["errors"][0]["pointer"], "/product_code");
  EXPECT_EQ(gw.admin("POST", "/admin/v1/partners/nobody/contracts", cpa).status, 404);

  const auto made = create(cpa);
  ASSERT_EQ(made.status, 201) << made.body;
  const auto contract = json::parse(made.body);
  EXPECT_EQ(made.header("Location"), "/admin/v1/partners/acme/contracts/" + contract["id"].get<std::string>());
  auto overlapping = cpa;
  overlapping["effective_from"] = "2026-12-01T00:00:00Z";
  overlapping["effective_until"] = "2027-06-01T00:00:00Z";
  EXPECT_EQ(create(overlapping).status, 409);
  auto next = overlapping;
  next["effective_from"] = "2027-01-01T00:00:00Z";  // starts as the first one ends
  EXPECT_EQ(create(next).status, 201);

  const auto listed = json::parse(gw.admin("GET", "/admin/v1/partners/acme/contracts").body)["items"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], contract);
  EXPECT_EQ(json::parse(gw.admin("GET", std::string(made.header("Location"))).body), contract);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/beta/contracts/" + contract["id"].get<std::string>()).status, 404);
  const auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=contract.create").body)["items"];
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0]["detail"]["contract"]["cpa_fen"], 1'500);
}

}  // namespace

namespace {

// The operator corrects a partner's balance by hand: a reason is required, 0 is refused, the
// entry reaches the partner's ledger and statement, and the audit names who made it.
TEST_F(SettlementApi, ManualAdjustmentsNeedAReasonAreAuditedAndCountInTheStatement) {
  const auto adjust = [&](const std::string& partner, const json& body) {
    return gw.admin("POST", "/admin/v1/partners/" + partner + "/adjustments", body);
  };
  const auto zero = adjust("acme", {{"amount_fen", 0}, {"reason", "nothing at all"}});
  ASSERT_EQ(zero.status, 422) << zero.body;
  EXPECT_EQ(json::parse(zero.body)["errors"][0]["pointer"], "/amount_fen");
  const auto no_reason = adjust("acme", {{"amount_fen", 100}});
  ASSERT_EQ(no_reason.status, 422) << no_reason.body;
  EXPECT_EQ(json::parse(no_reason.body)["errors"][0]["pointer"], "/reason");
  EXPECT_EQ(adjust("nobody", {{"amount_fen", 100}, {"reason", "who?"}}).status, 404);

  const auto made = adjust(
      "acme",
      {{"amount_fen", -150}, {"reason", "ORD-9 refunded outside the order system"}, {"product_code", "5G-PLUS"}});
  ASSERT_EQ(made.status, 201) << made.body;
  const auto entry = json::parse(made.body);
  EXPECT_EQ(entry["type"], "adjustment");
  const auto items = settlements()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], entry["id"]);
  EXPECT_EQ(items[0]["amount_fen"], -150);
  EXPECT_TRUE(items[0]["subscriber_token"].is_null());
  EXPECT_EQ(items[0]["reason"], "ORD-9 refunded outside the order system");

  const auto shanghai = std::chrono::system_clock::now() + std::chrono::hours(8);
  const std::string month =
      octopus::http::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(shanghai.time_since_epoch()).count())
          .substr(0, 7);
  const auto st = json::parse(gw.partner("GET", "/v1/settlement-statements/" + month, acme).body);
  EXPECT_EQ(st["totals"]["adjusted_fen"], -150);
  EXPECT_EQ(st["totals"]["net_fen"], -150);
  const auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=settlement.adjustment").body)["items"];
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["detail"]["adjustment"]["amount_fen"], -150);
  const auto summary = json::parse(gw.admin("GET", "/admin/v1/settlement/summary").body)["partners"];
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0]["adjusted_fen"], -150);
  EXPECT_EQ(summary[0]["net_fen"], -150);
}

}  // namespace

namespace {

// The partner pays for the messages it had sent: one charge per delivery, on the delivered
// figure the partner itself is shown, priced by the contract for the offer's product; the
// statement nets it against what orders earned. A restart does not charge it again.
TEST_F(SettlementApi, ADeliveryIsChargedOnceOnTheFigureThePartnerIsShown) {
  const auto made = gw.admin("POST", "/admin/v1/partners/acme/contracts",
                             {{"product_code", "5G-PLUS"},
                              {"model", "cpa"},
                              {"cpa_fen", 500},
                              {"message_fen", {{"sms", 4}}},
                              {"effective_from", "2026-01-01T00:00:00Z"}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(json::parse(made.body)["message_fen"], json({{"sms", 4}, {"push", 0}, {"outbound_call", 0}}));
  const auto reached = reached_subscribers();
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() == 1; })) << settlements();
  const auto charge = settlements()["items"][0];
  EXPECT_EQ(charge["type"], "charge.messages");
  const auto delivery =
      json::parse(gw.partner("GET", "/v1/deliveries/" + charge["source_id"].get<std::string>(), acme).body);
  const auto shown = delivery["outcomes"]["delivered"].get<std::int64_t>();
  ASSERT_GT(shown, 0) << delivery;
  EXPECT_EQ(charge["amount_fen"], -4 * shown)
      << "billed on the released figure, not the exact count of " << reached.size();
  EXPECT_TRUE(charge["subscriber_token"].is_null());
  EXPECT_NE(charge["reason"].get<std::string>().find(std::to_string(shown) + " sms messages delivered x 4 fen"),
            std::string::npos)
      << charge["reason"];

  report(*reached.begin(), "ORD-1", 1'000);
  ASSERT_TRUE(octopus::testing::eventually([&] { return settlements()["items"].size() == 2; }));
  const auto shanghai = std::chrono::system_clock::now() + std::chrono::hours(8);
  const std::string month =
      octopus::http::rfc3339(std::chrono::duration_cast<std::chrono::seconds>(shanghai.time_since_epoch()).count())
          .substr(0, 7);
  const auto st = json::parse(gw.partner("GET", "/v1/settlement-statements/" + month, acme).body);
  EXPECT_EQ(st["totals"]["charged_fen"], -4 * shown);
  EXPECT_EQ(st["totals"]["earned_fen"], 500);
  EXPECT_EQ(st["totals"]["net_fen"], 500 - 4 * shown);

  // A restart looks for finished deliveries without a charge: this one has its charge.
  const auto data_dir = gw.data_dir();
  gw.app().shutdown();
  GatewayHarness again{[&](octopus::config::GatewayConfig& c) {
    configure(c);
    c.data_dir = data_dir;
  }};
  EXPECT_EQ(json::parse(again.partner("GET", "/v1/settlements", acme).body)["items"].size(), 2u);
}

}  // namespace
