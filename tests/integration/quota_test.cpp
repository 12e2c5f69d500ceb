// Plans enforced on a running gateway over real HTTPS: the RateLimit fields, the two 429
// problem types with a Retry-After that works, rate accuracy under 3x overload, usage and
// metrics on the admin plane, and a Redis outage handled as each plan says.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gateway_harness.hpp"
#include "policy_dir.hpp"
#include "redis_server.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;
using octopus::testing::PolicyDir;
using octopus::testing::problem_slug;

namespace {

constexpr const char* kPlans =
    "  tiny:\n"
    "    reads:            { per_second: 1, burst: 2, per_day: 1000, per_month: 2000 }\n"
    "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "  small-day:\n"
    "    reads:            { per_second: 100, burst: 100, per_day: 3, per_month: 100 }\n"
    "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "  measured:\n"
    "    reads:            { per_second: 50, burst: 50, per_day: 1000000, per_month: 1000000 }\n"
    "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "  strict:\n"
    "    reads:            { per_second: 1, burst: 2, per_day: 1000, per_month: 2000, on_counter_outage: refuse }\n"
    "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
    "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n";
constexpr const char* kPartnerPlans =
    "  tiny-co: tiny\n"
    "  small-day-co: small-day\n"
    "  measured-co: measured\n"
    "  strict-co: strict\n";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class Quotas : public ::testing::Test {
 protected:
  PolicyDir dir = [] {
    PolicyDir d;
    d.add_plans(kPlans, kPartnerPlans);
    return d;
  }();
  GatewayHarness gw{[this](octopus::config::GatewayConfig& c) { c.policies_dir = dir.path().string(); }};
};

TEST_F(Quotas, EveryResponseCarriesThePlanAndWhatRemains) {
  auto tiny = gw.create_partner("tiny-co");
  auto r = gw.partner("GET", "/v1/capabilities", tiny);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string policy(r.header("RateLimit-Policy")), limit(r.header("RateLimit"));
  EXPECT_EQ(policy.rfind(R"("reads";q=1;w=1;octopus-burst=2, "reads-day";q=1000;w=86400, "reads-month";q=2000;w=)", 0),
            0u)
      << policy;
  EXPECT_EQ(limit.rfind(R"("reads";r=1;t=0, "reads-day";r=999;t=)", 0), 0u) << limit;
}

TEST_F(Quotas, TooFastIsRateLimitedAndRetryingAfterRetryAfterSucceeds) {
  auto tiny = gw.create_partner("tiny-co");
  ASSERT_EQ(gw.partner("GET", "/v1/capabilities", tiny).status, 200);
  ASSERT_EQ(gw.partner("GET", "/v1/capabilities", tiny).status, 200);
  auto refused = gw.partner("GET", "/v1/capabilities", tiny);
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(problem_slug(refused), "rate-limited");
  auto body = json::parse(refused.body);
  EXPECT_EQ(body["violated-policies"], json::array({"reads"}));
  EXPECT_EQ(body["plan"], "tiny");
  const int retry_after = std::stoi(std::string(refused.header("Retry-After")));
  EXPECT_EQ(retry_after, 1);
  EXPECT_NE(refused.header("RateLimit").find(R"("reads";r=0;t=1)"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::seconds(retry_after));
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", tiny).status, 200);
}

TEST_F(Quotas, AnExhaustedDayIsADifferentProblemThatLastsUntilShanghaiMidnight) {
  auto p = gw.create_partner("small-day-co");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(gw.partner("GET", "/v1/capabilities", p).status, 200) << i;
  auto refused = gw.partner("GET", "/v1/capabilities", p);
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(problem_slug(refused), "quota-exhausted");
  EXPECT_EQ(json::parse(refused.body)["violated-policies"], json::array({"reads-day"}));
  // Asia/Shanghai is UTC+8 all year: the next local midnight is 16:00 UTC.
  const std::int64_t now = unix_now();
  const std::int64_t next_midnight = ((now + 8 * 3600) / 86400 + 1) * 86400 - 8 * 3600;
  EXPECT_NEAR(std::stoll(std::string(refused.header("Retry-After"))), next_midnight - now, 2);
  // Other partners are not affected.
  auto other = gw.create_partner("tiny-co");
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", other).status, 200);
}

TEST_F(Quotas, ThreeTimesThePlanRateForTenSecondsIsAdmittedWithinTwoPercent) {
  auto p = gw.create_partner("measured-co");  // 50/s, burst 50
  std::atomic<int> admitted{0}, refused{0}, other{0};
  std::atomic<std::int64_t> first_ns{0}, last_ns{0};
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(10);
  auto stamp = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  auto client = [&](int offset_ms) {
    auto conn = gw.partner_connection();
    // 3 clients x 50/s = 150/s offered, evenly paced.
    auto next = start + std::chrono::milliseconds(offset_ms);
    while (next < end) {
      std::this_thread::sleep_until(next);
      next += std::chrono::milliseconds(20);
      std::vector<octopus::client::HeaderField> headers;
      octopus::client::sign_request("GET", gw.authority(), "/v1/capabilities", headers, "", p);
      std::int64_t expected = 0;
      const auto sent = stamp();
      first_ns.compare_exchange_strong(expected, sent);
      auto r = conn.send("GET", "/v1/capabilities", headers);
      if (r.status == 200)
        ++admitted;
      else if (r.status == 429)
        ++refused;
      else
        ++other;
      last_ns = std::max<std::int64_t>(last_ns.load(), sent);
    }
  };
  std::thread a(client, 0), b(client, 7), c(client, 13);
  a.join();
  b.join();
  c.join();
  const double seconds = static_cast<double>(last_ns - first_ns) / 1e9;
  const double theoretical = 50 + 50 * seconds;  // burst, then the rate
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(refused.load(), admitted.load());  // the load really was 3x
  EXPECT_NEAR(admitted.load(), theoretical, theoretical * 0.02)
      << "admitted " << admitted << " of " << admitted + refused << " over " << seconds << " s";
}

TEST_F(Quotas, UsageAndMetricsShowWhatWasCountedAndRefused) {
  auto tiny = gw.create_partner("tiny-co");
  for (int i = 0; i < 3; ++i) gw.partner("GET", "/v1/capabilities", tiny);
  auto r = gw.admin("GET", "/admin/v1/partners/tiny-co/usage");
  ASSERT_EQ(r.status, 200) << r.body;
  auto u = json::parse(r.body);
  EXPECT_EQ(u["plan"], "tiny");
  EXPECT_EQ(u["counters"], "memory");
  EXPECT_EQ(u["time_zone"], "Asia/Shanghai");
  EXPECT_EQ(u["classes"]["reads"]["day"]["used"], 2);  // the refused third took nothing
  EXPECT_EQ(u["classes"]["reads"]["day"]["remaining"], 998);
  EXPECT_EQ(u["classes"]["reads"]["rate"]["remaining"], 0);
  EXPECT_EQ(u["classes"]["deliveries"]["on_counter_outage"], "refuse");
  EXPECT_EQ(u["classes"]["reads"]["on_counter_outage"], "admit");
  // Reading usage consumes nothing.
  EXPECT_EQ(json::parse(gw.admin("GET", "/admin/v1/partners/tiny-co/usage").body)["classes"]["reads"]["day"]["used"],
            2);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/nobody/usage").status, 404);

  auto m = gw.admin("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("octopus_quota_refusals_total{partner=\"tiny-co\",class=\"reads\",window=\"rate\"}"),
            std::string::npos)
      << m.body;
  EXPECT_EQ(gw.admin("GET", "/metrics", nullptr, "wrong-token-wrong-token").status, 401);
}

// The gateway on Redis, and Redis dying: each plan's outage mode holds, and once Redis is
// back the limits are exact again.
TEST(QuotasOnRedis, AnOutageFailsOpenOrClosedAsEachPlanSaysAndLimitsAreExactAfterwards) {
  octopus::testing::RedisServer redis;
  PolicyDir dir;
  dir.add_plans(kPlans, kPartnerPlans);
  GatewayHarness gw{[&](octopus::config::GatewayConfig& c) {
    c.policies_dir = dir.path().string();
    c.counters.backend = "redis";
    c.counters.redis.port = redis.port();
  }};
  auto open_plan = gw.create_partner("tiny-co");      // reads admit on outage (the class default)
  auto closed_plan = gw.create_partner("strict-co");  // reads refuse on outage
  auto first = gw.partner("GET", "/v1/capabilities", open_plan);
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.header("RateLimit").empty());

  redis.kill();
  for (int i = 0; i < 5; ++i) {  // far past the plan's burst of 2: nothing is counted
    auto r = gw.partner("GET", "/v1/capabilities", open_plan);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("RateLimit").empty());  // nothing known, nothing claimed
    EXPECT_FALSE(r.header("RateLimit-Policy").empty());
  }
  auto closed = gw.partner("GET", "/v1/capabilities", closed_plan);
  EXPECT_EQ(closed.status, 503) << closed.body;
  EXPECT_EQ(problem_slug(closed), "service-unavailable");
  EXPECT_FALSE(closed.header("Retry-After").empty());
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/tiny-co/usage").status, 503);
  auto metrics = gw.admin("GET", "/metrics").body;
  EXPECT_NE(metrics.find("octopus_quota_outage_decisions_total{mode=\"open\"}"), std::string::npos);
  EXPECT_NE(metrics.find("octopus_quota_outage_decisions_total{mode=\"closed\"}"), std::string::npos);
  EXPECT_NE(metrics.find("octopus_redis_up 0"), std::string::npos);

  redis.restart();
  // The client's breaker probes again after its back-off (at most 5 s).
  bool counted = false;
  for (int i = 0; i < 40 && !counted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto r = gw.partner("GET", "/v1/capabilities", closed_plan);
    counted = r.status == 200 && !r.header("RateLimit").empty();
  }
  ASSERT_TRUE(counted) << "limits did not come back with Redis";
  // Exact again: the strict plan's burst is 2, one is used.
  EXPECT_EQ(gw.partner("GET", "/v1/capabilities", closed_plan).status, 200);
  auto limited = gw.partner("GET", "/v1/capabilities", closed_plan);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(problem_slug(limited), "rate-limited");
  EXPECT_NE(gw.admin("GET", "/metrics").body.find("octopus_redis_up 1"), std::string::npos);
}

}  // namespace
