// Audience targeting over real HTTPS: the vocabulary a tier may use, privacy-filtered
// estimates, precise refusals, a differencing attack that learns nothing, and audiences that
// only their owner can see. Every test runs twice: against the embedded reference engine,
// and against the same engine served as its own process behind the remote adapter.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "engine/reference/reference_engine.hpp"
#include "engine_process.hpp"
#include "gateway_harness.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

class Audiences : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<octopus::testing::EngineProcess> remote_engine =
      GetParam() == "remote" ? std::make_unique<octopus::testing::EngineProcess>() : nullptr;
  // Plan limits are tested in quota_test.cpp; the starter plan's 1 audience query a second
  // would only slow these tests down.
  GatewayHarness gw{[this](octopus::config::GatewayConfig& c) {
    c.counters.enforce_quotas = false;
    if (remote_engine) remote_engine->configure(c);
  }};
  octopus::client::Credential acme = gw.create_partner("acme", {"audiences:read", "audiences:write"});

  octopus::client::HttpResponse post(const std::string& target, const json& body,
                                     const octopus::client::Credential& who) {
    return gw.partner("POST", target, who, body.dump(), {}, {{"Content-Type", "application/json"}});
  }
  octopus::client::HttpResponse post(const std::string& target, const json& body) { return post(target, body, acme); }
  json estimate(const json& segment) {
    auto r = post("/v1/audience-estimates", {{"segment", segment}});
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }
};

TEST_P(Audiences, ATierSeesOnlyWhatItMayTarget) {
  auto r = gw.partner("GET", "/v1/targeting-attributes", acme);  // gold
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = json::parse(r.body);
  std::set<std::string> names;
  for (const auto& a : v["attributes"]) names.insert(a["name"]);
  EXPECT_TRUE(names.count("city"));
  EXPECT_TRUE(names.count("age_band"));
  EXPECT_FALSE(names.count("network"));  // the engine has it; the privacy policy does not list it
  for (const auto& a : v["attributes"])
    if (a["name"] == "city") {
      EXPECT_EQ(a["values"].size(), 16u);
    }
  EXPECT_FALSE(v["tags"].empty());
  EXPECT_EQ(v["minimum_audience_size"], 100);

  auto bronze_r = gw.admin("PATCH", "/admin/v1/partners/acme", {{"tier", "bronze"}});
  ASSERT_EQ(bronze_r.status, 200) << bronze_r.body;
  auto b = json::parse(gw.partner("GET", "/v1/targeting-attributes", acme).body);
  std::set<std::string> bronze;
  for (const auto& a : b["attributes"]) bronze.insert(a["name"]);
  EXPECT_EQ(bronze, (std::set<std::string>{"age_band", "city", "gender"}));
  EXPECT_TRUE(b["tags"].empty());
}

TEST_P(Audiences, EstimatesAreRoundedAndCarryThePolicyVersion) {
  auto r = post("/v1/audience-estimates", json::parse(R"({"segment":{"attribute":"city","in":["jinan","qingdao"]}})"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto e = json::parse(r.body);
  ASSERT_FALSE(e["suppressed"].get<bool>()) << r.body;
  const auto count = e["count"].get<std::uint64_t>();
  EXPECT_GE(count, 100u);
  EXPECT_EQ(count % 100, 0u);
  EXPECT_EQ(e["policy_version"], std::string(r.header("Octopus-Policy-Version")));
  // A tiny group is withheld, not shown.
  auto tiny = estimate(json::parse(R"({"all":[{"attribute":"city","eq":"weihai"},{"attribute":"age_band","eq":"65+"},
                                              {"tag":"fishing"},{"attribute":"gender","eq":"female"}]})"));
  EXPECT_TRUE(tiny["count"].is_null());
  EXPECT_EQ(tiny["reason"], "below_threshold");
}

TEST_P(Audiences, BadSegmentsAreRefusedAtTheOffendingNode) {
  auto forbidden = post("/v1/audience-estimates", json::parse(R"({"segment":{"all":[
      {"attribute":"city","eq":"jinan"},{"attribute":"religion","eq":"x"}]}})"));
  ASSERT_EQ(forbidden.status, 422);
  EXPECT_EQ(problem_slug(forbidden), "segment-not-allowed");
  auto f = json::parse(forbidden.body);
  EXPECT_EQ(f["errors"][0]["pointer"], "/segment/all/1/attribute");
  EXPECT_EQ(f["errors"][0]["rule"], "privacy.never_targetable");

  auto unknown = post("/v1/audience-estimates", json::parse(R"({"segment":{"attribute":"city","eq":"beijing"}})"));
  ASSERT_EQ(unknown.status, 422);
  EXPECT_EQ(problem_slug(unknown), "validation-error");
  EXPECT_EQ(json::parse(unknown.body)["errors"][0]["pointer"], "/segment/eq");

  auto not_json =
      gw.partner("POST", "/v1/audience-estimates", acme, "{segment", {}, {{"Content-Type", "application/json"}});
  EXPECT_EQ(not_json.status, 400);
  auto wrong_type = gw.partner("POST", "/v1/audience-estimates", acme, "segment=x", {},
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(wrong_type.status, 415);
}

// The attacker counts a group, then the same group without a handful of people: the
// second count would reveal how many they are. It is withheld.
TEST_P(Audiences, ADifferencingAttackLearnsNothing) {
  // Find, in the gateway's own synthetic population, a subgroup of Jinan that is small but
  // not empty among subscribers reachable by this partner (internet, direct marketing).
  auto engine = octopus::engine::reference::make_synthetic_reference_engine({20261128, 50'000, 2});
  const auto& vocab = engine->vocabulary().get();
  octopus::engine::CountQuery probe;
  probe.consent = {"dpv:DirectMarketing", "internet", {"sms", "push"}};
  json small_group;
  for (const auto& tag : vocab.tags) {
    octopus::engine::SegmentNode city{octopus::engine::SegmentNode::Kind::eq, "city", {"jinan"}};
    octopus::engine::SegmentNode old{octopus::engine::SegmentNode::Kind::eq, "age_band", {"65+"}};
    octopus::engine::SegmentNode interest{octopus::engine::SegmentNode::Kind::tag};
    interest.tag = tag;
    probe.segment = {octopus::engine::SegmentNode::Kind::all, "", {}, 0, 0, "", {city, old, interest}};
    const auto n = engine->count(probe).get();
    if (n > 0 && n < 20) {
      small_group = json::parse(R"({"all":[{"attribute":"age_band","eq":"65+"},{"tag":")" + tag + R"("}]})");
      break;
    }
  }
  ASSERT_FALSE(small_group.is_null()) << "no small subgroup in this population; pick another";

  const json jinan = json::parse(R"({"attribute":"city","eq":"jinan"})");
  auto whole = estimate(jinan);
  ASSERT_FALSE(whole["suppressed"].get<bool>());
  auto without = estimate(json{{"all", json::array({jinan, json{{"not", small_group}}})}});
  EXPECT_TRUE(without["suppressed"].get<bool>()) << without.dump();
  EXPECT_EQ(without["reason"], "differencing");
  EXPECT_TRUE(without["count"].is_null());
}

TEST_P(Audiences, AnAudienceIsBuiltInTheBackgroundAndOnlyItsOwnerCanSeeIt) {
  const json segment = json::parse(R"({"attribute":"city","in":["jinan","yantai"]})");
  auto created = post("/v1/audiences", {{"segment", segment}});
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string id = json::parse(created.body)["id"];
  EXPECT_EQ(created.header("Location"), "/v1/audiences/" + id);

  json a;
  for (int i = 0; i < 100; ++i) {
    a = json::parse(gw.partner("GET", "/v1/audiences/" + id, acme).body);
    if (a["status"] != "building") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(a["status"], "ready") << a.dump();
  EXPECT_EQ(a["progress"], 1.0);
  EXPECT_EQ(a["count"], estimate(segment)["count"]);  // the same privacy filter as an estimate

  auto page = json::parse(gw.partner("GET", "/v1/audiences?limit=10", acme).body);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], id);

  // Another partner: the same answer as for an id that does not exist.
  auto beta = gw.create_partner("beta", {"audiences:read", "audiences:write"});
  auto theirs = gw.partner("GET", "/v1/audiences/" + id, beta);
  auto nobody = gw.partner("GET", "/v1/audiences/aud_0000000000000000000000000000", beta);
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(nobody.status, 404);
  EXPECT_EQ(json::parse(theirs.body)["detail"], json::parse(nobody.body)["detail"]);
  EXPECT_EQ(gw.partner("DELETE", "/v1/audiences/" + id, beta).status, 404);
  EXPECT_TRUE(json::parse(gw.partner("GET", "/v1/audiences", beta).body)["items"].empty());

  EXPECT_EQ(gw.partner("DELETE", "/v1/audiences/" + id, acme).status, 204);
  EXPECT_EQ(gw.partner("GET", "/v1/audiences/" + id, acme).status, 404);
}

// A partner that lost the answer to its POST sends it again with the same Idempotency-Key:
// one audience is built, and the retry gets the first answer back.
TEST_P(Audiences, ARetryWithTheSameIdempotencyKeyBuildsOneAudience) {
  const std::string body = R"({"segment":{"attribute":"city","eq":"weifang"}})";
  auto send = [&](const std::string& key, const std::string& b) {
    return gw.partner("POST", "/v1/audiences", acme, b, {},
                      {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  };
  const auto first = send("\"7d1c1f9e-3b2a-4c55-9b1e-0a6f1c2d3e4f\"", body);
  ASSERT_EQ(first.status, 202) << first.body;
  const auto retry = send("7d1c1f9e-3b2a-4c55-9b1e-0a6f1c2d3e4f", body);  // the bare form: the same key
  EXPECT_EQ(retry.status, 202);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(json::parse(retry.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(retry.header("Location"), first.header("Location"));
  EXPECT_EQ(json::parse(gw.partner("GET", "/v1/audiences", acme).body)["items"].size(), 1u);

  const auto other = send("7d1c1f9e-3b2a-4c55-9b1e-0a6f1c2d3e4f", R"({"segment":{"attribute":"city","eq":"linyi"}})");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(problem_slug(other), "idempotency-key-reused");
  const auto bad = send("not a key", body);
  EXPECT_EQ(bad.status, 400);
  // Another partner's identical key is its own.
  auto beta = gw.create_partner("beta", {"audiences:read", "audiences:write"});
  const auto theirs =
      gw.partner("POST", "/v1/audiences", beta, body, {},
                 {{"Content-Type", "application/json"}, {"Idempotency-Key", "7d1c1f9e-3b2a-4c55-9b1e-0a6f1c2d3e4f"}});
  EXPECT_EQ(theirs.status, 202);
  EXPECT_TRUE(theirs.header("Idempotent-Replayed").empty());
  EXPECT_NE(json::parse(theirs.body)["id"], json::parse(first.body)["id"]);
}

TEST_P(Audiences, TheProductCatalogueIsListedForOffers) {
  auto seller = gw.create_partner("seller", {"offers:read"});
  auto r = gw.partner("GET", "/v1/products", seller);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto products = json::parse(r.body)["products"];
  ASSERT_EQ(products.size(), 12u);
  std::set<std::string> codes;
  for (const auto& p : products) {
    codes.insert(p["code"].get<std::string>());
    EXPECT_FALSE(p["eligibility"].get<std::string>().empty()) << p.dump();
  }
  EXPECT_TRUE(codes.count("5G-PLUS"));
  EXPECT_TRUE(codes.count("ROAM-INTL"));
  auto without_scope = gw.partner("GET", "/v1/products", acme);  // audiences only
  EXPECT_EQ(without_scope.status, 403);
  EXPECT_EQ(problem_slug(without_scope), "insufficient-scope");
}

TEST_P(Audiences, WritingNeedsTheWriteScope) {
  auto reader = gw.create_partner("reader", {"audiences:read"});
  auto r = post("/v1/audiences", {{"segment", {{"tag", "travel"}}}}, reader);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(problem_slug(r), "insufficient-scope");
}

// Each new question spends ε from the account's budget, repeats do not, and partners of one
// organisation share one budget; the operator reads it on the admin plane (schema-checked).
TEST_P(Audiences, ThePrivacyBudgetCountsNewQuestionsPerOrganisation) {
  auto budget_of = [&](const std::string& partner) {
    const auto r = gw.admin("GET", "/admin/v1/partners/" + partner + "/privacy-budget");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  };
  const auto fresh = budget_of("acme");
  EXPECT_EQ(fresh["spent"], 0.0);
  EXPECT_EQ(fresh["budget"], 25.0);
  EXPECT_EQ(fresh["epsilon_per_release"], 0.25);
  EXPECT_TRUE(fresh["organisation"].is_null());

  const json jinan = {{"attribute", "city"}, {"eq", "jinan"}};
  const json reordered_pair = {{"attribute", "city"}, {"in", {"qingdao", "jinan"}}};
  ASSERT_FALSE(estimate(jinan)["suppressed"].get<bool>());
  const auto first = estimate(jinan)["count"];
  EXPECT_EQ(estimate(jinan)["count"], first) << "a repeat gets the same figure";
  ASSERT_FALSE(estimate(json{{"attribute", "city"}, {"in", {"jinan", "qingdao"}}})["suppressed"].get<bool>());
  EXPECT_FALSE(estimate(reordered_pair)["suppressed"].get<bool>()) << "the same question, reordered";
  auto used = budget_of("acme");
  EXPECT_EQ(used["releases"], 2) << used.dump();
  EXPECT_EQ(used["spent"], 0.5);
  EXPECT_EQ(used["remaining"], 24.5);

  // Two partners of one organisation share a budget.
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/acme", {{"organisation", "acme-group"}}).status, 200);
  auto sister = gw.create_partner("acme-video", {"audiences:read"});
  ASSERT_EQ(gw.admin("PATCH", "/admin/v1/partners/acme-video", {{"organisation", "acme-group"}}).status, 200);
  const auto r = post("/v1/audience-estimates", {{"segment", {{"attribute", "city"}, {"eq", "qingdao"}}}}, sister);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto shared = budget_of("acme");
  EXPECT_EQ(shared["organisation"], "acme-group");
  EXPECT_EQ(shared["releases"], 1) << "the organisation's books, not acme's own";
  EXPECT_EQ(budget_of("acme-video")["spent"], shared["spent"]);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/nobody/privacy-budget").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Engines, Audiences, ::testing::Values("reference", "remote"),
                         [](const auto& info) { return info.param; });

}  // namespace
