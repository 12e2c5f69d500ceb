// `policy test`: the shipped cases pass, a changed policy makes the matching case fail,
// every rule the shipped policies can produce has a case, and bad case files are reported
// by file and line.
#include "policy/policy_cases.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "policy/consent_evaluator.hpp"
#include "policy/policy_case_runner.hpp"
#include "policy/policy_cli.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::PolicyCopy;
using testing::shipped_snapshot;

const std::filesystem::path kCasesDir = std::filesystem::path(OCTOPUS_POLICIES_DIR) / "tests";

std::vector<PolicyCase> shipped_cases() {
  std::vector<PolicyCase> cases;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCasesDir))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto errors = read_case_file(f, f.filename().string(), ExpectRequired::yes, cases);
    if (!errors.empty()) throw std::runtime_error("shipped case file refused: " + testing::describe(errors));
  }
  return cases;
}

struct CliRun {
  int status;
  std::string out, err;
};
CliRun run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = run_policy_command(args, out, err);
  return {status, out.str(), err.str()};
}

std::vector<PolicyCase> parse(const std::string& text, PolicyErrors& errors) {
  std::vector<PolicyCase> cases;
  errors = parse_case_file(text, "cases.yaml", ExpectRequired::yes, cases);
  return cases;
}

// ---- the shipped cases ----

TEST(PolicyTest, ShippedCasesPass) {
  const auto r = run({"test", OCTOPUS_POLICIES_DIR});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  const std::string summary = std::to_string(shipped_cases().size()) +
                              " cases: " + std::to_string(shipped_cases().size()) +
                              " passed, 0 failed (policy version " + shipped_snapshot()->version + ")\n";
  EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
}

TEST(PolicyTest, OneLinePerCase) {
  const auto r = run({"test", OCTOPUS_POLICIES_DIR});
  const auto cases = shipped_cases();
  EXPECT_EQ(static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n')), cases.size() + 1);
  EXPECT_NE(r.out.find("PASS  " + (kCasesDir / "fatigue.yaml").generic_string() + ":"), std::string::npos);
}

// A policy change must make the case that pins the changed value fail: otherwise the
// cases would prove nothing.
struct Mutation {
  std::string label, file, from, to, failing_case, mismatch;
};

void PrintTo(const Mutation& m, std::ostream* os) { *os << m.label; }

class PolicyTestMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(PolicyTestMutation, MatchingCaseFails) {
  const Mutation& m = GetParam();
  PolicyCopy copy;
  copy.copy_cases();
  copy.replace(m.file, m.from, m.to);
  ASSERT_TRUE(copy.load().ok()) << testing::describe(copy.load().errors);
  const auto r = run({"test", copy.dir().string()});
  EXPECT_EQ(r.status, 1) << r.out;
  const auto at = r.out.find("  " + m.failing_case + "\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  const auto line_start = r.out.rfind('\n', at);
  EXPECT_EQ(r.out.substr(line_start == std::string::npos ? 0 : line_start + 1, 4), "FAIL") << r.out;
  EXPECT_NE(r.out.find(m.mismatch, at), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" failed (policy version "), std::string::npos);
  EXPECT_EQ(r.out.find(", 0 failed"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Shipped, PolicyTestMutation,
    ::testing::Values(Mutation{"K", "privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 200",
                               "a count of 150 is shown (rounded half up to 200)",
                               "decision: expected publish, actual suppress"},
                      Mutation{"SmsQuietHours", "fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }",
                               "{ from: \"20:00\", to: \"08:00\" }", "an SMS at 20:59 goes out at once",
                               "decision: expected allow, actual defer"},
                      Mutation{"SmsDayCap", "fatigue.yaml", "  sms:\n    per_day: 2", "  sms:\n    per_day: 3",
                               "two SMS today is the most; a third is refused",
                               "rule: expected fatigue.caps.sms.per_day, actual fatigue.caps"},
                      Mutation{"BlackoutEnd", "fatigue.yaml", "to: \"2026-06-10\"", "to: \"2026-06-09\"",
                               "a call on the last day of gaokao 2026 waits until 09:00 on 11 June",
                               "next_allowed: expected 2026-06-11 09:00, actual 2026-06-10 15:00"},
                      Mutation{"BronzeTier", "privacy.yaml", "targetable: [age_band, gender, city]\n",
                               "targetable: [age_band, gender]\n", "bronze partners may target the city",
                               "decision: expected allow, actual deny"},
                      Mutation{"BannedPhrase", "content.yaml", "  - 最佳\n", "", "a banned phrase stops the message",
                               "decision: expected rejected, actual approved"},
                      Mutation{"HumanReview", "content.yaml", "  content: true", "  content: false",
                               "a compliant SMS from a content provider waits for a person's approval",
                               "decision: expected pending_review, actual approved"},
                      Mutation{"PremiumPlan", "quotas.yaml", "per_day: 1000000, per_month: 20000000",
                               "per_day: 2000000, per_month: 20000000", "the premium plan's limits",
                               "limits.deliveries.per_day: expected 1000000, actual 2000000"},
                      Mutation{"AgentChannels", "consent.yaml", "    channels: [sms, outbound_call]",
                               "    channels: [sms, push, outbound_call]", "a sales agent may not send push messages",
                               "rule: expected consent.partner_categories.agent.channels, actual consent.default"}),
    [](const ::testing::TestParamInfo<Mutation>& info) { return info.param.label; });

// ---- every rule has a case ----

// Every rule id the compiled snapshot defines. Keep in step with policy_compiler.cpp: a
// rule added there and not here escapes this test.
std::set<std::string> defined_rules(const PolicySnapshot& s) {
  std::set<std::string> rules;
  const ConsentPolicy& c = s.consent;
  rules.insert({c.channels_rule, c.withdrawal_rule, c.default_rule});
  for (std::size_t i = 0; i < kCapabilityCount; ++i)
    rules.insert({c.capabilities[i].purposes_rule, c.capabilities[i].channels_rule, c.granted_rules[i]});
  for (const auto& a : c.category_allowances) rules.insert({a.purposes_rule, a.channels_rule});
  const PrivacyPolicy& p = s.privacy;
  rules.insert({p.never_targetable_rule, p.k_rule, p.rounding_rule, p.max_nodes_rule, p.max_depth_rule,
                p.segment_ok_rule, p.differencing_rule});
  for (const auto& t : p.tiers) rules.insert(t.rule);
  const FatiguePolicy& f = s.fatigue;
  rules.insert({f.caps_ok_rule, f.overall.day_rule, f.overall.week_rule});
  for (std::size_t i = 0; i < kChannelCount; ++i)
    rules.insert({f.channel_caps[i].day_rule, f.channel_caps[i].week_rule, f.quiet_hours[i].rule,
                  f.quiet_hours[i].never_sendable_rule});
  for (const auto& b : f.blackouts) rules.insert(b.rule);
  const ContentPolicy& ct = s.content;
  rules.insert({ct.banned_rule, ct.links_rule, ct.encoding_rule, ct.characters_rule});
  for (const auto& ch : ct.channels) rules.insert({ch.footer_rule, ch.length_rule});
  rules.insert(ct.human_review_rules.begin(), ct.human_review_rules.end());
  rules.insert(s.quotas.default_plan_rule);
  for (const auto& plan : s.quotas.plans) rules.insert(plan.rule);
  for (const auto& [_, rule] : s.quotas.partner_plan_rules) rules.insert(rule);
  return rules;
}

// Rules no case can make decide under this policy set, each with the reason. Computed from
// the snapshot, not listed by hand, so a policy change that makes one reachable (a channel
// given a footer, never_sendable switched on) demands a case at once.
std::map<std::string, std::string> unreachable_rules(const PolicySnapshot& s) {
  std::map<std::string, std::string> out;
  // Consent: try every question and every subscriber state. A rule that never decides is
  // one whose list allows everything the rules before it let through (consent.channels
  // with every channel offered; internet partners allowed every purpose).
  std::set<std::string> reached;
  for (std::size_t cap = 0; cap < kCapabilityCount; ++cap)
    for (Channel ch : kChannels)
      for (PurposeId p = 0; p < s.consent.purposes.size(); ++p)
        for (CategoryId cat = 0; cat < s.consent.categories.size(); ++cat)
          for (int state = 0; state < 4; ++state) {
            SubscriberConsent sub;
            const auto scope = consent_scope(p, ch, cat);
            if (state & 1) sub.granted.set(scope);
            if (state & 2) sub.withdrawn.set(scope);
            reached.insert(std::string(evaluate_consent(s, {static_cast<Capability>(cap), ch, p, cat}, sub).rule));
          }
  for (const auto& rule : defined_rules(s))
    if (rule.rfind("consent.", 0) == 0 && !reached.count(rule))
      out[rule] = "no request reaches it: what it allows covers everything the rules before it let through";
  for (std::size_t i = 0; i < kChannelCount; ++i) {
    if (!s.fatigue.quiet_hours[i].never_sendable)
      out[s.fatigue.quiet_hours[i].never_sendable_rule] = "decides only when never_sendable: true";
    if (!s.content.channels[i].required_footer)
      out[s.content.channels[i].footer_rule] = "the channel has no required footer";
  }
  // A case file is YAML, and YAML holds only valid UTF-8, so a case cannot carry the
  // broken text this rule is for; content_test.cpp (InvalidUtf8IsRefused) covers it.
  out[s.content.encoding_rule] = "a YAML case file cannot hold invalid UTF-8";
  // Differencing compares two engine counts; tests/integration/audience_test.cpp covers it.
  out[s.privacy.differencing_rule] = "decided from the partner's earlier counts, which a case cannot hold";
  return out;
}

TEST(PolicyTest, EveryRuleTheShippedPoliciesCanProduceHasACase) {
  const auto s = shipped_snapshot();
  std::set<std::string> expected;
  for (const auto& c : shipped_cases())
    for (const auto& rule : expected_rules(c)) expected.insert(rule);
  const auto defined = defined_rules(*s);
  const auto unreachable = unreachable_rules(*s);
  for (const auto& rule : defined) {
    if (auto it = unreachable.find(rule); it != unreachable.end()) {
      EXPECT_FALSE(expected.count(rule)) << rule << " was thought unreachable (" << it->second
                                         << ") but a case expects it";
      continue;
    }
    EXPECT_TRUE(expected.count(rule)) << "no case in policies/tests expects the rule " << rule;
  }
  for (const auto& rule : expected) EXPECT_TRUE(defined.count(rule)) << "a case expects the unknown rule " << rule;
  // The exemptions stay few and known; a new one deserves a look. Today: consent.channels,
  // consent.capabilities.{audiences,deliveries}.channels, consent.partner_categories.internet.purposes,
  // the three never_sendable rules, the push and call footers, content.encoding,
  // privacy.differencing.
  EXPECT_EQ(unreachable.size(), 11u);
}

// Rules that can allow as well as deny need a case for each way.
TEST(PolicyTest, RulesThatCanGoBothWaysHaveBoth) {
  std::map<std::string, std::set<std::string>> decisions;
  for (const auto& c : shipped_cases())
    if (auto it = c.expect.find("decision"); it != c.expect.end())
      for (const auto& rule : expected_rules(c)) decisions[rule].insert(it->second);
  for (const auto& t : shipped_snapshot()->privacy.tiers)
    EXPECT_EQ(decisions[t.rule], (std::set<std::string>{"allow", "deny"})) << t.rule;
  for (const auto& q : shipped_snapshot()->fatigue.quiet_hours)
    EXPECT_EQ(decisions[q.rule], (std::set<std::string>{"allow", "defer"})) << q.rule;
  EXPECT_EQ(decisions["privacy.minimum_audience_size"], std::set<std::string>{"suppress"});
  EXPECT_EQ(decisions["privacy.count_rounding"], std::set<std::string>{"publish"});
}

// ---- case files an officer gets wrong ----

TEST(PolicyCaseFile, ErrorsNameFileLineAndPlace) {
  PolicyErrors errors;
  parse(
      "- name: one\n"
      "  kind: frequncy\n"
      "  expect: { decision: deny, rule: x }\n"
      "- name: two\n"
      "  kind: send_time\n"
      "  channel: fax\n"
      "  at: \"2026-02-30 10:00\"\n"
      "  expect:\n"
      "    decison: defer\n"
      "    rule: fatigue.quiet_hours.sms\n"
      "- name: three\n"
      "  kind: count\n"
      "  raw_count: -5\n",
      errors);
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.to_string());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "cases.yaml:2: /0/kind: must be one of consent, send_time, frequency, attribute, segment_shape, "
                       "count, content, quota, not 'frequncy'",
                       "cases.yaml:6: /1/channel: must be one of sms, push, outbound_call, not 'fax'",
                       "cases.yaml:7: /1/at: '2026-02-30 10:00' is not a local time written as \"YYYY-MM-DD HH:MM\"",
                       "cases.yaml:9: /1/expect/decison: unknown key 'decison'; the keys allowed here are decision, "
                       "next_allowed, rule",
                       "cases.yaml:8: /1/expect: the required key 'decision' is missing",
                       "cases.yaml:13: /2/raw_count: must be a whole number from 0 to 1000000000000, not the number -5",
                       "cases.yaml:11: /2: the required key 'expect' is missing: say what the policy should decide, "
                       "and by which rule",
                   }));
}

TEST(PolicyCaseFile, NotYamlOrNotCases) {
  PolicyErrors errors;
  parse("- name: a\n  kind: [unclosed\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("not valid YAML"), std::string::npos);
  parse("just some text\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(),
            "cases.yaml:1: holds no cases: a case file is a list of cases, each starting with \"- name:\"");
  parse("- 42\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "cases.yaml:1: /0: a case must be a mapping starting with name:, not the number 42");
}

TEST(PolicyCaseFile, KindSpecificShapes) {
  PolicyErrors errors;
  parse(
      "- name: q\n  kind: quota\n  partner: a\n  plan: b\n  expect: { plan: b, rule: r }\n"
      "- name: c\n  kind: content\n  channel: sms\n  partner_category: app\n  text: hi\n  expect: { decision: rejected "
      "}\n"
      "- name: f\n  kind: frequency\n  channel: sms\n  already_sent: { all_channels: { today: x } }\n"
      "  expect: { decision: deny, rule: r }\n",
      errors);
  std::vector<std::string> lines;
  for (const auto& e : errors) lines.push_back(e.to_string());
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "cases.yaml:1: /0: a quota case names either a partner (which plan is it on?) or a plan (what "
                "are its limits?)",
                "cases.yaml:11: /1/expect: the required key 'rule' (or 'rules', a list) is missing",
                "cases.yaml:15: /2/already_sent/all_channels/today: must be a whole number from 0 to 4294967295, "
                "not 'x'",
            }));
}

TEST(PolicyCaseFile, ConsentScopesDefaultToTheQuestion) {
  PolicyErrors errors;
  const auto cases = parse(
      "- name: c\n  kind: consent\n  capability: deliveries\n  channel: sms\n"
      "  purpose: dpv:DirectMarketing\n  partner_category: content\n"
      "  granted: [{ channel: push }]\n  expect: { decision: deny, rule: consent.default }\n",
      errors);
  ASSERT_TRUE(errors.empty()) << testing::describe(errors);
  const auto& q = std::get<ConsentQuestion>(cases.at(0).question);
  ASSERT_EQ(q.granted.size(), 1u);
  EXPECT_EQ(q.granted[0].purpose, "dpv:DirectMarketing");
  EXPECT_EQ(q.granted[0].channel, Channel::push);
  EXPECT_EQ(q.granted[0].partner_category, "content");
  EXPECT_EQ(cases[0].line, 1);
}

TEST(PolicyCaseFile, NamesUnknownToThePolicyFailTheCase) {
  PolicyErrors errors;
  const auto cases = parse(
      "- name: c\n  kind: attribute\n  tier: platinum\n  attribute: city\n"
      "  expect: { decision: allow, rule: privacy.tiers.platinum.targetable }\n",
      errors);
  ASSERT_TRUE(errors.empty());
  std::ostringstream out;
  const auto summary = run_cases(*shipped_snapshot(), cases, out);
  EXPECT_EQ(summary.failed, 1u);
  EXPECT_EQ(out.str(), "FAIL  cases.yaml:1  c\n        cannot run: the policy set has no tier 'platinum'\n");
}

// ---- the command ----

TEST(PolicyTestCli, MalformedCaseFileExitsTwoAndRunsNothing) {
  PolicyCopy copy;
  copy.copy_cases();
  copy.set_text("tests/zz-broken.yaml",
                "- name: broken\n  kind: count\n  raw_count: lots\n  expect: { decision: publish, rule: r }\n");
  const auto r = run({"test", copy.dir().string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find((copy.dir() / "tests" / "zz-broken.yaml").generic_string() +
                       ":3: /0/raw_count: must be a whole number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no case was run"), std::string::npos);
}

TEST(PolicyTestCli, RefusedPolicySetExitsOne) {
  PolicyCopy copy;
  copy.copy_cases();
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 0");
  const auto r = run({"test", copy.dir().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("is refused, so no case was run:\nprivacy.yaml:"), std::string::npos) << r.out;
}

TEST(PolicyTestCli, UsageAndMissingDirectoriesExitTwo) {
  EXPECT_EQ(run({"test"}).status, 2);
  EXPECT_EQ(run({"test", "a", "b"}).status, 2);
  EXPECT_EQ(run({"test", "/nonexistent/policies"}).status, 2);
  PolicyCopy without_cases;
  const auto r = run({"test", without_cases.dir().string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not a directory of test cases"), std::string::npos);
}

}  // namespace
}  // namespace octopus::policy
