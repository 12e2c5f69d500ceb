// Usage history on a real gateway: what a partner did (answered and refused) appears in its
// history, by class and outcome, equal to the requests made, in JSON and CSV, with the top
// refusal reasons; it survives a restart.
#include <gtest/gtest.h>

#include "gateway_harness.hpp"

using nlohmann::json;
using octopus::testing::GatewayHarness;

namespace {

TEST(UsageHistoryApi, APartnersRequestsAreInItsHistoryByClassAndOutcomeAcrossARestart) {
  GatewayHarness gw;  // kept to the end: its data directory goes with it
  json before;
  {
    const auto acme = gw.create_partner("acme");
    for (int i = 0; i < 4; ++i) ASSERT_EQ(gw.partner("GET", "/v1/targeting-attributes", acme).status, 200);
    // Not in its scopes: refused, and counted as such.
    for (int i = 0; i < 2; ++i) ASSERT_EQ(gw.partner("GET", "/v1/offers", acme).status, 403);
    const auto r = gw.admin_as("viewer", "GET", "/admin/v1/partners/acme/usage/history");
    ASSERT_EQ(r.status, 200) << r.body;
    before = json::parse(r.body);
    EXPECT_EQ(before["granularity"], "hour");
    ASSERT_EQ(before["items"].size(), 2u) << before;
    EXPECT_EQ(before["items"][0]["class"], "reads");
    EXPECT_EQ(before["items"][0]["outcome"], "insufficient-scope");
    EXPECT_EQ(before["items"][0]["requests"], 2);
    EXPECT_EQ(before["items"][1]["outcome"], "ok");
    EXPECT_EQ(before["items"][1]["requests"], 4);
    EXPECT_EQ(before["totals"], json({{"requests", 6}, {"refused", 2}}));
    EXPECT_EQ(before["top_rejections"], json::parse(R"([{"outcome":"insufficient-scope","requests":2}])"));

    const auto csv = gw.admin_as("operator", "GET", "/admin/v1/partners/acme/usage/history?format=csv");
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
    const auto hour = before["items"][0]["start"].get<std::string>();
    EXPECT_EQ(csv.body,
              "start,class,outcome,requests\r\n" + hour + ",reads,insufficient-scope,2\r\n" + hour + ",reads,ok,4\r\n");
    gw.app().shutdown();
  }
  GatewayHarness again([&](auto& c) { c.data_dir = gw.data_dir(); });
  const auto after = json::parse(again.admin("GET", "/admin/v1/partners/acme/usage/history").body);
  EXPECT_EQ(after["items"], before["items"]);
  const auto days = json::parse(again.admin("GET", "/admin/v1/partners/acme/usage/history?granularity=day").body);
  EXPECT_EQ(days["totals"]["requests"], 6);
}

TEST(UsageHistoryApi, BadRangesAndUnknownPartnersAreRefusedClearly) {
  GatewayHarness gw;
  gw.create_partner("acme");
  const auto history = [&](const std::string& query) {
    return gw.admin("GET", "/admin/v1/partners/acme/usage/history" + query).status;
  };
  EXPECT_EQ(history("?granularity=week"), 400);
  EXPECT_EQ(history("?format=xml"), 400);
  EXPECT_EQ(history("?from=yesterday"), 400);
  EXPECT_EQ(history("?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z"), 400);
  EXPECT_EQ(history("?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z"), 400);  // 59 days of hours
  EXPECT_EQ(history("?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&granularity=day"), 200);
  EXPECT_EQ(gw.admin("GET", "/admin/v1/partners/nobody/usage/history").status, 404);
}

}  // namespace
