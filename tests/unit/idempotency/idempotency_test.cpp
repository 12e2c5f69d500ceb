// Idempotency-Key handling: the field's two forms, the request fingerprint, the store's
// claims on a real SQLite file, and the stage in a real pipeline — a retried POST is
// answered once, a different request under the same key is refused, an outstanding one is
// refused with 409, and a 5xx is not kept so the key can be retried.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/pipeline.hpp"
#include "http/problem.hpp"
#include "idempotency/idempotency_key.hpp"
#include "idempotency/idempotency_stage.hpp"
#include "app/sql_repositories.hpp"
#include "test_clock.hpp"

namespace octopus::idempotency {
namespace {

using idempotency::IdempotencyClaim;
using Outcome = IdempotencyClaim::Outcome;

TEST(IdempotencyKey, QuotedAndBareFormsNameTheSameKey) {
  std::string why;
  EXPECT_EQ(parse_idempotency_key("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", why),
            "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(parse_idempotency_key("8e03978e-40d5-43e8-bc93-6894a57f9324", why), "8e03978e-40d5-43e8-bc93-6894a57f9324");
  EXPECT_EQ(parse_idempotency_key("  order-17 ", why), "order-17");
}

TEST(IdempotencyKey, BadKeysAreRefusedWithAReason) {
  for (const char* bad :
       {"", "\"\"", "\"open", "two words", "tab\tinside", "quote\"inside", "back\\slash", "caf\xc3\xa9"}) {
    std::string why;
    EXPECT_FALSE(parse_idempotency_key(bad, why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
  std::string why;
  EXPECT_TRUE(parse_idempotency_key(std::string(255, 'k'), why));
  EXPECT_FALSE(parse_idempotency_key(std::string(256, 'k'), why));
  EXPECT_NE(why.find("255"), std::string::npos);
}

TEST(IdempotencyKey, TheFingerprintCoversMethodTargetAndBody) {
  const auto base = request_fingerprint("POST", "/v1/audiences", R"({"segment":{"tag":"travel"}})");
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, request_fingerprint("POST", "/v1/audiences", R"({"segment":{"tag":"travel"}})"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/audiences", R"({"segment":{"tag":"gaming"}})"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/audience-estimates", R"({"segment":{"tag":"travel"}})"));
  EXPECT_NE(base, request_fingerprint("PUT", "/v1/audiences", R"({"segment":{"tag":"travel"}})"));
}

class IdempotencyStore : public ::testing::Test {
 protected:
  std::string path = (std::filesystem::temp_directory_path() /
                      ("octopus-idem-" + std::to_string(::getpid()) + "-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                         .string();
  std::unique_ptr<octopus::app::SqlRepositories> db = std::make_unique<octopus::app::SqlRepositories>(path);
  void TearDown() override {
    db.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  IdempotencyClaim claim(const std::string& partner, const std::string& key, const std::string& fp, std::int64_t now) {
    return db->idempotency.claim_idempotency_key(partner, key, fp, now, 60, 86400);
  }
};

TEST_F(IdempotencyStore, AKeyIsClaimedOnceAnsweredThenReplayed) {
  EXPECT_EQ(claim("acme", "k1", "fp1", 1000).outcome, Outcome::claimed);
  EXPECT_EQ(claim("acme", "k1", "fp1", 1001).outcome, Outcome::in_flight);
  EXPECT_EQ(claim("acme", "k1", "fp2", 1001).outcome, Outcome::mismatch);
  db->idempotency.complete_idempotency_key(
      "acme", "k1", {202, "application/json", "/v1/audiences/aud_1", "{\"id\":\"aud_1\"}"}, 1002);
  const auto again = claim("acme", "k1", "fp1", 1003);
  ASSERT_EQ(again.outcome, Outcome::replay);
  EXPECT_EQ(again.response->status, 202);
  EXPECT_EQ(again.response->location, "/v1/audiences/aud_1");
  EXPECT_EQ(again.response->body, "{\"id\":\"aud_1\"}");
  EXPECT_EQ(claim("acme", "k1", "fp2", 1003).outcome, Outcome::mismatch);
  // Another partner's identical key is another key.
  EXPECT_EQ(claim("beta", "k1", "fp1", 1003).outcome, Outcome::claimed);
}

TEST_F(IdempotencyStore, ReleasedAbandonedAndExpiredKeysCanBeClaimedAgain) {
  ASSERT_EQ(claim("acme", "k1", "fp1", 1000).outcome, Outcome::claimed);
  db->idempotency.release_idempotency_key("acme", "k1");
  EXPECT_EQ(claim("acme", "k1", "fp2", 1001).outcome, Outcome::claimed);  // a released key is free
  EXPECT_EQ(claim("acme", "k1", "fp2", 1061).outcome, Outcome::claimed);  // no answer for 60 s: abandoned
  db->idempotency.complete_idempotency_key("acme", "k1", {200, "application/json", "", "{}"}, 1062);
  db->idempotency.release_idempotency_key("acme", "k1");  // an answered key is not released
  EXPECT_EQ(claim("acme", "k1", "fp2", 1063).outcome, Outcome::replay);
  EXPECT_EQ(claim("acme", "k1", "fp9", 1061 + 86400).outcome, Outcome::claimed);  // kept 24 h, then forgotten
}

TEST_F(IdempotencyStore, ClaimsSurviveAReopen) {
  ASSERT_EQ(claim("acme", "k1", "fp1", 1000).outcome, Outcome::claimed);
  db->idempotency.complete_idempotency_key("acme", "k1", {201, "application/json", "", "{\"ok\":true}"}, 1001);
  db = std::make_unique<octopus::app::SqlRepositories>(path);
  EXPECT_EQ(claim("acme", "k1", "fp1", 1002).outcome, Outcome::replay);
}

// Names the partner, as the signature stage would.
class AsPartner final : public http::Stage {
 public:
  std::string_view name() const override { return "as-partner"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override {
    ctx.principal = http::Principal{.id = std::string(ctx.request.header("X-Partner"))};
    return std::nullopt;
  }
};

class StageInPipeline : public IdempotencyStore {
 protected:
  std::atomic<int> calls{0};
  std::atomic<int> status{201};
  std::promise<void> release_handler;
  std::shared_future<void> handler_may_finish = release_handler.get_future().share();
  bool block = false;
  http::Pipeline plane{vocabulary::Plane::partner};
  const std::int64_t now = 5000;
  octopus::testing::SecondsClock clock{now};

  void SetUp() override {
    plane.add_stage(std::make_unique<AsPartner>());
    plane.add_stage(std::make_unique<IdempotencyStage>(db->idempotency, IdempotencyOptions{}, clock));
    plane.add_route({.method = "POST",
                     .pattern = "/v1/things",
                     .handler =
                         [this](http::RequestContext&) {
                           const int n = ++calls;
                           if (block) handler_may_finish.wait();
                           http::Response r = http::make_json(status, nlohmann::json{{"thing", n}});
                           r.set_header("Location", "/v1/things/" + std::to_string(n));
                           return r;
                         },
                     .blocking = true,
                     .idempotent = true,
                     .capability_class = vocabulary::CapabilityClass::resource_admin});
  }
  http::Response post(const std::string& key, const std::string& body = "{\"a\":1}",
                      const std::string& partner = "acme") {
    http::RequestContext ctx;
    ctx.request.method = "POST";
    ctx.request.target = "/v1/things";
    ctx.request.body = body;
    ctx.request.headers = {{"X-Partner", partner}};
    if (!key.empty()) ctx.request.headers.push_back({"Idempotency-Key", key});
    ctx.request_id = "req-" + key;
    if (auto refused = plane.resolve(ctx)) return *refused;
    return plane.run(ctx);
  }
  static std::string slug(const http::Response& r) {
    const auto type = nlohmann::json::parse(r.body).value("type", "");
    return type.substr(type.rfind('/') + 1);
  }
};

TEST_F(StageInPipeline, ARetriedPostIsAnsweredOnce) {
  const auto first = post("\"k-1\"");
  ASSERT_EQ(first.status, 201);
  const auto retry = post("k-1");  // the bare form names the same key
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.header("Location"), "/v1/things/1");
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(retry.header("Content-Type"), first.header("Content-Type"));
  // Without a key, every POST is a new request.
  post("");
  post("");
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(StageInPipeline, AnotherRequestUnderTheSameKeyIsRefused) {
  ASSERT_EQ(post("k-2", "{\"a\":1}").status, 201);
  const auto other = post("k-2", "{\"a\":2}");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(slug(other), "idempotency-key-reused");
  EXPECT_EQ(calls.load(), 1);
  // The same key from another partner is that partner's own key.
  EXPECT_EQ(post("k-2", "{\"a\":2}", "beta").status, 201);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(StageInPipeline, AKeyStillBeingAnsweredIsRefusedWith409) {
  block = true;
  auto first = std::async(std::launch::async, [this] { return post("k-3"); });
  while (calls.load() == 0) std::this_thread::yield();
  const auto concurrent = post("k-3");
  EXPECT_EQ(concurrent.status, 409);
  EXPECT_EQ(slug(concurrent), "idempotency-key-in-flight");
  release_handler.set_value();
  EXPECT_EQ(first.get().status, 201);
  EXPECT_EQ(post("k-3").header("Idempotent-Replayed"), "true");
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(StageInPipeline, AFailureIsNotKeptSoTheKeyCanBeRetried) {
  status = 503;
  EXPECT_EQ(post("k-4").status, 503);
  status = 201;
  const auto retried = post("k-4");
  EXPECT_EQ(retried.status, 201);
  EXPECT_TRUE(retried.header("Idempotent-Replayed").empty());
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(StageInPipeline, AMalformedKeyIsABadRequest) {
  const auto r = post("has space");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(slug(r), "malformed-request");
  EXPECT_EQ(calls.load(), 0);
}

}  // namespace
}  // namespace octopus::idempotency
