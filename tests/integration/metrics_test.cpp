// /metrics as a scraper first sees it: every family with its HELP and TYPE before anything
// happened (unlabelled counters at 0), in a text format `promtool check metrics` accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "gateway_harness.hpp"

using octopus::testing::GatewayHarness;
using octopus::testing::problem_slug;

namespace {

// promtool's verdict on a scrape: empty when it passes, its complaints otherwise.
std::string promtool_complaints(const std::string& scrape) {
  const auto file = std::filesystem::temp_directory_path() / ("octopus-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << scrape;
  FILE* pipe = ::popen(("promtool check metrics < " + file.string() + " 2>&1").c_str(), "r");
  if (!pipe) return "promtool could not be started";
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  if (status == 0) return "";
  return "promtool check metrics (from Debian's prometheus, installed by scripts/bootstrap) exit " +
         std::to_string(status) + ":\n" + output;
}

// The value of the sample with exactly this name and labels ("" when absent).
std::string sample(const std::string& scrape, const std::string& series) {
  const auto at = scrape.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const auto start = at + series.size() + 2;
  return scrape.substr(start, scrape.find('\n', start) - start);
}

// How much a series grew between two scrapes (the registry is process-wide, so other tests
// in the same process may have counted before this one).
double growth(const std::string& before, const std::string& after, const std::string& series) {
  const auto value = [&](const std::string& scrape) {
    const auto text = sample(scrape, series);
    return text.empty() ? 0.0 : std::stod(text);
  };
  return value(after) - value(before);
}

}  // namespace

TEST(MetricsEndpoint, AFreshGatewayShowsEveryFamilyWithHelpAndTypeAndPassesPromtool) {
  GatewayHarness gw;
  const auto m = gw.admin("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* family : {"octopus_idempotent_replays_total", "octopus_memory_trims_total",
                             "octopus_quota_refusals_total", "octopus_quota_outage_decisions_total",
                             "octopus_connections_refused_total", "octopus_webhook_attempts_total"}) {
    EXPECT_NE(m.body.find(std::string("# HELP ") + family + " "), std::string::npos) << family << "\n" << m.body;
    EXPECT_NE(m.body.find(std::string("# TYPE ") + family + " counter\n"), std::string::npos) << family;
  }
  EXPECT_NE(m.body.find("\noctopus_idempotent_replays_total 0\n"), std::string::npos) << m.body;
  for (const char* family :
       {"octopus_requests_total counter", "octopus_request_duration_seconds histogram", "octopus_quota_used gauge",
        "octopus_quota_remaining gauge", "process_open_fds gauge", "octopus_policy_reloads_total counter",
        "octopus_policy_info gauge", "octopus_connections_open gauge", "octopus_delivery_messages_total counter",
        "octopus_trigger_events_total counter", "octopus_webhook_deliveries gauge"})
    EXPECT_NE(m.body.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  // A refusal that has not happened yet is a 0, so the first one is an increase to alert on.
  EXPECT_NE(m.body.find("\noctopus_policy_reloads_total{outcome=\"refused\"} 0\n"), std::string::npos);
  for (const char* series :
       {"octopus_connections_refused_total{plane=\"partner\",reason=\"address_limit\"}",
        "octopus_connections_refused_total{plane=\"admin\",reason=\"listener_limit\"}",
        "octopus_webhook_attempts_total{outcome=\"dead\"}", "octopus_ledger_entries_total{type=\"settlement.earned\"}",
        "octopus_settlement_orders_total{outcome=\"unattributed\"}"})
    EXPECT_NE(m.body.find(std::string("\n") + series + " 0\n"), std::string::npos) << series;
  EXPECT_NE(m.body.find("\noctopus_policy_info{version=\"" + gw.app().policy_version() + "\"} 1\n"), std::string::npos);
  EXPECT_EQ(promtool_complaints(m.body), "") << m.body;
}

// After a mix of answered, refused and unknown requests, each is counted under its plane,
// partner, class, status class and outcome, timed in its histogram, and the partner's quota
// headroom is a gauge; the whole scrape still passes promtool.
TEST(MetricsEndpoint, RequestsAreCountedByPartnerClassStatusAndOutcomeAndTimed) {
  GatewayHarness gw;
  const auto acme = gw.create_partner("acme");
  const auto before = gw.admin("GET", "/metrics").body;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(gw.partner("GET", "/v1/targeting-attributes", acme).status, 200);
  const auto unsigned_call = gw.partner_raw("GET", "/v1/targeting-attributes", {{"Host", gw.authority()}});
  ASSERT_EQ(unsigned_call.status, 401);
  const auto refused_slug = problem_slug(unsigned_call);
  ASSERT_EQ(gw.partner("GET", "/v1/no-such-thing", acme).status, 404);

  const auto m = gw.admin("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  const auto grew = [&](const std::string& series) { return growth(before, m.body, series); };
  EXPECT_EQ(grew("octopus_requests_total{plane=\"partner\",class=\"reads\",partner=\"acme\",status=\"2xx\","
                 "outcome=\"ok\"}"),
            3)
      << m.body;
  EXPECT_EQ(grew("octopus_requests_total{plane=\"partner\",class=\"reads\",partner=\"\",status=\"4xx\",outcome=\"" +
                 refused_slug + "\"}"),
            1)
      << m.body;
  EXPECT_EQ(grew("octopus_requests_total{plane=\"partner\",class=\"none\",partner=\"\",status=\"4xx\","
                 "outcome=\"not-found\"}"),
            1)
      << m.body;
  EXPECT_EQ(grew("octopus_request_duration_seconds_count{plane=\"partner\",class=\"reads\"}"), 4);
  EXPECT_EQ(grew("octopus_request_duration_seconds_bucket{plane=\"partner\",class=\"reads\",le=\"+Inf\"}"), 4);
  EXPECT_GT(grew("octopus_request_duration_seconds_sum{plane=\"partner\",class=\"reads\"}"), 0);
  // The admin calls (creating acme and its key, the first scrape) are counted too, without a partner.
  EXPECT_NE(m.body.find("octopus_requests_total{plane=\"admin\",class=\"none\",partner=\"\",status=\"2xx\""),
            std::string::npos);
  // Three reads spent from the default plan's daily allowance.
  EXPECT_EQ(sample(m.body, "octopus_quota_used{partner=\"acme\",class=\"reads\",window=\"day\"}"), "3") << m.body;
  const auto limit = std::stoll(sample(m.body, "octopus_quota_limit{partner=\"acme\",class=\"reads\",window=\"day\"}"));
  EXPECT_EQ(std::stoll(sample(m.body, "octopus_quota_remaining{partner=\"acme\",class=\"reads\",window=\"day\"}")),
            limit - 3);
  EXPECT_GT(std::stod(sample(m.body, "process_resident_memory_bytes")), 1e6);
  EXPECT_GE(std::stod(sample(m.body, "octopus_connections_open")), 1);  // this scrape's own
  EXPECT_GT(std::stod(sample(m.body, "process_start_time_seconds")), 1.7e9);
  EXPECT_EQ(promtool_complaints(m.body), "") << m.body;
}

// The shipped alert rules (monitoring/alerts.yml) only name families the gateway exports: a
// renamed metric would otherwise leave an alert silently watching nothing. The breaker
// families exist once Redis or a remote engine is configured, so they are named here.
TEST(MetricsEndpoint, EveryFamilyTheShippedAlertsUseIsExported) {
  GatewayHarness gw;
  const auto scrape = gw.admin("GET", "/metrics").body;
  std::ifstream in(std::string(OCTOPUS_SOURCE_DIR) + "/monitoring/alerts.yml");
  ASSERT_TRUE(in) << "monitoring/alerts.yml";
  std::stringstream rules;
  rules << in.rdbuf();
  const std::string text = rules.str();
  std::set<std::string> families;
  const std::regex name(R"(\b(octopus_[a-z0-9_]+|process_[a-z_]+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
    auto family = (*it)[1].str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (family.ends_with(suffix) && scrape.find("# TYPE " + family + " ") == std::string::npos)
        family.resize(family.size() - std::string(suffix).size());
    families.insert(family);
  }
  ASSERT_GE(families.size(), 6u);
  for (const auto& family : families) {
    if (family == "octopus_engine_up" || family == "octopus_redis_up") continue;
    EXPECT_NE(scrape.find("# TYPE " + family + " "), std::string::npos) << family << " is used by an alert";
  }
}
