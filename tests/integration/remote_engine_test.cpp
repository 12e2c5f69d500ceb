// The remote engine adapter against the reference engine served as its own process
// (`octopus-gateway engine serve`): it answers exactly what the same engine answers in
// process, speaks the engine API as api-spec/engine.yaml writes it, and when the engine is
// down or slow the gateway answers 503 with Retry-After, stays up, opens its circuit and
// recovers by itself once the engine answers again.
#include <algorithm>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "engine/reference/reference_engine.hpp"
#include "engine/remote/remote_engine.hpp"
#include "engine_process.hpp"
#include "gateway_harness.hpp"
#include "observability/metrics.hpp"
#include "random_segments.hpp"

using nlohmann::json;
using octopus::testing::EngineProcess;
using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;
using namespace std::chrono_literals;
namespace engine = octopus::engine;

namespace {

const octopus::testing::OpenApiValidator& engine_spec() {
  static const auto spec = octopus::testing::OpenApiValidator::load(OCTOPUS_API_SPEC_DIR "/engine.yaml");
  return spec;
}

void check_engine(const std::string& method, const std::string& target, const octopus::client::HttpResponse& r) {
  octopus::testing::check_response(engine_spec(), method, target, r);
}

engine::remote::RemoteEngineOptions options_for(const EngineProcess& p) {
  engine::remote::RemoteEngineOptions o;
  o.port = p.port();
  o.tls.ca_file = p.ca_file();
  o.tls.timeout = 2000ms;
  o.token = octopus::testing::kEngineToken;
  return o;
}

// One engine process and its twin in this process, built from the same seed.
class RemoteEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    process_ = new EngineProcess(30'000, 99);
    local_ = engine::reference::make_synthetic_reference_engine({99, 30'000, 2}).release();
  }
  static void TearDownTestSuite() {
    delete process_;
    delete local_;
  }
  static EngineProcess* process_;
  static engine::reference::ReferenceEngine* local_;
  engine::remote::RemoteEngine remote{options_for(*process_)};
};
EngineProcess* RemoteEngine::process_ = nullptr;
engine::reference::ReferenceEngine* RemoteEngine::local_ = nullptr;

TEST_F(RemoteEngine, AnswersExactlyWhatTheEngineAnswersInProcess) {
  const auto vocabulary = remote.vocabulary().get();
  const auto expected = local_->vocabulary().get();
  ASSERT_EQ(vocabulary.attributes.size(), expected.attributes.size());
  for (std::size_t i = 0; i < vocabulary.attributes.size(); ++i) {
    EXPECT_EQ(vocabulary.attributes[i].name, expected.attributes[i].name);
    EXPECT_EQ(vocabulary.attributes[i].values, expected.attributes[i].values);
    EXPECT_EQ(vocabulary.attributes[i].upper_bounds, expected.attributes[i].upper_bounds);
  }
  EXPECT_EQ(vocabulary.tags, expected.tags);

  // Random segments of every node kind, open ranges included, with random consent filters.
  engine::reference::test::RandomSegments random(vocabulary, 7);
  int nonzero = 0;
  for (int i = 0; i < 200; ++i) {
    engine::CountQuery q{random.segment(), random.consent(local_->population().schema())};
    const auto n = local_->count(q).get();
    ASSERT_EQ(remote.count(q).get(), n) << "segment " << i;
    nonzero += n > 0;
  }
  EXPECT_GT(nonzero, 100);

  const auto products = remote.products().get();
  const auto local_products = local_->products().get();
  ASSERT_EQ(products.size(), local_products.size());
  ASSERT_FALSE(products.empty());
  for (std::size_t i = 0; i < products.size(); ++i) EXPECT_EQ(products[i].code, local_products[i].code);
  for (std::uint64_t row : {0u, 17u, 2024u, 29'999u}) {
    const auto id = local_->population().id(row);
    for (const auto& p : products) {
      const auto a = remote.eligibility({id, p.code}).get(), b = local_->eligibility({id, p.code}).get();
      EXPECT_EQ(a.eligible, b.eligible) << id << " " << p.code;
      EXPECT_EQ(a.reason, b.reason);
    }
  }
  EXPECT_THROW(remote.eligibility({local_->population().id(0), "NO-SUCH-PRODUCT"}).get(), std::invalid_argument);
}

TEST_F(RemoteEngine, AnAudienceIsIteratedInBatchesThenDropped) {
  engine::CountQuery q;
  q.segment = {engine::SegmentNode::Kind::in, "city", {"jinan", "weihai"}};
  q.consent = {"dpv:DirectMarketing", "internet", {"sms"}};
  const auto handle = remote.materialise(q).get();
  EXPECT_EQ(handle.size, local_->count(q).get());
  ASSERT_GT(handle.size, 1000u);

  const auto local_handle = local_->materialise(q).get();
  std::vector<std::uint64_t> expected, got;
  for (std::uint64_t cursor = 0;;) {
    auto b = local_->members(local_handle.id, cursor, 700).get();
    expected.insert(expected.end(), b.subscribers.begin(), b.subscribers.end());
    if (!b.next) break;
    cursor = *b.next;
  }
  int batches = 0;
  for (std::uint64_t cursor = 0;;) {
    auto b = remote.members(handle.id, cursor, 700).get();
    ++batches;
    EXPECT_LE(b.subscribers.size(), 700u);
    got.insert(got.end(), b.subscribers.begin(), b.subscribers.end());
    if (!b.next) break;
    cursor = *b.next;
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(batches, static_cast<int>((expected.size() + 699) / 700));

  remote.drop(handle.id).get();
  EXPECT_THROW(remote.members(handle.id, 0, 10).get(), engine::AudienceNotFound);
  EXPECT_NO_THROW(remote.drop(handle.id).get());  // dropping twice is not an error
  local_->drop(local_handle.id).get();
}

// What deliveries and triggers ask per batch: the same answer over the wire as in process,
// field by field, for known and unknown subscribers; membership of more audiences than fit
// in one word, and an unknown audience refused as on the engine itself.
TEST_F(RemoteEngine, FactsMembershipsAndConsentsAreWhatTheEngineAnswersInProcess) {
  std::vector<std::uint64_t> subscribers;
  for (std::size_t row = 0; row < 2000; row += 7) subscribers.push_back(local_->population().id(row));
  subscribers.push_back(1);  // nobody
  const auto remote_facts = remote.facts({subscribers, "dpv:DirectMarketing", "internet", "sms", "5G-PLUS"}).get();
  const auto local_facts = local_->facts({subscribers, "dpv:DirectMarketing", "internet", "sms", "5G-PLUS"}).get();
  ASSERT_EQ(remote_facts.size(), subscribers.size());
  std::size_t granted = 0;
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    EXPECT_EQ(remote_facts[i].known, local_facts[i].known);
    EXPECT_EQ(remote_facts[i].active, local_facts[i].active);
    EXPECT_EQ(remote_facts[i].consent, local_facts[i].consent);
    EXPECT_EQ(remote_facts[i].eligible, local_facts[i].eligible);
    granted += remote_facts[i].consent == engine::ConsentState::granted;
  }
  EXPECT_GT(granted, 0u);
  EXPECT_FALSE(remote_facts.back().known);
  EXPECT_THROW(remote.facts({subscribers, "dpv:DirectMarketing", "internet", "sms", "NO-SUCH"}).get(),
               std::invalid_argument);

  // 70 audiences (two words per subscriber): each city alone, then the same again.
  engine::MembershipQuery remote_q{subscribers, {}}, local_q{subscribers, {}};
  const auto vocabulary = local_->vocabulary().get();
  const auto city = std::find_if(vocabulary.attributes.begin(), vocabulary.attributes.end(),
                                 [](const engine::AttributeInfo& a) { return a.name == "city"; });
  ASSERT_NE(city, vocabulary.attributes.end());
  for (std::size_t i = 0; i < 70; ++i) {
    engine::CountQuery q;
    q.segment = {engine::SegmentNode::Kind::eq, "city", {city->values[i % city->values.size()]}};
    q.consent = {"dpv:Personalisation", "internet", {"sms"}};
    remote_q.audiences.push_back(remote.materialise(q).get().id);
    local_q.audiences.push_back(local_->materialise(q).get().id);
  }
  const auto remote_members = remote.memberships(remote_q).get(), local_members = local_->memberships(local_q).get();
  EXPECT_EQ(remote_members, local_members);
  ASSERT_EQ(remote_members.subscribers(), subscribers.size());
  std::size_t in_high_word = 0, members = 0;
  for (std::size_t s = 0; s < subscribers.size(); ++s)
    remote_members.for_each(s, [&](std::size_t a) {
      ++members;
      in_high_word += a >= 64;
    });
  EXPECT_GT(members, 0u);
  EXPECT_GT(in_high_word, 0u);
  // Audiences a and a + (number of cities) are the same segment: the same members.
  const auto cities = city->values.size();
  ASSERT_LT(cities, 70u);
  for (std::size_t s = 0; s < subscribers.size(); ++s)
    for (std::size_t a = 0; a + cities < 70; ++a)
      EXPECT_EQ(remote_members.contains(s, a), remote_members.contains(s, a + cities));
  remote_members.for_each(subscribers.size() - 1, [](std::size_t) { ADD_FAILURE() << "nobody belongs to nothing"; });
  auto with_unknown = remote_q;
  with_unknown.audiences.push_back("aud_no_such_audience");
  EXPECT_THROW(remote.memberships(with_unknown).get(), engine::AudienceNotFound);

  const auto who = local_->population().id(3);
  const auto remote_consents = remote.consents(who).get(), local_consents = local_->consents(who).get();
  ASSERT_EQ(remote_consents.size(), local_consents.size());
  for (std::size_t i = 0; i < local_consents.size(); ++i) {
    EXPECT_EQ(remote_consents[i].purpose, local_consents[i].purpose);
    EXPECT_EQ(remote_consents[i].channel, local_consents[i].channel);
    EXPECT_EQ(remote_consents[i].partner_category, local_consents[i].partner_category);
    EXPECT_EQ(remote_consents[i].state, local_consents[i].state);
  }
  EXPECT_THROW(remote.consents(1).get(), engine::SubscriberNotFound);

  // The answers on the wire are what engine.yaml says.
  octopus::client::TlsOptions tls;
  tls.ca_file = process_->ca_file();
  octopus::client::HttpsConnection c("127.0.0.1", process_->port(), tls);
  const std::vector<octopus::client::HeaderField> auth{
      {"Authorization", std::string("Bearer ") + octopus::testing::kEngineToken}, {"Content-Type", "application/json"}};
  auto facts = c.send("POST", "/engine/v1/facts", auth,
                      json{{"subscribers", {who, 1}},
                           {"purpose", "dpv:DirectMarketing"},
                           {"partner_category", "internet"},
                           {"channel", "sms"}}
                          .dump());
  check_engine("POST", "/engine/v1/facts", facts);
  EXPECT_EQ(facts.status, 200);
  auto bad = c.send("POST", "/engine/v1/facts", auth, R"({"subscribers":["x"]})");
  check_engine("POST", "/engine/v1/facts", bad);
  EXPECT_EQ(bad.status, 422);
  auto on_wire = c.send("POST", "/engine/v1/memberships", auth,
                        json{{"subscribers", {who, 1}}, {"audiences", remote_q.audiences}}.dump());
  check_engine("POST", "/engine/v1/memberships", on_wire);
  EXPECT_EQ(on_wire.status, 200);
  auto unknown = c.send("POST", "/engine/v1/memberships", auth,
                        json{{"subscribers", {who}}, {"audiences", {"aud_no_such_audience"}}}.dump());
  check_engine("POST", "/engine/v1/memberships", unknown);
  EXPECT_EQ(unknown.status, 404);
  auto malformed = c.send("POST", "/engine/v1/memberships", auth, R"({"subscribers":[1],"audiences":"aud_1"})");
  check_engine("POST", "/engine/v1/memberships", malformed);
  EXPECT_EQ(malformed.status, 422);
  auto consents = c.send("GET", "/engine/v1/subscribers/" + std::to_string(who) + "/consents", auth);
  check_engine("GET", "/engine/v1/subscribers/" + std::to_string(who) + "/consents", consents);
  EXPECT_EQ(consents.status, 200);
  auto nobody = c.send("GET", "/engine/v1/subscribers/1/consents", auth);
  check_engine("GET", "/engine/v1/subscribers/1/consents", nobody);
  EXPECT_EQ(nobody.status, 404);  // an id the engine does not hold: not found, not a bad request
  for (const auto& id : remote_q.audiences) remote.drop(id).get();
  for (const auto& id : local_q.audiences) local_->drop(id).get();
}

TEST_F(RemoteEngine, TheEngineApiIsWhatTheSpecSays) {
  octopus::client::TlsOptions tls;
  tls.ca_file = process_->ca_file();
  octopus::client::HttpsConnection c("127.0.0.1", process_->port(), tls);
  const std::vector<octopus::client::HeaderField> auth{
      {"Authorization", std::string("Bearer ") + octopus::testing::kEngineToken}};
  auto with_json = auth;
  with_json.push_back({"Content-Type", "application/json"});

  auto health = c.send("GET", "/healthz", {});
  check_engine("GET", "/healthz", health);
  EXPECT_EQ(health.status, 200);

  auto anonymous = c.send("GET", "/engine/v1/vocabulary", {});
  check_engine("GET", "/engine/v1/vocabulary", anonymous);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.header("WWW-Authenticate"), "Bearer realm=\"octopus-engine\"");
  auto wrong = c.send("GET", "/engine/v1/vocabulary", {{"Authorization", "Bearer not-the-engine-token-at-all"}});
  EXPECT_EQ(wrong.status, 401);

  auto vocabulary = c.send("GET", "/engine/v1/vocabulary", auth);
  check_engine("GET", "/engine/v1/vocabulary", vocabulary);
  EXPECT_EQ(vocabulary.status, 200);

  const std::string query =
      R"({"segment":{"attribute":"age_band","range":{"min":25,"max":null}},"consent":{"purpose":"dpv:DirectMarketing","partner_category":"internet","channels":["push"]}})";
  auto count = c.send("POST", "/engine/v1/counts", with_json, query);
  check_engine("POST", "/engine/v1/counts", count);
  ASSERT_EQ(count.status, 200) << count.body;

  auto bad = c.send("POST", "/engine/v1/counts", with_json, R"({"segment":{"colour":"red"},"consent":{}})");
  check_engine("POST", "/engine/v1/counts", bad);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(problem_slug(bad), "validation-error");

  auto created = c.send("POST", "/engine/v1/audiences", with_json, query);
  check_engine("POST", "/engine/v1/audiences", created);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = json::parse(created.body)["id"];
  auto page = c.send("GET", "/engine/v1/audiences/" + id + "/members?limit=3", auth);
  check_engine("GET", "/engine/v1/audiences/" + id + "/members", page);
  EXPECT_EQ(json::parse(page.body)["subscribers"].size(), 3u);
  auto bad_cursor = c.send("GET", "/engine/v1/audiences/" + id + "/members?cursor=x", auth);
  check_engine("GET", "/engine/v1/audiences/" + id + "/members", bad_cursor);
  EXPECT_EQ(bad_cursor.status, 400);
  auto dropped = c.send("DELETE", "/engine/v1/audiences/" + id, auth);
  check_engine("DELETE", "/engine/v1/audiences/" + id, dropped);
  EXPECT_EQ(dropped.status, 204);
  auto gone = c.send("GET", "/engine/v1/audiences/" + id + "/members", auth);
  check_engine("GET", "/engine/v1/audiences/" + id + "/members", gone);
  EXPECT_EQ(gone.status, 404);

  auto eligibility = c.send("POST", "/engine/v1/eligibility", with_json,
                            json{{"subscriber", local_->population().id(5)}, {"product_code", "NO-SUCH"}}.dump());
  check_engine("POST", "/engine/v1/eligibility", eligibility);
  EXPECT_EQ(eligibility.status, 422);
  auto products = c.send("GET", "/engine/v1/products", auth);
  check_engine("GET", "/engine/v1/products", products);
  EXPECT_EQ(products.status, 200);
}

TEST_F(RemoteEngine, StreamsAreFollowedByCursorAndAWaitingReadWakesOnANewRecord) {
  const auto subscriber = local_->population().id(11);
  engine::SubscriberEvent area{0, subscriber, "entered_area", 0, {{"area", "qingdao-liuting-airport"}}};
  const auto first = remote.inject_event(area).get();
  ASSERT_GT(first, 0u);
  auto batch = remote.events(first - 1, 10, 0ms).get();
  ASSERT_EQ(batch.records.size(), 1u);
  EXPECT_EQ(batch.records[0].subscriber, subscriber);
  EXPECT_EQ(batch.records[0].detail.at("area"), "qingdao-liuting-airport");
  EXPECT_GT(batch.records[0].at_ms, 0);
  EXPECT_EQ(batch.next, first);

  // A follower waiting at the head of the stream is answered when the next event arrives,
  // not when its wait runs out.
  const auto started = std::chrono::steady_clock::now();
  auto waiting = remote.events(first, 10, 1500ms);
  std::this_thread::sleep_for(100ms);
  engine::SubscriberEvent td{0, subscriber, "sms_reply", 0, {{"text", "TD"}}};
  remote.inject_event(td).get();
  const auto woke = waiting.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1400ms);
  ASSERT_EQ(woke.records.size(), 1u);
  EXPECT_EQ(woke.records[0].detail.at("text"), "TD");
  // Nothing new: an empty batch after the wait, the cursor unchanged.
  const auto idle = remote.events(woke.next, 10, 200ms).get();
  EXPECT_TRUE(idle.records.empty());
  EXPECT_EQ(idle.next, woke.next);

  engine::Conversion c{0, subscriber, "VOICE-300", "ORD-TEST-1", 1000, 0};
  const auto seq = remote.report_conversion(c).get();
  const auto conversions = remote.conversions(seq - 1, 10, 0ms).get();
  ASSERT_EQ(conversions.records.size(), 1u);
  EXPECT_EQ(conversions.records[0].order_id, "ORD-TEST-1");
  EXPECT_EQ(conversions.records[0].amount_fen, 1000);
  c.product_code = "NO-SUCH";
  EXPECT_THROW(remote.report_conversion(c).get(), std::invalid_argument);
  engine::SubscriberEvent bad{0, subscriber, "teleported", 0, {}};
  EXPECT_THROW(remote.inject_event(bad).get(), std::invalid_argument);

  // The wire, as the spec writes it.
  octopus::client::TlsOptions tls;
  tls.ca_file = process_->ca_file();
  octopus::client::HttpsConnection conn("127.0.0.1", process_->port(), tls);
  const std::vector<octopus::client::HeaderField> auth{
      {"Authorization", std::string("Bearer ") + octopus::testing::kEngineToken}};
  auto with_json = auth;
  with_json.push_back({"Content-Type", "application/json"});
  auto read = conn.send("GET", "/engine/v1/events?after=0&limit=5&wait_ms=0", auth);
  check_engine("GET", "/engine/v1/events", read);
  EXPECT_EQ(read.status, 200);
  auto posted =
      conn.send("POST", "/engine/v1/events", with_json,
                json{{"subscriber", subscriber}, {"type", "recharge"}, {"detail", {{"amount_fen", "5000"}}}}.dump());
  check_engine("POST", "/engine/v1/events", posted);
  EXPECT_EQ(posted.status, 201);
  auto refused =
      conn.send("POST", "/engine/v1/events", with_json, json{{"subscriber", subscriber}, {"type", "x"}}.dump());
  check_engine("POST", "/engine/v1/events", refused);
  EXPECT_EQ(refused.status, 422);
  auto bad_query = conn.send("GET", "/engine/v1/conversions?after=-1", auth);
  check_engine("GET", "/engine/v1/conversions", bad_query);
  EXPECT_EQ(bad_query.status, 400);
  auto conv = conn.send("GET", "/engine/v1/conversions?after=0&wait_ms=10", auth);
  check_engine("GET", "/engine/v1/conversions", conv);
  EXPECT_EQ(conv.status, 200);
}

TEST(EngineApiSpec, ExamplesMatchTheirSchemasAndProblemTablesAgree) {
  for (const auto& e : engine_spec().check_examples()) ADD_FAILURE() << e;
  std::set<std::string> listed, used;
  for (const auto& p : engine_spec().document().at("x-problem-types")) listed.insert(p.at("slug").get<std::string>());
  for (const auto& [name, response] : engine_spec().document().at("components").at("responses").items()) {
    if (!response.at("content").contains("application/problem+json")) continue;  // e.g. Sequence
    const auto& type = response.at("content")
                           .at("application/problem+json")
                           .at("schema")
                           .at("allOf")
                           .at(1)
                           .at("properties")
                           .at("type");
    for (const auto& t : type.at("enum")) {
      const auto uri = t.get<std::string>();
      used.insert(uri.substr(uri.rfind('/') + 1));
    }
  }
  EXPECT_EQ(listed, used);
}

// A gateway whose engine is its own process, with short timeouts so outages show quickly.
class GatewayWithRemoteEngine : public ::testing::Test {
 protected:
  EngineProcess engine_process;
  GatewayHarness gw{[this](octopus::config::GatewayConfig& c) {
    c.counters.enforce_quotas = false;
    engine_process.configure(c, 800ms);
  }};
  octopus::client::Credential acme = gw.create_partner("acme", {"audiences:read"});

  octopus::client::HttpResponse estimate() {
    return gw.partner("POST", "/v1/audience-estimates", acme, R"({"segment":{"attribute":"city","eq":"jinan"}})", {},
                      {{"Content-Type", "application/json"}});
  }
  // Polls until the engine answers again through the gateway (the breaker's probe).
  bool recovers_within(std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (estimate().status == 200) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  void expect_engine_unavailable(const octopus::client::HttpResponse& r) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(problem_slug(r), "engine-unavailable");
    const std::string retry(r.header("Retry-After"));
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stoi(retry), 1);
    EXPECT_LE(std::stoi(retry), 5);
  }
};

TEST_F(GatewayWithRemoteEngine, EngineDownIsA503WithRetryAfterAndTheGatewayRecoversWhenItReturns) {
  ASSERT_EQ(estimate().status, 200);
  engine_process.kill();
  expect_engine_unavailable(estimate());
  EXPECT_EQ(gw.admin("GET", "/healthz").status, 200);  // the gateway itself stays up (liveness only)
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", acme).status, 200);
  EXPECT_EQ(octopus::observability::metrics().value("octopus_engine_up"), 0);
  // Readiness names the engine as the reason (its breaker is open).
  const auto not_ready = gw.admin("GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(nlohmann::json::parse(not_ready.body)["checks"]["engine"], "ok") << not_ready.body;

  // A 503 is not kept against an Idempotency-Key: the same request may be sent again.
  const auto keyed = [&] {
    return gw.partner("POST", "/v1/audience-estimates", acme, R"({"segment":{"attribute":"city","eq":"jinan"}})", {},
                      {{"Content-Type", "application/json"}, {"Idempotency-Key", "\"estimate-after-outage\""}});
  };
  expect_engine_unavailable(keyed());

  engine_process.restart();
  EXPECT_TRUE(recovers_within(10s)) << engine_process.log();
  EXPECT_EQ(octopus::observability::metrics().value("octopus_engine_up"), 1);
  EXPECT_EQ(gw.admin("GET", "/readyz").status, 200);
  const auto answered = keyed();
  EXPECT_EQ(answered.status, 200) << answered.body;
  EXPECT_TRUE(answered.header("Idempotent-Replayed").empty());
  EXPECT_EQ(keyed().header("Idempotent-Replayed"), "true");
}

TEST_F(GatewayWithRemoteEngine, ASlowEngineTimesOutOpensTheCircuitThenRecovers) {
  ASSERT_EQ(estimate().status, 200);
  engine_process.freeze();  // accepts connections, answers nothing: a hung engine

  auto started = std::chrono::steady_clock::now();
  const auto timed_out = estimate();
  const auto first = std::chrono::steady_clock::now() - started;
  expect_engine_unavailable(timed_out);
  EXPECT_GE(first, 500ms);  // it waited for the engine, up to the timeout

  // The circuit is open: the next partner does not wait out another timeout.
  started = std::chrono::steady_clock::now();
  const auto fast = estimate();
  const auto second = std::chrono::steady_clock::now() - started;
  expect_engine_unavailable(fast);
  EXPECT_LT(second, 400ms);
  EXPECT_EQ(octopus::observability::metrics().value("octopus_engine_up"), 0);

  engine_process.thaw();
  EXPECT_TRUE(recovers_within(10s)) << engine_process.log();
  EXPECT_EQ(octopus::observability::metrics().value("octopus_engine_up"), 1);
}

}  // namespace
