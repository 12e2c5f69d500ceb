// `octopus-gateway policy check DIR`: output and exit status.
#include <sstream>

#include <gtest/gtest.h>

#include "policy/policy_cli.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

TEST(PolicyCli, AcceptedSetPrintsItsVersion) {
  std::ostringstream out, err;
  EXPECT_EQ(run_policy_command({"check", OCTOPUS_POLICIES_DIR}, out, err), 0);
  EXPECT_EQ(out.str(), "policies OK, version " + testing::shipped_snapshot()->version + "\n");
  EXPECT_EQ(err.str(), "");
}

TEST(PolicyCli, RefusedSetPrintsOneErrorPerLine) {
  testing::PolicyCopy copy;
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 0");
  copy.replace("quotas.yaml", "default_plan: starter", "default_plan: 7");
  std::ostringstream out, err;
  EXPECT_EQ(run_policy_command({"check", copy.dir().string()}, out, err), 1);
  const int k_line = copy.line_of("privacy.yaml", "minimum_audience_size: 0");
  const int plan_line = copy.line_of("quotas.yaml", "default_plan: 7");
  EXPECT_EQ(out.str(), "privacy.yaml:" + std::to_string(k_line) +
                           ": /minimum_audience_size: must be at least 1, not the number 0\n"
                           "quotas.yaml:" +
                           std::to_string(plan_line) + ": /default_plan: must be text, not the number 7\n");
}

TEST(PolicyCli, BadUsageExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(run_policy_command({}, out, err), 2);
  EXPECT_EQ(run_policy_command({"check"}, out, err), 2);
  EXPECT_EQ(run_policy_command({"frobnicate"}, out, err), 2);
  EXPECT_NE(err.str().find("Usage: octopus-gateway policy check DIR"), std::string::npos);
}

}  // namespace
}  // namespace octopus::policy
