// Loading, validating and versioning a policy set: the shipped defaults are accepted, and
// each small mutation of them that breaks a rule is refused naming file, line and rule.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <chrono>

#include "policy/policy_set.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::describe;
using testing::PolicyCopy;

TEST(PolicyLoad, ShippedSetLoadsAndCompiles) {
  const auto result = load_policies(OCTOPUS_POLICIES_DIR);
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  const PolicySnapshot& s = *result.snapshot;
  EXPECT_EQ(s.version.size(), 16u);
  EXPECT_EQ(s.version.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(s.consent.purposes,
            (std::vector<std::string>{"dpv:DirectMarketing", "dpv:Personalisation", "dpv:ServiceOptimisation"}));
  EXPECT_EQ(s.consent.categories, (std::vector<std::string>{"agent", "app", "content", "internet"}));
  EXPECT_EQ(s.privacy.minimum_audience_size, 100u);
  EXPECT_EQ(s.fatigue.zone.name(), "Asia/Shanghai");
  EXPECT_EQ(s.content.channels[0].required_footer.value_or(""), "回复TD退订");
  EXPECT_EQ(s.plan_for("anyone").name, "starter");
  // Settlement windows: a product of a class has the class's, any other the defaults.
  EXPECT_EQ(s.settlement.windows_for("DATA-20G").attribution, std::chrono::hours(24 * 3));
  EXPECT_EQ(s.settlement.windows_for("DATA-20G").reversal, std::chrono::hours(24 * 7));
  EXPECT_EQ(s.settlement.windows_for("DATA-20G").rule, "settlement.product_classes.add_ons");
  EXPECT_EQ(s.settlement.windows_for("5G-PLUS").attribution, std::chrono::hours(24 * 7));
  EXPECT_EQ(s.settlement.windows_for("5G-PLUS").rule, "settlement.default");
  EXPECT_EQ(s.settlement.longest_attribution(), std::chrono::hours(24 * 14));
}

TEST(PolicyLoad, SameContentGivesSameVersionWhateverTheComments) {
  PolicyCopy copy;
  const auto before = copy.load();
  ASSERT_TRUE(before.ok()) << describe(before.errors);
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 100   # agreed with legal, 2025");
  copy.replace("consent.yaml", "# CONSENT POLICY", "# CONSENT POLICY (reviewed)");
  // Layout and quoting of text are not content either.
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: \"Asia/Shanghai\"");
  copy.replace("content.yaml", "\ninclude_subdomains: true", "\ninclude_subdomains:\n  true");
  const auto after = copy.load();
  ASSERT_TRUE(after.ok()) << describe(after.errors);
  EXPECT_EQ(before.snapshot->version, after.snapshot->version);
}

TEST(PolicyLoad, AnyValueChangeGivesANewVersion) {
  PolicyCopy copy;
  const auto base = copy.load();
  ASSERT_TRUE(base.ok());
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 101");
  const auto k_changed = copy.load();
  ASSERT_TRUE(k_changed.ok()) << describe(k_changed.errors);
  EXPECT_NE(base.snapshot->version, k_changed.snapshot->version);

  copy.replace("privacy.yaml", "minimum_audience_size: 101", "minimum_audience_size: 100");
  copy.replace("fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"20:00\", to: \"08:00\" }");
  const auto quiet_changed = copy.load();
  ASSERT_TRUE(quiet_changed.ok()) << describe(quiet_changed.errors);
  EXPECT_NE(base.snapshot->version, quiet_changed.snapshot->version);
  EXPECT_NE(k_changed.snapshot->version, quiet_changed.snapshot->version);
}

TEST(PolicyLoad, UnquotedTimesAndDatesAreReadAsText) {
  // YAML 1.1 would read 21:00 as the number 1260 and a date as a timestamp.
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: 21:00, to: 08:00 }");
  copy.replace("fatigue.yaml", "from: \"2026-06-07\"", "from: 2026-06-07");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  EXPECT_EQ(result.snapshot->fatigue.quiet_hours[0].windows[0].from_minute, 21 * 60);
}

// Found by the policy-pipeline fuzzer: bytes that are not UTF-8 inside a description passed
// the schema and then broke the version hash (an uncaught exception: a reload would have
// ended the gateway). They are refused at the line they are on.
TEST(PolicyLoad, TextThatIsNotUtf8IsRefusedWithItsLine) {
  PolicyCopy copy;
  copy.replace("privacy.yaml", "age_band: \"Age band, e.g. 25-34\"", "age_band: \"Age band \x9b\xff\"");
  const auto result = copy.load();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(describe(result.errors).find("not valid UTF-8"), std::string::npos) << describe(result.errors);
  EXPECT_NE(describe(result.errors).find("privacy.yaml:"), std::string::npos) << describe(result.errors);
  PolicyCopy key;
  key.replace("privacy.yaml", "  gender: \"Gender as registered\"",
              "  gen\xc0\xaf"
              "der: \"Gender\"");
  EXPECT_NE(describe(key.load().errors).find("a key is not valid UTF-8"), std::string::npos);
}

TEST(PolicyLoad, AChannelQuietAllDayIsAcceptedWhenStated) {
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "      - { from: \"12:00\", to: \"14:00\" }\n      - { from: \"20:00\", to: \"09:00\" }",
               "      - { from: \"00:00\", to: \"00:00\" }\n    never_sendable: true");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  EXPECT_TRUE(result.snapshot->fatigue.quiet_hours[2].never_sendable);
}

TEST(PolicyLoad, MissingFileIsNamed) {
  PolicyCopy copy;
  std::filesystem::remove(copy.dir() / "quotas.yaml");
  const auto result = copy.load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << describe(result.errors);
  EXPECT_EQ(result.errors[0].to_string(),
            "quotas.yaml: file is missing (expected " + (copy.dir() / "quotas.yaml").string() + ")");
}

TEST(PolicyLoad, MissingDirectoryIsRefused) {
  const auto result = load_policies("/nonexistent/policies");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].to_string(), "/nonexistent/policies: is not a directory of policy files");
}

TEST(PolicyLoad, EmptyFileIsRefused) {
  PolicyCopy copy;
  copy.set_text("consent.yaml", "# nothing yet\n");
  const auto result = copy.load();
  ASSERT_EQ(result.errors.size(), 1u) << describe(result.errors);
  EXPECT_EQ(result.errors[0].to_string(), "consent.yaml:1: must be a mapping (key: value lines), not empty");
}

TEST(PolicyLoad, MalformedYamlNamesTheFileAndLine) {
  PolicyCopy copy;
  copy.replace("consent.yaml", "\ndefault: deny", "\ndefault: [deny");
  const auto result = copy.load();
  ASSERT_EQ(result.errors.size(), 1u) << describe(result.errors);
  EXPECT_EQ(result.errors[0].file, "consent.yaml");
  EXPECT_GT(result.errors[0].line, 0);
  EXPECT_NE(result.errors[0].message.find("not valid YAML"), std::string::npos) << result.errors[0].message;
}

TEST(PolicyLoad, ErrorsInSeveralFilesAreAllReported) {
  PolicyCopy copy;
  copy.replace("privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 0");
  copy.replace("quotas.yaml", "default_plan: starter", "default_plan: 7");
  // A cross-file or semantic problem in a file that matches its schema shows in the same run.
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: Asia/Shangai");
  const auto result = copy.load();
  ASSERT_EQ(result.errors.size(), 3u) << describe(result.errors);
  EXPECT_EQ(result.errors[0].file, "privacy.yaml");
  EXPECT_EQ(result.errors[1].file, "quotas.yaml");
  EXPECT_EQ(result.errors[2].file, "fatigue.yaml");
  EXPECT_EQ(result.errors[2].pointer, "/time_zone");
}

// ------------------------------------------------------------------------------------------
// Invalid sets: one mutation each, one expected error each.

struct InvalidCase {
  const char* name;
  const char* file;
  const char* from;     // text of the shipped file to replace (must occur once)
  const char* to;       // its replacement
  const char* anchor;   // the error's line is the line of this text in the mutated file
  const char* pointer;  // expected JSON pointer
  const char* message;  // expected message
  std::size_t errors = 1;
};

std::ostream& operator<<(std::ostream& os, const InvalidCase& c) { return os << c.name; }

class InvalidPolicySet : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidPolicySet, IsRefusedWithFileLineAndRule) {
  const InvalidCase& c = GetParam();
  PolicyCopy copy;
  copy.replace(c.file, c.from, c.to);
  const auto result = copy.load();
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), c.errors) << describe(result.errors);
  const int line = copy.line_of(c.file, c.anchor);
  ASSERT_GT(line, 0) << "anchor not found";
  const std::string expected = std::string(c.file) + ":" + std::to_string(line) + ": " + c.pointer + ": " + c.message;
  EXPECT_EQ(result.errors[0].to_string(), expected) << describe(result.errors);
}

const InvalidCase kInvalidCases[] = {
    // --- consent.yaml
    {"ConsentDefaultAllow", "consent.yaml", "\ndefault: deny", "\ndefault: allow", "\ndefault: allow", "/default",
     "must be 'deny', not 'allow' (without consent on record the answer is always deny)"},
    {"WithdrawalCannotBeSwitchedOff", "consent.yaml", "withdrawal_overrides_grant: true",
     "withdrawal_overrides_grant: false", "withdrawal_overrides_grant", "/withdrawal_overrides_grant",
     "must be true, not false (a withdrawal always beats an earlier grant)"},
    {"UnknownChannel", "consent.yaml", "  - outbound_call\n", "  - fax\n", "  - fax", "/channels/2",
     "must be one of sms, push, outbound_call, not 'fax'"},
    {"ChannelListedTwice", "consent.yaml", "  - outbound_call\n", "  - sms\n", "  - push\n  - sms", "/channels/2",
     "'sms' is listed twice"},
    {"PurposeNotADpvIdentifier", "consent.yaml",
     "  dpv:ServiceOptimisation:", "  ServiceOptimisation:", "  ServiceOptimisation:", "/purposes/ServiceOptimisation",
     "'ServiceOptimisation' is not an accepted name here: purpose names are W3C DPV identifiers such as "
     "dpv:DirectMarketing"},
    {"UndeclaredPurpose", "consent.yaml", "  deliveries:\n    purposes: [dpv:DirectMarketing]",
     "  deliveries:\n    purposes: [dpv:DirectMarketting]", "[dpv:DirectMarketting]",
     "/capabilities/deliveries/purposes/0", "the purpose 'dpv:DirectMarketting' is not declared under purposes"},
    {"ChannelNotOffered", "consent.yaml", "  - push\n", "", "    channels: [sms, push, outbound_call]",
     "/capabilities/audiences/channels/1", "the channel 'push' is not offered (it is not listed under channels)", 6},
    {"UnknownKeyInCategory", "consent.yaml", "    channels: [push]\n", "    channels: [push]\n    priority: high\n",
     "    priority: high", "/partner_categories/app/priority",
     "unknown key 'priority'; the keys allowed here are channels, description, purposes"},
    // --- privacy.yaml
    {"KBelowOne", "privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 0", "minimum_audience_size",
     "/minimum_audience_size", "must be at least 1, not the number 0"},
    {"KAsText", "privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: \"100\"", "minimum_audience_size",
     "/minimum_audience_size", "must be a whole number, not the text '100'"},
    {"KAsDecimal", "privacy.yaml", "minimum_audience_size: 100", "minimum_audience_size: 99.5", "minimum_audience_size",
     "/minimum_audience_size", "must be a whole number, not the decimal number 99.5"},
    {"NeverTargetableAttributeInTier", "privacy.yaml",
     "arpu_band, data_usage_band, app_category_interest, roaming_status]",
     "arpu_band, data_usage_band, app_category_interest, roaming_status, religion]", "roaming_status, religion]",
     "/tiers/gold/targetable/10",
     "'religion' is never targetable (listed under never_targetable), so tier gold may not target it"},
    {"AttributeNotInDictionary", "privacy.yaml", "targetable: [age_band, gender, city]\n",
     "targetable: [age_band, gender, city, shoe_size]\n", "shoe_size", "/tiers/bronze/targetable/3",
     "'shoe_size' is not in the attribute dictionary (attributes)"},
    {"RoundingCoarserThanK", "privacy.yaml", "  multiple: 100", "  multiple: 500", "  multiple: 500",
     "/count_rounding/multiple",
     "rounding to multiples of 500 is coarser than minimum_audience_size (100): counts that may be shown would be "
     "rounded down to 0"},
    {"DepthBeyondNodes", "privacy.yaml", "max_nodes: 32", "max_nodes: 3", "max_depth: 4", "/segment_limits/max_depth",
     "max_depth (4) cannot be reached with max_nodes 3; it must not be larger than max_nodes"},
    {"DuplicateKey", "privacy.yaml", "minimum_audience_size: 100",
     "minimum_audience_size: 100\nminimum_audience_size: 50", "minimum_audience_size: 50", "/minimum_audience_size",
     "the key 'minimum_audience_size' appears twice"},
    {"MissingRequiredKey", "privacy.yaml", "  significant_figures: 2\n", "", "count_rounding:", "/count_rounding",
     "the required key 'significant_figures' is missing"},
    // --- fatigue.yaml
    {"UnknownTimeZone", "fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: Asia/Shangai",
     "time_zone:", "/time_zone", "unknown time zone 'Asia/Shangai' (use an IANA name such as Asia/Shanghai)"},
    {"DailyCapAboveWeekly", "fatigue.yaml", "    per_day: 2\n    per_week: 5", "    per_day: 6\n    per_week: 5",
     "    per_day: 6", "/caps/sms/per_day", "per_day (6) is larger than per_week (5)"},
    {"UnknownCapKey", "fatigue.yaml", "    per_day: 2\n", "    per_month: 20\n    per_day: 2\n", "per_month",
     "/caps/sms/per_month", "unknown key 'per_month'; the keys allowed here are per_day, per_week"},
    {"QuietAllDayUnstated", "fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"08:00\", to: \"08:00\" }",
     "quiet_hours:\n  sms:", "/quiet_hours/sms",
     "the quiet hours of sms cover the whole day, so nothing could ever be sent; if that is intended, add "
     "never_sendable: true"},
    {"QuietAllDayByTwoWindows", "fatigue.yaml", "      - { from: \"22:00\", to: \"08:00\" }\n",
     "      - { from: \"22:00\", to: \"08:00\" }\n      - { from: \"08:00\", to: \"22:00\" }\n",
     "to: \"08:00\" }\n  push:", "/quiet_hours/push",
     "the quiet hours of push cover the whole day, so nothing could ever be sent; if that is intended, add "
     "never_sendable: true"},
    {"NeverSendableButWindowsLeaveTime", "fatigue.yaml", "      - { from: \"20:00\", to: \"09:00\" }\n",
     "      - { from: \"20:00\", to: \"09:00\" }\n    never_sendable: true\n", "    never_sendable: true",
     "/quiet_hours/outbound_call/never_sendable",
     "never_sendable is true but the windows of outbound_call leave times to send; make one window cover the whole "
     "day (from equal to to)"},
    {"TimeOutOfRange", "fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"25:00\", to: \"08:00\" }",
     "25:00", "/quiet_hours/sms/windows/0/from",
     "'25:00' is not a time of day written \"HH:MM\", from \"00:00\" to \"23:59\""},
    {"ImpossibleDate", "fatigue.yaml", "    from: \"2026-02-16\"", "    from: \"2026-02-30\"", "2026-02-30",
     "/blackout_dates/2/from", "'2026-02-30' is not a real date"},
    {"BlackoutEndsBeforeStart", "fatigue.yaml", "    to: \"2026-06-10\"", "    to: \"2026-06-01\"", "2026-06-01",
     "/blackout_dates/1/to", "the blackout ends (2026-06-01) before it starts (2026-06-07)"},
    {"BlackoutNameReused", "fatigue.yaml", "  - name: gaokao-2026", "  - name: gaokao-2025",
     "to: \"2025-06-10\"\n    channels: [sms, push, outbound_call]\n  - name: gaokao-2025", "/blackout_dates/1/name",
     "the blackout name 'gaokao-2025' is already used by blackout_dates item 0"},
    {"BlackoutUnknownChannel", "fatigue.yaml", "    channels: [outbound_call]", "    channels: [outbound_call, mms]",
     "[outbound_call, mms]", "/blackout_dates/2/channels/1", "must be one of sms, push, outbound_call, not 'mms'"},
    // --- content.yaml
    {"ReviewForUnknownCategory", "content.yaml", "  agent: true", "  agent: true\n  reseller: true", "  reseller",
     "/human_review/reseller", "'reseller' is not a partner category (see partner_categories in consent.yaml)"},
    {"ReviewSilentOnCategory", "content.yaml", "  app: false\n", "", "human_review:", "/human_review",
     "says nothing about partner category 'app' (consent.yaml); add app: true or false"},
    {"LinkDomainWithScheme", "content.yaml", "  - 10086.cn", "  - https://10086.cn", "https://10086.cn",
     "/allowed_link_domains/0",
     "'https://10086.cn' is not a lower-case domain name such as 10086.cn, without http:// or a path"},
    {"FooterContainsBannedPhrase", "content.yaml", "  - 点击领取", "  - 点击领取\n  - 退订", "required_footer: \"",
     "/channels/sms/required_footer", "the footer contains the banned phrase '退订'"},
    {"NoSegmentsAllowed", "content.yaml", "max_segments: 3", "max_segments: 0", "max_segments: 0",
     "/channels/sms/max_segments", "must be at least 1, not the number 0"},
    {"SubdomainFlagNotBoolean", "content.yaml", "\ninclude_subdomains: true", "\ninclude_subdomains: yes",
     "include_subdomains: yes", "/include_subdomains", "must be true or false, not the text 'yes'"},
    // --- quotas.yaml
    {"DefaultPlanUndefined", "quotas.yaml", "default_plan: starter", "default_plan: gold", "default_plan",
     "/default_plan", "the plan 'gold' is not defined under plans (defined: premium, standard, starter)"},
    {"PartnerPlanUndefined", "quotas.yaml", "partner_plans: {}", "partner_plans:\n  jd-retail: platinum",
     "  jd-retail: platinum", "/partner_plans/jd-retail",
     "partner jd-retail refers to the plan 'platinum', which is not defined under plans (defined: premium, standard, "
     "starter)"},
    {"DailyQuotaAboveMonthly", "quotas.yaml", "per_day: 500, per_month: 10000 }", "per_day: 50000, per_month: 10000 }",
     "per_day: 50000, per_month: 10000 }", "/plans/starter/audience_queries/per_day",
     "per_day (50000) is larger than per_month (10000)"},
    {"ZeroRate", "quotas.yaml", "reads:            { per_second: 10,", "reads:            { per_second: 0,",
     "per_second: 0,", "/plans/starter/reads/per_second", "must be more than 0, not the number 0"},
    {"MissingCapabilityClass", "quotas.yaml",
     "    resource_admin:   { per_second: 1, burst: 5, per_day: 200, per_month: 2000 }\n", "",
     "  starter:", "/plans/starter", "the required key 'resource_admin' is missing"},
    // --- settlement.yaml
    {"ProductInTwoClasses", "settlement.yaml", "products: [BROADBAND-1000, FAMILY-SHARE]",
     "products: [BROADBAND-1000, DATA-20G]", "products: [BROADBAND-1000, DATA-20G]", "/product_classes/home/products/1",
     "the product DATA-20G is already in the class 'add_ons'; a product may be in one class at most"},
    {"MergeKeyRefused", "quotas.yaml", "partner_plans: {}", "partner_plans:\n  <<: {a: b}", "<<", "/partner_plans",
     "YAML merge keys (<<) are not supported; write the values out"},
};

INSTANTIATE_TEST_SUITE_P(Mutations, InvalidPolicySet, ::testing::ValuesIn(kInvalidCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace octopus::policy
