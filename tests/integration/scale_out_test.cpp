// Two gateway processes sharing one real Redis, as behind a load balancer: a plan's rate
// holds for the pair within 2 %, and a nonce spent on one instance is refused by the other.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "octopus/client/https_connection.hpp"
#include "octopus/client/request_signer.hpp"
#include "octopus/protocol/base64.hpp"
#include "gateway_process.hpp"
#include "plan_rate_probe.hpp"
#include "policy_dir.hpp"
#include "redis_server.hpp"

using nlohmann::json;
using octopus::client::Credential;
using octopus::client::HeaderField;
using octopus::client::HttpsConnection;
using octopus::testing::GatewayProcess;
using octopus::testing::PolicyDir;

namespace {

// Both instances sit behind one public name: that is the @authority partners sign.
constexpr const char* kPublicAuthority = "api.octopus.example";

std::string scale_out_config(int redis_port) {
  return std::string("auth:\n  public_authority: ") + kPublicAuthority + "\n" +
         "counters:\n  backend: redis\n  redis:\n    port: " + std::to_string(redis_port) + "\n";
}

class ScaleOut : public ::testing::Test {
 protected:
  octopus::testing::RedisServer redis;
  PolicyDir policies = [] {
    PolicyDir d;
    d.add_plans(
        "  shared:\n"
        "    reads:            { per_second: 20, burst: 20, per_day: 1000000, per_month: 1000000 }\n"
        "    audience_queries: { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
        "    deliveries:       { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n"
        "    resource_admin:   { per_second: 1, burst: 1, per_day: 1, per_month: 1 }\n",
        "  shared-co: shared\n");
    return d;
  }();
  GatewayProcess a{"a", scale_out_config(redis.port()), policies.path()};
  GatewayProcess b{"b", scale_out_config(redis.port()), policies.path()};
  Credential cred{"shared-co-key-1", octopus::protocol::Ed25519PrivateKey::generate()};

  void SetUp() override {
    a.register_partner("shared-co", cred);
    b.register_partner("shared-co", cred);
  }
  std::vector<HeaderField> signed_headers() {
    std::vector<HeaderField> headers;
    octopus::client::sign_request("GET", kPublicAuthority, "/v1/capabilities", headers, "", cred);
    return headers;
  }
};

TEST_F(ScaleOut, ANonceSpentOnOneInstanceIsRefusedByTheOther) {
  const auto headers = signed_headers();
  auto first = a.partner().send("GET", "/v1/capabilities", headers);
  ASSERT_EQ(first.status, 200) << first.body;
  auto replay = b.partner().send("GET", "/v1/capabilities", headers);
  EXPECT_EQ(replay.status, 401);
  EXPECT_NE(replay.body.find("nonce-replayed"), std::string::npos) << replay.body;
  // A fresh signature is fine on either.
  EXPECT_EQ(b.partner().send("GET", "/v1/capabilities", signed_headers()).status, 200);
}

TEST_F(ScaleOut, ThePlanRateHoldsForBothInstancesTogetherWithinTwoPercent) {
  // 2 clients x 30/s = 3x the plan's 20/s
  const auto p =
      octopus::testing::probe_plan_rate({&a, &b}, std::chrono::microseconds(33333), std::chrono::milliseconds(16),
                                        std::chrono::seconds(10), [&] { return signed_headers(); });
  EXPECT_EQ(p.other, 0);
  EXPECT_GT(p.refused, p.admitted);
  EXPECT_NEAR(p.admitted, p.admissible(20), p.admissible(20) * 0.02)
      << "admitted " << p.admitted << " of " << p.admitted + p.refused << " over " << p.seconds << " s";
}

}  // namespace
