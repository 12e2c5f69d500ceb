// /metrics as a scraper first sees it: every family with its HELP and TYPE before anything
// happened (unlabelled counters at 0), in a text format `promtool check metrics` accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gateway_harness.hpp"

using octopus::testing::GatewayHarness;

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

  const auto file = std::filesystem::temp_directory_path() / ("octopus-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << m.body;
  FILE* pipe = ::popen(("promtool check metrics < " + file.string() + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << "promtool check metrics (from Debian's prometheus, installed by scripts/bootstrap):\n"
                       << output << "\n"
                       << m.body;
}
