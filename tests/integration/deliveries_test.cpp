// Deliveries and customer service over real HTTPS, the reference engine and the message
// sink on disk: a partner delivers an approved offer to its audience or its subscriber
// tokens; bad requests get the problem they deserve; an agent changes a subscriber's
// consent and a TD reply withdraws it, both recorded.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/reference/reference_engine.hpp"
#include "eventually.hpp"
#include "gateway_harness.hpp"
#include "http/formats.hpp"
#include "policy/quiet_hours.hpp"
#include "app/sql_repositories.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

class DeliveriesApi : public ::testing::Test {
 protected:
  GatewayHarness gw{[](octopus::config::GatewayConfig& c) { c.counters.enforce_quotas = false; }};
  octopus::client::Credential acme =
      gw.create_partner("acme", {"offers:read", "offers:write", "audiences:read", "audiences:write", "deliveries:read",
                                 "deliveries:write", "triggers:read"});

  json post(const std::string& target, const json& body, const octopus::client::Credential& who, int expected) {
    auto r = gw.partner("POST", target, who, body.dump(), {}, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return r.body.empty() ? json() : json::parse(r.body);
  }
  std::string approved_offer(const octopus::client::Credential& who) {
    const auto o = post("/v1/offers",
                        {{"name", "5G upgrade"},
                         {"channel", "sms"},
                         {"template", "【中国移动】{{product_name}}，详情 {{landing_url}} 回复TD退订"},
                         {"product_code", "5G-PLUS"},
                         {"landing_url", "https://www.10086.cn/5g"},
                         {"valid_until", "2099-12-31T16:00:00Z"}},
                        who, 201);
    return o.value("id", "");
  }
  std::string ready_audience() {
    const auto a =
        post("/v1/audiences", {{"segment", {{"attribute", "city"}, {"in", {"jinan", "yantai"}}}}}, acme, 202);
    const std::string id = a.value("id", "");
    for (int i = 0; i < 200; ++i) {
      if (json::parse(gw.partner("GET", "/v1/audiences/" + id, acme).body)["status"] == "ready") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return id;
  }
  json wait_finished(const std::string& id) {
    json d;
    for (int i = 0; i < 400; ++i) {
      d = json::parse(gw.partner("GET", "/v1/deliveries/" + id, acme).body);
      if (d["status"] != "scheduled" && d["status"] != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return d;
  }
  // subscriber → lines of `source` in the sink files.
  std::map<std::uint64_t, int> sink_lines(const std::string& source) {
    std::map<std::uint64_t, int> out;
    for (const auto& f : std::filesystem::directory_iterator(gw.data_dir() + "/messages")) {
      std::ifstream in(f.path());
      std::string line;
      while (std::getline(in, line)) {
        const auto j = json::parse(line);
        if (j["source"] == source) ++out[j["subscriber"].get<std::uint64_t>()];
      }
    }
    return out;
  }
  octopus::engine::reference::ReferenceEngine& engine() {
    return dynamic_cast<octopus::engine::reference::ReferenceEngine&>(gw.app().engine());
  }
};

// Whatever the hour in Shanghai when this runs: before 21:00 the delivery completes, each
// consenting eligible member gets exactly one message in the sink; in SMS quiet hours it
// waits for 08:00 with nothing sent.
TEST_F(DeliveriesApi, AnAudienceDeliveryRunsToTheEndOrWaitsForTheMorning) {
  const auto offer = approved_offer(acme);
  const auto audience = ready_audience();
  auto r = gw.partner("POST", "/v1/deliveries", acme, json{{"offer_id", offer}, {"audience_id", audience}}.dump(), {},
                      {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = json::parse(r.body)["id"];
  EXPECT_EQ(r.header("Location"), "/v1/deliveries/" + id);
  const auto d = wait_finished(id);
  const auto lines = sink_lines(id);
  if (d["status"] == "deferred") {
    EXPECT_TRUE(lines.empty());
    const auto resume = octopus::http::parse_rfc3339(d["resume_at"].get<std::string>());
    ASSERT_TRUE(resume.has_value());
    EXPECT_EQ((*resume + 8 * 3600) % 86400, 8 * 3600) << "resumes at 08:00 Shanghai time";
    return;
  }
  ASSERT_EQ(d["status"], "completed") << d.dump();
  EXPECT_EQ(d["progress"], 1.0);
  const auto& o = d["outcomes"];
  ASSERT_TRUE(o.is_object()) << d.dump();
  EXPECT_GT(o["delivered"].get<std::uint64_t>(), 0u);
  // The partner sees the count through the release model: noisy, then rounded to 100 and
  // two significant figures; the sink holds the exact figure.
  const auto shown = o["delivered"].get<std::int64_t>();
  EXPECT_EQ(shown % 100, 0);
  EXPECT_LE(std::llabs(shown - static_cast<std::int64_t>(lines.size())),
            100 + static_cast<std::int64_t>(lines.size()) / 20);
  EXPECT_EQ(json::parse(gw.partner("GET", "/v1/deliveries/" + id, acme).body)["outcomes"], o)
      << "the same figures on every look";
  // The operator's counter has the exact figure the sink holds (one delivery in this process).
  const auto scrape = gw.admin("GET", "/metrics").body;
  const std::string series = "\noctopus_delivery_messages_total{channel=\"sms\",outcome=\"sent\"} ";
  const auto at = scrape.find(series);
  ASSERT_NE(at, std::string::npos) << scrape;
  EXPECT_EQ(std::stoull(scrape.substr(at + series.size())), lines.size());
  // Counted just after the status is stored: a scrape may come between the two.
  EXPECT_TRUE(octopus::testing::eventually([&] {
    return gw.admin("GET", "/metrics").body.find("\noctopus_deliveries_finished_total{status=\"completed\"} 1\n") !=
           std::string::npos;
  }));
  EXPECT_NE(scrape.find("\noctopus_deliveries_finished_total{status=\"failed\"} 0\n"), std::string::npos);
  for (const auto& [subscriber, n] : lines) EXPECT_EQ(n, 1) << "subscriber sent twice";
  // The sink holds subscriber ids: owner-only files.
  for (const auto& f : std::filesystem::directory_iterator(gw.data_dir() + "/messages")) {
    struct stat st {};
    ASSERT_EQ(::stat(f.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << f.path();
  }
}

TEST_F(DeliveriesApi, BadDeliveriesGetTheProblemTheyDeserve) {
  const auto offer = approved_offer(acme);
  const auto audience = ready_audience();
  auto send = [&](const json& body, const octopus::client::Credential& who, int status) {
    return post("/v1/deliveries", body, who, status);
  };

  // Another partner's offer or audience is as unknown as a made-up one.
  auto beta = gw.create_partner("beta", {"offers:write", "deliveries:write", "deliveries:read"});
  EXPECT_EQ(send({{"offer_id", offer}, {"audience_id", audience}}, beta, 404)["type"],
            "https://octopus-gateway.example/problems/not-found");
  const auto beta_offer = approved_offer(beta);
  send({{"offer_id", beta_offer}, {"audience_id", audience}}, beta, 404);

  // An offer waiting for review: 409 with why.
  auto gamma = gw.create_partner("gamma", {"offers:write", "deliveries:write"}, "", "content");
  const auto pending = approved_offer(gamma);  // content partners are reviewed by hand
  const auto held =
      send({{"offer_id", pending}, {"subscriber_tokens", {std::string("sub_") + std::string(43, 'A')}}}, gamma, 409);
  EXPECT_EQ(held["type"], "https://octopus-gateway.example/problems/offer-not-deliverable");
  EXPECT_EQ(held["offer_status"], "pending_review");

  // Past send_at, too many tokens, a token not issued to this partner, both targets.
  EXPECT_EQ(send({{"offer_id", offer}, {"audience_id", audience}, {"send_at", "2020-01-01T00:00:00Z"}}, acme,
                 422)["errors"][0]["pointer"],
            "/send_at");
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(std::string("sub_") + std::string(43, 'B'));
  EXPECT_EQ(send({{"offer_id", offer}, {"subscriber_tokens", many}}, acme, 422)["errors"][0]["pointer"],
            "/subscriber_tokens");
  EXPECT_EQ(send({{"offer_id", offer}, {"subscriber_tokens", {std::string("sub_") + std::string(43, 'C')}}}, acme,
                 422)["errors"][0]["pointer"],
            "/subscriber_tokens/0");
  send({{"offer_id", offer},
        {"audience_id", audience},
        {"subscriber_tokens", {std::string("sub_") + std::string(43, 'C')}}},
       acme, 422);
  // Nothing of it reached the sink.
  EXPECT_FALSE(std::filesystem::exists(gw.data_dir() + "/messages") &&
               !std::filesystem::is_empty(gw.data_dir() + "/messages") && !sink_lines("").empty());
}

TEST_F(DeliveriesApi, ATokenDeliveryShowsOnlyHowManyTokensItAccepted) {
  const auto offer = approved_offer(acme);
  const auto subscriber = engine().population().id(7);
  auto issued =
      gw.admin("POST", "/admin/v1/partners/acme/subscriber-tokens", {{"subscriber", std::to_string(subscriber)}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string token = json::parse(issued.body)["token"];
  // The same person has an unrelated token at another partner.
  gw.create_partner("beta");
  auto other =
      gw.admin("POST", "/admin/v1/partners/beta/subscriber-tokens", {{"subscriber", std::to_string(subscriber)}});
  EXPECT_NE(json::parse(other.body)["token"], token);

  const auto d = post("/v1/deliveries", {{"offer_id", offer}, {"subscriber_tokens", {token, token}}}, acme, 202);
  const auto done = wait_finished(d["id"]);
  EXPECT_EQ(done["outcomes"], json({{"accepted", 1}})) << done.dump();
  EXPECT_EQ(done["outcomes_withheld"], "token_delivery");
  // beta's token is not acme's.
  post("/v1/deliveries", {{"offer_id", offer}, {"subscriber_tokens", {json::parse(other.body)["token"]}}}, acme, 422);
}

TEST_F(DeliveriesApi, AScheduledDeliveryCanBeCancelledOnce) {
  const auto offer = approved_offer(acme);
  const auto audience = ready_audience();
  const auto later = octopus::http::rfc3339(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      3600);
  const auto d =
      post("/v1/deliveries", {{"offer_id", offer}, {"audience_id", audience}, {"send_at", later}}, acme, 202);
  EXPECT_EQ(d["status"], "scheduled");
  const auto cancelled = post("/v1/deliveries/" + d["id"].get<std::string>() + "/cancel", json::object(), acme, 200);
  EXPECT_EQ(cancelled["status"], "cancelled");
  EXPECT_EQ(cancelled["outcomes"]["cancelled"], cancelled["outcomes"]["cancelled"]);  // shape checked by the schema
  EXPECT_EQ(post("/v1/deliveries/" + d["id"].get<std::string>() + "/cancel", json::object(), acme, 409)["type"],
            "https://octopus-gateway.example/problems/conflict");
  EXPECT_TRUE(sink_lines(d["id"]).empty());
  auto page = json::parse(gw.partner("GET", "/v1/deliveries?limit=5", acme).body);
  ASSERT_EQ(page["items"].size(), 1u);
}

TEST_F(DeliveriesApi, CustomerServiceChangesAConsentAndATdReplyWithdrawsOneWithinASecond) {
  const auto subscriber = std::to_string(engine().population().id(3));
  auto before = gw.admin("GET", "/admin/v1/subscribers/" + subscriber + "/consents");
  ASSERT_EQ(before.status, 200) << before.body;

  auto changed = gw.admin("POST", "/admin/v1/subscribers/" + subscriber + "/consents",
                          {{"changes",
                            {{{"purpose", "dpv:DirectMarketing"},
                              {"channel", "outbound_call"},
                              {"partner_category", "agent"},
                              {"state", "withdrawn"}}}},
                           {"note", "call ref CS-1"}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  bool found = false;
  const auto after = json::parse(changed.body);
  for (const auto& s : after["scopes"])
    if (s["channel"] == "outbound_call" && s["partner_category"] == "agent" && s["purpose"] == "dpv:DirectMarketing") {
      EXPECT_EQ(s["state"], "withdrawn");
      EXPECT_EQ(s["source"], "gateway");
      found = true;
    }
  EXPECT_TRUE(found) << changed.body;
  auto audit = json::parse(gw.admin("GET", "/admin/v1/audit?action=consent.change").body);
  ASSERT_EQ(audit["items"].size(), 1u);
  EXPECT_EQ(audit["items"][0]["subject"], subscriber);

  auto bad = gw.admin(
      "POST", "/admin/v1/subscribers/" + subscriber + "/consents",
      {{"changes",
        {{{"purpose", "dpv:Nothing"}, {"channel", "fax"}, {"partner_category", "agent"}, {"state", "maybe"}}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(json::parse(bad.body)["errors"].size(), 4u);  // note, purpose, channel, state

  // A TD reply through the engine's event stream.
  const auto replier = std::to_string(engine().population().id(4));
  ASSERT_EQ(gw.admin("POST", "/admin/v1/events",
                     {{"subscriber", engine().population().id(4)}, {"type", "sms_reply"}, {"detail", {{"text", "TD"}}}})
                .status,
            201);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool withdrawn = false;
  while (!withdrawn && std::chrono::steady_clock::now() < deadline) {
    const auto now = json::parse(gw.admin("GET", "/admin/v1/subscribers/" + replier + "/consents").body);
    for (const auto& s : now["scopes"])
      withdrawn |=
          s["source"] == "gateway" && s["channel"] == "sms" && s["state"] == "withdrawn" && s["reason"] == "TD reply";
    if (!withdrawn) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(withdrawn) << "the TD reply was not recorded within 1 s";
  EXPECT_EQ(gw.admin("GET", "/admin/v1/subscribers/99/consents").status, 404);
}

// A trigger over HTTPS: an event injected by the operator reaches the sink within a second
// (or, in SMS quiet hours, is counted and not sent); the partner sees only counts.
TEST_F(DeliveriesApi, ATriggerFiresOnAnInjectedEventAndThePartnerSeesOnlyCounts) {
  auto triggers = gw.create_partner("tripco", {"offers:write", "triggers:read", "triggers:write"});
  const auto offer = approved_offer(triggers);
  const json segment = {{"attribute", "city"}, {"in", {"jinan", "yantai"}}};
  const auto created =
      post("/v1/triggers",
           {{"offer_id", offer}, {"event_type", "roaming_started"}, {"segment", segment}, {"cooldown_seconds", 3600}},
           triggers, 201);
  const std::string id = created["id"];
  EXPECT_EQ(created["counts"], nullptr);
  EXPECT_EQ(created["counts_withheld"], "below_threshold");

  // Somebody the trigger may reach: in the segment, consenting, eligible.
  octopus::engine::CountQuery q;
  q.segment.kind = octopus::engine::SegmentNode::Kind::in;
  q.segment.attribute = "city";
  q.segment.values = {"jinan", "yantai"};
  q.consent = {"dpv:Personalisation", "internet", {"sms"}};
  const auto handle = engine().materialise(q).get();
  const auto members = engine().members(handle.id, 0, 100000).get().subscribers;
  const auto facts = engine().facts({members, "dpv:Personalisation", "internet", "sms", "5G-PLUS"}).get();
  std::uint64_t who = 0;
  for (std::size_t i = 0; i < members.size() && !who; ++i)
    if (facts[i].consent == octopus::engine::ConsentState::granted && facts[i].eligible) who = members[i];
  ASSERT_NE(who, 0u);

  const auto injected_at = std::chrono::steady_clock::now();
  ASSERT_EQ(gw.admin("POST", "/admin/v1/events", {{"subscriber", who}, {"type", "roaming_started"}}).status, 201);
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const bool quiet =
      !octopus::policy::check_send_time(*gw.app().policies(), octopus::policy::Channel::sms, now).allowed;
  const auto store = gw.open_records();
  octopus::triggers::TriggerCounts counts;
  while (std::chrono::steady_clock::now() - injected_at < std::chrono::seconds(2)) {
    counts = store->triggers.get_trigger("tripco", id)->counts;
    if (counts.matched > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(counts.matched, 1u);
  if (quiet) {
    EXPECT_EQ(counts.quiet_hours, 1u);
    EXPECT_TRUE(sink_lines(id).empty());
  } else {
    EXPECT_EQ(counts.sent, 1u);
    EXPECT_EQ(sink_lines(id), (std::map<std::uint64_t, int>{{who, 1}}));
    EXPECT_LT(std::chrono::steady_clock::now() - injected_at, std::chrono::seconds(1))
        << "event to sink within a second";
  }
  // The partner learns nothing of the one event: counts stay withheld below k.
  const auto seen = json::parse(gw.partner("GET", "/v1/triggers/" + id, triggers).body);
  EXPECT_EQ(seen["counts"], nullptr);
  EXPECT_EQ(gw.partner("GET", "/v1/triggers/" + id, acme).status, 404);  // not acme's

  // Deleted: gone at once.
  EXPECT_EQ(gw.partner("DELETE", "/v1/triggers/" + id, triggers).status, 204);
  EXPECT_EQ(gw.partner("GET", "/v1/triggers/" + id, triggers).status, 404);
  EXPECT_EQ(json::parse(gw.partner("GET", "/v1/triggers", triggers).body)["items"].size(), 0u);
}

TEST_F(DeliveriesApi, BadTriggersAreRefused) {
  auto t = gw.create_partner("tripco", {"offers:write", "triggers:write"});
  const auto offer = approved_offer(t);
  const json segment = {{"attribute", "city"}, {"in", {"jinan", "yantai"}}};
  EXPECT_EQ(post("/v1/triggers", {{"offer_id", offer}, {"event_type", "sms_reply"}, {"segment", segment}}, t,
                 422)["errors"][0]["pointer"],
            "/event_type");
  EXPECT_EQ(post("/v1/triggers",
                 {{"offer_id", offer}, {"event_type", "recharge"}, {"segment", segment}, {"cooldown_seconds", 5}}, t,
                 422)["errors"][0]["pointer"],
            "/cooldown_seconds");
  post("/v1/triggers", {{"offer_id", approved_offer(acme)}, {"event_type", "recharge"}, {"segment", segment}}, t, 404);
  // A segment of a few people would let the counts single them out.
  const auto small = post("/v1/triggers",
                          {{"offer_id", offer},
                           {"event_type", "recharge"},
                           {"segment",
                            {{"all",
                              {{{"attribute", "city"}, {"eq", "jinan"}},
                               {{"attribute", "age_band"}, {"eq", "65+"}},
                               {{"tag", "gaming"}}}}}}},
                          t, 422);
  EXPECT_EQ(small["type"], "https://octopus-gateway.example/problems/segment-not-allowed");
  // Triggers may not be used for direct marketing (consent.yaml capabilities.triggers).
  EXPECT_EQ(
      post("/v1/triggers",
           {{"offer_id", offer}, {"event_type", "recharge"}, {"segment", segment}, {"purpose", "dpv:DirectMarketing"}},
           t, 403)["rule"],
      "consent.capabilities.triggers.purposes");
}

}  // namespace
