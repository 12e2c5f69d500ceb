// `policy explain` walks the rules beside the evaluators rather than through them, so these
// tests hold the walk to the evaluators: the same decision and rule on every shipped case
// and on exhaustive grids of questions.
#include "policy/policy_explain.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "policy/policy_case_runner.hpp"
#include "policy/policy_cli.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::PolicyCopy;
using testing::shipped_snapshot;

PolicyCase make_case(CaseQuestion q) {
  PolicyCase c;
  c.file = "grid";
  c.name = "grid";
  c.question = std::move(q);
  return c;
}

void expect_agreement(const PolicySnapshot& s, const PolicyCase& c) {
  const CaseOutcome evaluated = evaluate_case(s, c);
  const Explanation explained = explain_case(s, c);
  EXPECT_EQ(explained.outcome, evaluated) << c.file << ":" << c.line << " " << c.name;
  ASSERT_TRUE(evaluated.error.empty()) << evaluated.error;
  // The deciding rule is among the steps, and marked as deciding.
  const auto rule = evaluated.values.count("rule") ? evaluated.values.at("rule") : std::string();
  if (!rule.empty()) {
    EXPECT_TRUE(std::any_of(explained.steps.begin(), explained.steps.end(),
                            [&](const ExplainStep& st) { return st.rule == rule && st.decides; }))
        << c.name << ": no deciding step for " << rule;
  }
}

TEST(PolicyExplain, AgreesWithTheEvaluatorsOnEveryShippedCase) {
  const auto s = shipped_snapshot();
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(OCTOPUS_POLICIES_DIR) / "tests")) {
    std::vector<PolicyCase> cases;
    ASSERT_TRUE(read_case_file(entry.path(), entry.path().filename().string(), ExpectRequired::yes, cases).empty());
    for (const auto& c : cases) {
      expect_agreement(*s, c);
      ++count;
    }
  }
  EXPECT_GT(count, 50u);
}

TEST(PolicyExplain, AgreesOnEveryConsentQuestion) {
  const auto s = shipped_snapshot();
  for (const auto capability : {Capability::audiences, Capability::deliveries, Capability::triggers})
    for (Channel ch : kChannels)
      for (const auto& purpose : s->consent.purposes)
        for (const auto& category : s->consent.categories)
          for (int state = 0; state < 4; ++state) {
            ConsentQuestion q{capability, ch, purpose, category, {}, {}};
            if (state & 1) q.granted.push_back({purpose, ch, category});
            if (state & 2) q.withdrawn.push_back({purpose, ch, category});
            q.granted.push_back(
                {purpose, ch == Channel::sms ? Channel::push : Channel::sms, category});  // beside the point
            expect_agreement(*s, make_case(q));
          }
}

TEST(PolicyExplain, AgreesOnSendTimesAroundEveryShippedBlackout) {
  const auto s = shipped_snapshot();
  for (const auto& [from, to] :
       {std::pair{"2025-06-05 00:00", "2025-06-12 00:00"}, std::pair{"2026-02-14 00:00", "2026-02-18 00:00"},
        std::pair{"2026-06-04 00:00", "2026-06-13 00:00"}})
    for (std::int64_t t = *parse_local_time(from); t < *parse_local_time(to); t += 15 * 60)
      for (Channel ch : kChannels) expect_agreement(*s, make_case(SendTimeQuestion{ch, t}));
}

TEST(PolicyExplain, AgreesAcrossDaylightSavingAndNeverSendable) {
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: Europe/Berlin");
  copy.replace("fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"01:00\", to: \"02:30\" }");
  copy.replace("fatigue.yaml", "      - { from: \"22:00\", to: \"08:00\" }\n",
               "      - { from: \"00:00\", to: \"00:00\" }\n    never_sendable: true\n");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << testing::describe(result.errors);
  // Berlin skips 02:00-03:00 on 2025-03-30 and repeats 02:00-03:00 on 2025-10-26.
  for (const auto& from : {"2025-03-29 00:00", "2025-10-25 00:00"})
    for (std::int64_t t = *parse_local_time(from); t < *parse_local_time(from) + 3 * 86400; t += 10 * 60)
      for (Channel ch : kChannels) expect_agreement(*result.snapshot, make_case(SendTimeQuestion{ch, t}));
}

TEST(PolicyExplain, AgreesOnFrequencyCapsPrivacyAndCounts) {
  const auto s = shipped_snapshot();
  for (Channel ch : kChannels)
    for (std::uint32_t a = 0; a < 12; a += 1)
      for (std::uint32_t b = 0; b < 12; b += 1)
        for (std::uint32_t c = 0; c < 4; ++c)
          for (std::uint32_t d = 0; d < 4; ++d) expect_agreement(*s, make_case(FrequencyQuestion{ch, {c, a, d, b}}));
  for (const auto& tier : s->privacy.tiers) {
    std::vector<std::string> attributes = s->privacy.attributes;
    attributes.insert(attributes.end(), s->privacy.never_targetable.begin(), s->privacy.never_targetable.end());
    attributes.push_back("not_an_attribute");
    for (const auto& a : attributes) expect_agreement(*s, make_case(AttributeQuestion{tier.name, a}));
  }
  for (unsigned nodes = 0; nodes < 40; ++nodes)
    for (unsigned depth = 0; depth < 8; ++depth) expect_agreement(*s, make_case(SegmentShapeQuestion{nodes, depth}));
  for (std::uint64_t raw = 0; raw < 3000; ++raw) expect_agreement(*s, make_case(CountQuestion{raw}));
  for (std::uint64_t raw : {99'949ull, 99'950ull, 1'234'567ull, 999'999'999'999ull})
    expect_agreement(*s, make_case(CountQuestion{raw}));
  expect_agreement(*s, make_case(QuotaQuestion{"anyone", ""}));
}

TEST(PolicyExplain, PartnerListedInPartnerPlans) {
  PolicyCopy copy;
  copy.replace("quotas.yaml", "partner_plans: {}", "partner_plans:\n  jd-retail: premium");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << testing::describe(result.errors);
  const auto c = make_case(QuotaQuestion{"jd-retail", ""});
  expect_agreement(*result.snapshot, c);
  EXPECT_EQ(evaluate_case(*result.snapshot, c).values.at("rule"), "quotas.partner_plans.jd-retail");
  EXPECT_EQ(evaluate_case(*result.snapshot, c).values.at("plan"), "premium");
}

std::string run_explain(const std::string& case_text, int& status) {
  PolicyCopy copy;
  copy.set_text("case.yaml", case_text);
  std::ostringstream out, err;
  status = run_policy_command(
      {"explain", "--case", (copy.dir() / "case.yaml").string(), "--policies", OCTOPUS_POLICIES_DIR}, out, err);
  return out.str() + err.str();
}

TEST(PolicyExplainCli, PrintsEveryRuleInOrderAndTheDecision) {
  int status = 0;
  const std::string out = run_explain(
      "name: a content partner's SMS offer to a subscriber who agreed\n"
      "kind: consent\ncapability: deliveries\nchannel: sms\npurpose: dpv:DirectMarketing\npartner_category: content\n"
      "granted: [{}]\n",
      status);
  EXPECT_EQ(status, 0) << out;
  const std::string v = shipped_snapshot()->version;
  const auto at = out.find("Rules, in the order the gateway applies them:\n");
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_EQ(
      out.substr(at),
      "Rules, in the order the gateway applies them:\n"
      "  1. consent.channels — passes\n"
      "       policy: channels offered: sms, push, outbound_call\n"
      "       asked:  channel sms\n"
      "  2. consent.capabilities.deliveries.purposes — passes\n"
      "       policy: deliveries may be used for: dpv:DirectMarketing\n"
      "       asked:  purpose dpv:DirectMarketing\n"
      "  3. consent.capabilities.deliveries.channels — passes\n"
      "       policy: deliveries may reach subscribers by: sms, push, outbound_call\n"
      "       asked:  channel sms\n"
      "  4. consent.partner_categories.content.purposes — passes\n"
      "       policy: content partners may state: dpv:DirectMarketing, dpv:Personalisation\n"
      "       asked:  purpose dpv:DirectMarketing\n"
      "  5. consent.partner_categories.content.channels — passes\n"
      "       policy: content partners may use: sms, push\n"
      "       asked:  channel sms\n"
      "  6. consent.withdrawal_overrides_grant — passes\n"
      "       policy:     a withdrawal for dpv:DirectMarketing by sms for content partners beats any grant\n"
      "       subscriber: withdrew nothing\n"
      "  7. consent.capabilities.deliveries.granted — DECIDES: allow\n"
      "       policy:     a grant for exactly dpv:DirectMarketing by sms for content partners allows the contact\n"
      "       subscriber: granted dpv:DirectMarketing by sms for content partners\n"
      "Decision: allow, by rule consent.capabilities.deliveries.granted (policy version " +
          v + ")\n");
}

TEST(PolicyExplainCli, SaysWhetherTheCaseExpectationHolds) {
  int status = 0;
  const std::string out = run_explain(
      "- name: sms on the eve of gaokao\n  kind: send_time\n  channel: sms\n  at: \"2026-06-06 21:30\"\n"
      "  expect: { decision: defer, next_allowed: \"2026-06-11 08:00\", rule: fatigue.quiet_hours.sms }\n"
      "- name: wrong on purpose\n  kind: count\n  raw_count: 50\n"
      "  expect: { decision: publish, rule: privacy.count_rounding }\n",
      status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("  4. fatigue.quiet_hours.sms — DECIDES: defer\n"
                     "       policy: quiet hours for sms: 21:00–08:00\n"
                     "       asked:  2026-06-06 21:30 (Saturday): waits until 2026-06-07 08:00 (Sunday)\n"
                     "  5. fatigue.blackout_dates.gaokao-2026 — also applies\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Decision: defer until 2026-06-11 08:00, by rule fatigue.quiet_hours.sms (policy version " +
                     shipped_snapshot()->version + ")\nThe case expects this: it passes.\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("The case expects otherwise: it fails.\n"
                     "  decision: expected publish, actual suppress\n"
                     "  rule: expected privacy.count_rounding, actual privacy.minimum_audience_size\n"),
            std::string::npos)
      << out;
}

TEST(PolicyExplainCli, BadUsageAndBadCaseFilesExitTwo) {
  int status = 0;
  const std::string out = run_explain("- name: x\n  kind: count\n", status);
  EXPECT_EQ(status, 2);
  EXPECT_NE(out.find("case.yaml:1: /0: the required key 'raw_count' is missing"), std::string::npos) << out;
  std::ostringstream o, e;
  EXPECT_EQ(run_policy_command({"explain"}, o, e), 2);
  EXPECT_EQ(run_policy_command({"explain", "--case"}, o, e), 2);
  EXPECT_EQ(run_policy_command({"explain", "--case", "/nonexistent.yaml"}, o, e), 2);
  EXPECT_NE(e.str().find("/nonexistent.yaml: no such case file"), std::string::npos) << e.str();
}

}  // namespace
}  // namespace octopus::policy
