// Offers over real HTTPS: the content policy decides at submission (approved, rejected with
// every reason, pending review for the categories the operator reviews by hand), a
// compliance officer reviews on the admin plane (recorded and audited), and a partner sees
// only its own offers.
#include <gtest/gtest.h>

#include <set>

#include "engine/reference/reference_engine.hpp"
#include "gateway_harness.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

const char* kGoodSms = "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订";

class Offers : public ::testing::Test {
 protected:
  GatewayHarness gw{[](octopus::config::GatewayConfig& c) { c.counters.enforce_quotas = false; }};
  octopus::client::Credential acme = gw.create_partner("acme", {"offers:read", "offers:write"});

  static json offer(const std::string& text, const std::string& channel = "sms") {
    return {{"name", "5G upgrade"},
            {"channel", channel},
            {"template", text},
            {"product_code", "5G-PLUS"},
            {"landing_url", "https://www.10086.cn/5g"},
            {"valid_until", "2099-12-31T16:00:00Z"}};
  }
  octopus::client::HttpResponse submit(const json& body, const octopus::client::Credential& who) {
    return gw.partner("POST", "/v1/offers", who, body.dump(), {}, {{"Content-Type", "application/json"}});
  }
  octopus::client::HttpResponse submit(const json& body) { return submit(body, acme); }
  static std::set<std::string> rules(const json& o) {
    std::set<std::string> out;
    for (const auto& r : o["reasons"]) out.insert(r["rule"].get<std::string>());
    return out;
  }
};

TEST_F(Offers, AnOfferWithinTheContentPolicyIsApprovedAtOnce) {
  auto r = submit(offer(kGoodSms));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto o = json::parse(r.body);
  EXPECT_EQ(o["status"], "approved");
  EXPECT_TRUE(o["reasons"].empty());
  EXPECT_EQ(o["policy_version"], std::string(r.header("Octopus-Policy-Version")));
  EXPECT_EQ(r.header("Location"), "/v1/offers/" + o["id"].get<std::string>());
  auto got = gw.partner("GET", "/v1/offers/" + o["id"].get<std::string>(), acme);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["status"], "approved");
}

TEST_F(Offers, ARejectionListsEveryReasonWithItsRule) {
  // No opt-out footer, a banned phrase, a link outside the allowed domains.
  auto r = submit(offer("【中国移动】最佳套餐 {{product_name}} 见 https://cheap-deals.example.com/x"));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto o = json::parse(r.body);
  EXPECT_EQ(o["status"], "rejected");
  const auto found = rules(o);
  EXPECT_TRUE(found.count("content.channels.sms.required_footer")) << o.dump();
  EXPECT_TRUE(found.count("content.banned_phrases")) << o.dump();
  EXPECT_TRUE(found.count("content.allowed_link_domains")) << o.dump();

  auto elsewhere = offer(kGoodSms);
  elsewhere["landing_url"] = "https://partner.example.com/landing";  // the landing page is a link too
  const auto landing = json::parse(submit(elsewhere).body);
  EXPECT_EQ(landing["status"], "rejected");
  EXPECT_TRUE(rules(landing).count("content.allowed_link_domains")) << landing.dump();
}

TEST_F(Offers, BadSubmissionsAreRefusedAtTheOffendingMember) {
  auto placeholder = submit(offer("Hi {{first_name}} 回复TD退订"));
  ASSERT_EQ(placeholder.status, 422);
  EXPECT_EQ(problem_slug(placeholder), "validation-error");
  EXPECT_EQ(json::parse(placeholder.body)["errors"][0]["pointer"], "/template");
  auto product = offer(kGoodSms);
  product["product_code"] = "NO-SUCH";
  EXPECT_EQ(json::parse(submit(product).body)["errors"][0]["pointer"], "/product_code");
  auto past = offer(kGoodSms);
  past["valid_until"] = "2001-01-01T00:00:00Z";
  EXPECT_EQ(json::parse(submit(past).body)["errors"][0]["pointer"], "/valid_until");
  auto channel = offer(kGoodSms, "fax");
  EXPECT_EQ(json::parse(submit(channel).body)["errors"][0]["pointer"], "/channel");
  auto reader = gw.create_partner("reader", {"offers:read"});
  EXPECT_EQ(submit(offer(kGoodSms), reader).status, 403);
}

TEST_F(Offers, ACategoryReviewedByHandWaitsForComplianceWhoseDecisionIsRecordedAndAudited) {
  auto studio = gw.create_partner("studio", {"offers:read", "offers:write"}, "", "content");  // reviewed by hand
  const auto created = json::parse(submit(offer(kGoodSms), studio).body);
  ASSERT_EQ(created["status"], "pending_review") << created.dump();
  const std::string id = created["id"];
  EXPECT_TRUE(created["review"].is_null());

  auto queue = json::parse(gw.admin("GET", "/admin/v1/offers?status=pending_review").body);
  ASSERT_EQ(queue["items"].size(), 1u);
  EXPECT_EQ(queue["items"][0]["id"], id);

  auto no_note = gw.admin("POST", "/admin/v1/offers/" + id + "/review", {{"decision", "reject"}});
  EXPECT_EQ(no_note.status, 422);
  auto approved =
      gw.admin("POST", "/admin/v1/offers/" + id + "/review", {{"decision", "approve"}, {"note", "checked"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  const auto reviewed = json::parse(approved.body);
  EXPECT_EQ(reviewed["status"], "approved");
  EXPECT_EQ(reviewed["review"]["reviewer"], "compliance");  // the reviewing account
  EXPECT_EQ(reviewed["review"]["note"], "checked");
  EXPECT_EQ(reviewed["review"]["policy_version"].get<std::string>().size(), 16u);
  EXPECT_EQ(json::parse(gw.partner("GET", "/v1/offers/" + id, studio).body)["status"], "approved");

  // Reviewed once: a second review is a conflict.
  auto again = gw.admin("POST", "/admin/v1/offers/" + id + "/review", {{"decision", "reject"}, {"note", "no"}});
  EXPECT_EQ(again.status, 409);
  auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=offer.review").body);
  ASSERT_EQ(audit["items"].size(), 1u);
  EXPECT_EQ(audit["items"][0]["subject"], id);
  EXPECT_EQ(audit["items"][0]["outcome"], "approved");
  EXPECT_EQ(
      gw.admin("POST", "/admin/v1/offers/ofr_00000000000000000000000000/review", {{"decision", "approve"}}).status,
      404);
}

TEST_F(Offers, APartnerSeesOnlyItsOwnOffers) {
  const auto mine = json::parse(submit(offer(kGoodSms)).body);
  auto beta = gw.create_partner("beta", {"offers:read", "offers:write"});
  auto theirs = gw.partner("GET", "/v1/offers/" + mine["id"].get<std::string>(), beta);
  auto nobody = gw.partner("GET", "/v1/offers/ofr_00000000000000000000000000", beta);
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(json::parse(theirs.body)["detail"], json::parse(nobody.body)["detail"]);
  EXPECT_TRUE(json::parse(gw.partner("GET", "/v1/offers", beta).body)["items"].empty());
  auto page = json::parse(gw.partner("GET", "/v1/offers?limit=10", acme).body);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(gw.partner("GET", "/v1/offers?status=approved", acme).status, 200);
  EXPECT_EQ(gw.partner("GET", "/v1/offers?status=maybe", acme).status, 400);
}

// Not an offer, but the other half of what triggers will react to: an operator injects a
// subscriber event; it reaches the engine's stream, and the injection is audited.
TEST_F(Offers, AnOperatorInjectsASubscriberEventIntoTheEngineStream) {
  auto& engine = gw.app().engine();
  EXPECT_TRUE(engine.events(0, 1, std::chrono::milliseconds(0)).get().records.empty());  // a quiet stream
  auto reference = dynamic_cast<octopus::engine::reference::ReferenceEngine*>(&engine);
  ASSERT_NE(reference, nullptr);
  const auto id = reference->population().id(42);
  auto r =
      gw.admin("POST", "/admin/v1/events", {{"subscriber", id}, {"type", "sms_reply"}, {"detail", {{"text", "TD"}}}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto sequence = json::parse(r.body)["sequence"].get<std::uint64_t>();
  const auto batch = engine.events(sequence - 1, 10, std::chrono::milliseconds(0)).get();
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].subscriber, id);
  EXPECT_EQ(batch.records[0].detail.at("text"), "TD");
  auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=engine.event_injected").body);
  ASSERT_EQ(audit["items"].size(), 1u);
  EXPECT_EQ(audit["items"][0]["subject"], std::to_string(id));

  EXPECT_EQ(gw.admin("POST", "/admin/v1/events", {{"subscriber", id}, {"type", "teleported"}}).status, 422);
  EXPECT_EQ(gw.admin("POST", "/admin/v1/events", {{"subscriber", 1}, {"type", "recharge"}}).status,
            422);  // no such subscriber
  EXPECT_EQ(gw.admin("POST", "/admin/v1/events", {{"type", "recharge"}}).status, 422);
}

}  // namespace
