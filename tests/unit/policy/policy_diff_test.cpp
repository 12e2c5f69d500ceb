// `policy diff`: one plain line per change in meaning; nothing for comments, key order,
// list order or quoting; refused sets reported as `policy check` does.
#include <gtest/gtest.h>

#include <sstream>

#include "policy/policy_cli.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::PolicyCopy;
using testing::shipped_snapshot;

struct CliRun {
  int status;
  std::string out, err;
};
CliRun diff(const std::filesystem::path& before, const std::filesystem::path& after) {
  std::ostringstream out, err;
  const int status = run_policy_command({"diff", before.string(), after.string()}, out, err);
  return {status, out.str(), err.str()};
}

// The change lines only, without the two "old:"/"new:" header lines.
std::string changes(const CliRun& r) {
  std::string s = r.out;
  for (int i = 0; i < 2; ++i) s.erase(0, s.find('\n') + 1);
  return s;
}

TEST(PolicyDiff, SameSetHasNoChanges) {
  PolicyCopy copy;
  const auto r = diff(OCTOPUS_POLICIES_DIR, copy.dir());
  EXPECT_EQ(r.status, 0);
  const std::string v = shipped_snapshot()->version;
  EXPECT_EQ(r.out, std::string("old: ") + OCTOPUS_POLICIES_DIR + " (version " + v + ")\nnew: " + copy.dir().string() +
                       " (version " + v + ")\nno changes\n");
}

TEST(PolicyDiff, CommentsKeyOrderQuotingAndListOrderShowNothing) {
  PolicyCopy copy;
  copy.replace(
      "privacy.yaml", "segment_limits:\n  max_nodes: 32\n  max_depth: 4",
      "# stricter limits were discussed in March\nsegment_limits:\n  max_depth: 4   # levels\n  max_nodes: 32");
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: \"Asia/Shanghai\"");
  copy.replace("consent.yaml", "    channels: [sms, outbound_call]", "    channels: [outbound_call, sms]");
  copy.replace("content.yaml", "  - 10086.cn\n  - chinamobile.com", "  - chinamobile.com\n  - 10086.cn");
  const auto r = diff(OCTOPUS_POLICIES_DIR, copy.dir());
  EXPECT_EQ(r.status, 0);
  // List order is part of the version (it hashes the files' values), not of the meaning.
  EXPECT_EQ(changes(r),
            "no changes in meaning (the versions differ only in how the files are written, "
            "e.g. the order of a list)\n");
}

TEST(PolicyDiff, OneLinePerChangeInFileOrder) {
  PolicyCopy copy;
  copy.replace("consent.yaml", "    channels: [sms, outbound_call]", "    channels: [sms]");
  copy.replace("consent.yaml", "\"Mobile app developers\"", "\"Mobile app developers (all stores)\"");
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 200");
  copy.replace("privacy.yaml", "targetable: [age_band, gender, city]\n", "targetable: [age_band, city, plan_type]\n");
  copy.replace("privacy.yaml", "  significant_figures: 2", "  significant_figures: 0");
  copy.replace("fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"20:00\", to: \"08:00\" }");
  copy.replace("fatigue.yaml", "  sms:\n    per_day: 2", "  sms:\n    per_day: 1");
  copy.replace("fatigue.yaml", "    to: \"2026-06-10\"", "    to: \"2026-06-09\"");
  copy.replace("fatigue.yaml", "  - name: spring-festival-eve-2026\n", "  - name: chuxi-2026\n");
  copy.replace("content.yaml", "  - 点击领取\n", "  - 点击领取\n  - 免费领取\n");
  copy.replace("content.yaml", "  - 中奖\n", "");
  copy.replace("content.yaml", "  agent: true", "  agent: false");
  copy.replace("content.yaml", "    max_characters: 200", "    max_characters: 180");
  copy.replace("quotas.yaml", "per_day: 1000000, per_month: 20000000", "per_day: 2000000, per_month: 20000000");
  copy.replace("quotas.yaml", "partner_plans: {}", "partner_plans:\n  jd-retail: premium");
  copy.replace("quotas.yaml", "default_plan: starter", "default_plan: standard");
  ASSERT_TRUE(copy.load().ok()) << testing::describe(copy.load().errors);
  const auto r = diff(OCTOPUS_POLICIES_DIR, copy.dir());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(changes(r),
            "consent: partner category agent: channels: sms, outbound_call → sms\n"
            "consent: description of partner category app: 'Mobile app developers' → 'Mobile app developers (all "
            "stores)'\n"
            "privacy: tier bronze: targetable attribute removed: gender\n"
            "privacy: tier bronze: targetable attribute added: plan_type\n"
            "privacy: minimum audience size k: 100 → 200\n"
            "privacy: significant figures kept: 2 → no limit\n"
            "fatigue: cap for sms: per day: 2 → 1\n"
            "fatigue: quiet hours for sms: 21:00–08:00 → 20:00–08:00\n"
            "fatigue: blackout removed: spring-festival-eve-2026 (2026-02-16 to 2026-02-16, outbound_call)\n"
            "fatigue: blackout added: chuxi-2026 (2026-02-16 to 2026-02-16, outbound_call)\n"
            "fatigue: blackout gaokao-2026: days: 2026-06-07 to 2026-06-10 → 2026-06-07 to 2026-06-09\n"
            "content: most characters for push: 200 → 180\n"
            "content: banned phrase removed: '中奖'\n"
            "content: banned phrase added: '免费领取'\n"
            "content: human review for agent partners: yes → no\n"
            "quotas: plan premium: deliveries per day: 1000000 → 2000000\n"
            "quotas: default plan: starter → standard\n"
            "quotas: plan of partner jd-retail: the default plan (starter) → premium\n"
            "18 changes\n");
}

TEST(PolicyDiff, SettlementWindowsAreShownPerProduct) {
  testing::PolicyCopy copy;
  copy.replace("settlement.yaml", "  attribution_window_days: 7\n", "  attribution_window_days: 10\n");
  copy.replace("settlement.yaml", "products: [BROADBAND-1000, FAMILY-SHARE]", "products: [BROADBAND-1000]");
  ASSERT_TRUE(copy.load().ok()) << testing::describe(copy.load().errors);
  const auto r = diff(OCTOPUS_POLICIES_DIR, copy.dir());
  EXPECT_EQ(changes(r),
            "settlement: attribution window (default): 7 days → 10 days\n"
            "settlement: attribution window of FAMILY-SHARE: 14 days → 10 days\n"
            "2 changes\n");
}

TEST(PolicyDiff, CounterOutageBehaviour) {
  PolicyCopy copy;
  copy.replace(
      "quotas.yaml", "reads:            { per_second: 10, burst: 20, per_day: 50000, per_month: 1000000 }",
      "reads:            { per_second: 10, burst: 20, per_day: 50000, per_month: 1000000, on_counter_outage: refuse }");
  ASSERT_TRUE(copy.load().ok()) << testing::describe(copy.load().errors);
  EXPECT_EQ(changes(diff(OCTOPUS_POLICIES_DIR, copy.dir())),
            "quotas: plan starter: reads when the counters cannot be reached: class default → refuse\n1 change\n");
}

TEST(PolicyDiff, RefusedSetIsReportedAsCheckDoes) {
  PolicyCopy copy;
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 0");
  const auto r = diff(OCTOPUS_POLICIES_DIR, copy.dir());
  EXPECT_EQ(r.status, 1);
  const int line = copy.line_of("privacy.yaml", "minimum_audience_size: 0");
  EXPECT_EQ(r.out, copy.dir().string() + " is refused:\nprivacy.yaml:" + std::to_string(line) +
                       ": /minimum_audience_size: must be at least 1, not the number 0\n");
}

TEST(PolicyDiff, BadUsageExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(run_policy_command({"diff", OCTOPUS_POLICIES_DIR}, out, err), 2);
  EXPECT_NE(err.str().find("Usage: octopus-gateway policy check DIR"), std::string::npos);
}

}  // namespace
}  // namespace octopus::policy
