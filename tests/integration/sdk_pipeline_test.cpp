// The SDK's request pipeline against a fault-injecting HTTPS server (RecordingServer): which
// answers are retried, the one Idempotency-Key of a logical call on every retry, fresh
// signatures per attempt, Retry-After honoured, attempts and deadline bounded, transparent
// reconnection after the server closed a kept connection, and one Client shared by threads.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "octopus/sdk.hpp"
#include "recording_server.hpp"
#include "settlement_fixture.hpp"

using namespace octopus;
using octopus::testing::RecordedRequest;
using octopus::testing::RecordingServer;
using octopus::testing::ScriptedAnswer;

namespace {

std::string problem(const std::string& slug, int status) {
  return nlohmann::json{{"type", "https://octopus-gateway.example/problems/" + slug},
                        {"title", slug},
                        {"status", status},
                        {"detail", "scripted " + slug},
                        {"instance", "urn:octopus:request:r"},
                        {"request_id", "req-" + slug}}
      .dump();
}

ScriptedAnswer answer(int status, const std::string& slug = "",
                      std::vector<std::pair<std::string, std::string>> h = {}) {
  h.emplace_back("Content-Type", slug.empty() ? "application/json" : "application/problem+json");
  h.emplace_back("X-Request-Id", "req-" + std::to_string(status));
  return {
      status, h,
      slug.empty() ? R"({"count":120,"suppressed":false,"policy_version":"0123456789abcdef"})" : problem(slug, status)};
}

class SdkPipeline : public ::testing::Test {
 protected:
  octopus::testing::ReceiverDir dir;
  RecordingServer server{dir.string()};

  Client client(ClientOptions options = {}) {
    options.ca_file = server.ca_file();
    if (options.retry.initial_backoff == RetryPolicy{}.initial_backoff)
      options.retry.initial_backoff = std::chrono::milliseconds(5);
    return Client("https://localhost:" + std::to_string(server.port()), Credential::from_seed("key-1", {7}), options);
  }
  // Answers `first` for the first `times` requests, then a 200 estimate.
  void fail_first(int times, const ScriptedAnswer& first) {
    auto count = std::make_shared<std::atomic<int>>(0);
    server.respond_with([=](const RecordedRequest&) { return ++*count <= times ? first : answer(200); });
  }
  static AudienceEstimateRequest tag() { return {segment::tag("streaming")}; }
};

TEST_F(SdkPipeline, RetriableAnswersAreRetriedWithOneIdempotencyKeyAndAFreshSignatureEachTime) {
  fail_first(2, answer(503, "service-unavailable"));
  auto c = client();
  ResponseInfo info;
  CallOptions options;
  options.response = &info;
  const auto estimate = c.estimate_audience(tag(), options);
  EXPECT_EQ(estimate.count, 120);
  EXPECT_EQ(info.attempts, 3);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> keys, signatures;
  for (const auto& r : requests) {
    keys.insert(r.header("Idempotency-Key"));
    signatures.insert(r.header("Signature"));
    EXPECT_NE(r.header("Content-Digest"), "");
    EXPECT_NE(r.header("Signature-Input").find("\"idempotency-key\""), std::string::npos);
  }
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_NE(*keys.begin(), "");
  EXPECT_EQ(signatures.size(), 3u) << "each attempt is signed afresh";
}

TEST_F(SdkPipeline, WhichAnswersAreRetried) {
  struct Case {
    int status;
    std::string slug;
    bool retried;
  };
  const std::vector<Case> cases{{408, "request-timeout", true},     {409, "idempotency-key-in-flight", true},
                                {429, "rate-limited", true},        {502, "bad-gateway", true},
                                {503, "service-unavailable", true}, {504, "gateway-timeout", true},
                                {400, "malformed-request", false},  {401, "unauthenticated", false},
                                {403, "forbidden", false},          {404, "not-found", false},
                                {409, "conflict", false},           {422, "validation-error", false},
                                {429, "quota-exhausted", false},    {500, "internal-error", false}};
  auto c = client();
  for (const auto& k : cases) {
    const auto before = server.count();
    fail_first(1, answer(k.status, k.slug, {{"Retry-After", "0"}}));
    try {
      c.estimate_audience(tag());
      EXPECT_TRUE(k.retried) << k.status << " " << k.slug << " was retried";
    } catch (const ApiError& e) {
      EXPECT_FALSE(k.retried) << k.status << " " << k.slug << " was not retried";
      EXPECT_EQ(e.status(), k.status);
      EXPECT_EQ(e.slug(), k.slug);
      EXPECT_EQ(e.request_id(), "req-" + std::to_string(k.status));
      EXPECT_EQ(e.detail(), "scripted " + k.slug);
    }
    EXPECT_EQ(server.count() - before, k.retried ? 2u : 1u) << k.status << " " << k.slug;
  }
}

TEST_F(SdkPipeline, RetryAfterIsWaitedOut) {
  fail_first(1, answer(429, "rate-limited", {{"Retry-After", "1"}}));
  auto c = client();
  c.estimate_audience(tag());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at - requests[0].at, std::chrono::milliseconds(990));
}

TEST_F(SdkPipeline, AttemptsAreBoundedAndTheLastProblemIsThrown) {
  server.respond_with([](const RecordedRequest&) { return answer(503, "service-unavailable"); });
  ClientOptions options;
  options.retry.max_attempts = 3;
  auto c = client(options);
  try {
    c.estimate_audience(tag());
    FAIL() << "a 503 that never ends must fail the call";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_EQ(e.response().attempts, 3);
  }
  EXPECT_EQ(server.count(), 3u);
}

TEST_F(SdkPipeline, TheDeadlineBoundsTheWholeCall) {
  // A Retry-After beyond the deadline is not waited for: the answer comes back at once.
  server.respond_with([](const RecordedRequest&) {
    return answer(503, "service-unavailable", {{"Retry-After", "30"}});
  });
  ClientOptions options;
  options.call_deadline = std::chrono::milliseconds(1500);
  options.retry.max_attempts = 100;
  auto c = client(options);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c.estimate_audience(tag()), ApiError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_EQ(server.count(), 1u);
  // A server that drops every connection: attempts until the deadline, then a TransportError.
  server.respond_with([](const RecordedRequest&) { return ScriptedAnswer{.drop = true}; });
  options.retry.initial_backoff = std::chrono::milliseconds(50);
  auto dropping = client(options);
  start = std::chrono::steady_clock::now();
  try {
    dropping.estimate_audience(tag());
    FAIL() << "no answer ever came";
  } catch (const TransportError& e) {
    EXPECT_GT(e.attempts(), 1);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(SdkPipeline, AConnectionTheServerClosedIsReplacedWithoutTheCallerNoticing) {
  server.respond_with([](const RecordedRequest&) { return answer(200); });
  auto c = client();
  c.estimate_audience(tag());
  c.estimate_audience(tag());
  EXPECT_EQ(server.connections_accepted(), 1u) << "the connection is kept alive";
  server.close_connections();  // as the gateway's idle timeout does
  ResponseInfo info;
  CallOptions options;
  options.response = &info;
  EXPECT_NO_THROW(c.estimate_audience(tag(), options));
  EXPECT_EQ(info.attempts, 1) << "a reconnect is not a retry";
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(server.count(), 3u) << "the request reached the server once";
}

TEST_F(SdkPipeline, AConnectionIdleLongerThanTheIdleTimeoutIsNotReused) {
  server.respond_with([](const RecordedRequest&) { return answer(200); });
  ClientOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  auto c = client(options);
  c.estimate_audience(tag());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  c.estimate_audience(tag());
  EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST_F(SdkPipeline, GetsCarryNoKeyEachPostItsOwnAndACallersKeyIsSentAsGiven) {
  server.respond_with([](const RecordedRequest&) { return answer(200); });
  auto c = client();
  c.estimate_audience(tag());
  c.estimate_audience(tag());
  CallOptions mine;
  mine.idempotency_key = "order-2026-12-06-001";
  c.estimate_audience(tag(), mine);
  c.call("GET", "/v1/capabilities");
  const auto r = server.requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_NE(r[0].header("Idempotency-Key"), r[1].header("Idempotency-Key"));
  EXPECT_EQ(r[2].header("Idempotency-Key"), "\"order-2026-12-06-001\"");
  EXPECT_EQ(r[3].header("Idempotency-Key"), "");
  EXPECT_EQ(r[3].header("Content-Digest"), "");
  EXPECT_EQ(r[3].header("Host"), "localhost:" + std::to_string(server.port()));
  EXPECT_EQ(r[3].header("User-Agent").rfind("octopus-sdk-cpp/1.", 0), 0u);
  mine.idempotency_key = "has \"quotes\"";
  EXPECT_THROW(c.estimate_audience(tag(), mine), std::invalid_argument);
}

TEST_F(SdkPipeline, NothingThatCouldEndAHeaderEarlyIsSent) {
  server.respond_with([](const RecordedRequest&) { return answer(200); });
  auto c = client();
  CallOptions smuggling;
  smuggling.correlator = "a\r\nContent-Length: 0\r\n\r\nGET /v1/offers HTTP/1.1";
  EXPECT_THROW(c.estimate_audience(tag(), smuggling), std::invalid_argument);
  EXPECT_THROW(c.call("GET", "/v1/offers HTTP/1.1\r\nX: y"), std::invalid_argument);
  EXPECT_THROW(c.call("GE T", "/v1/offers"), std::invalid_argument);
  CallOptions spaced;
  spaced.idempotency_key = "order 42";
  EXPECT_THROW(c.estimate_audience(tag(), spaced), std::invalid_argument);
  EXPECT_EQ(server.count(), 0u);
  CallOptions fine;
  fine.correlator = "trace:1/2;{a}";
  c.estimate_audience(tag(), fine);
  EXPECT_EQ(server.requests().at(0).header("x-correlator"), "trace:1/2;{a}");
}

TEST_F(SdkPipeline, ARequestThatIsNotSafeToRepeatIsSentOnce) {
  server.respond_with([](const RecordedRequest&) { return answer(503, "service-unavailable"); });
  auto c = client();
  EXPECT_EQ(c.call("PATCH", "/v1/offers/ofr_1", "{}").status, 503);
  EXPECT_EQ(server.count(), 1u) << "a PATCH has no idempotency key: no retry";
  EXPECT_EQ(c.call("DELETE", "/v1/triggers/trg_1").status, 503);
  EXPECT_EQ(server.count(), 1u + 4u) << "a DELETE is idempotent: retried";
}

TEST_F(SdkPipeline, AMistypedCaFileIsABadSettingNotANetworkFailure) {
  ClientOptions options;
  options.ca_file = dir.string() + "/no-such-ca.pem";
  EXPECT_THROW(
      Client("https://localhost:" + std::to_string(server.port()), Credential::from_seed("key-1", {7}), options),
      std::invalid_argument);
}

TEST_F(SdkPipeline, RateLimitHeadersAreExposedOnEveryResponse) {
  server.respond_with([](const RecordedRequest&) {
    return answer(200, "",
                  {{"RateLimit-Policy", R"("reads";q=10;w=1, "reads-day";q=100;w=86400)"},
                   {"RateLimit", R"("reads";r=9;t=1, "reads-day";r=42;t=3000)"}});
  });
  auto c = client();
  ResponseInfo info;
  CallOptions options;
  options.response = &info;
  c.estimate_audience(tag(), options);
  ASSERT_EQ(info.rate_limit.policies.size(), 2u);
  EXPECT_EQ(info.rate_limit.policies[1].remaining, 42);
  EXPECT_EQ(c.last_rate_limit().tightest()->name, "reads");
}

TEST_F(SdkPipeline, ManyThreadsShareOneClient) {
  server.respond_with([](const RecordedRequest&) { return answer(200); });
  ClientOptions options;
  options.pool_size = 8;
  auto c = client(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i)
        if (c.estimate_audience(tag()).count == 120) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(server.count(), 200u);
  EXPECT_LE(server.connections_accepted(), 8u) << "no more connections than threads: they are reused";
}

}  // namespace
