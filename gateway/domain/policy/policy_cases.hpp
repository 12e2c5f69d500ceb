// Officers' test cases (policies/tests/*.yaml): a question put to the policy and the answer
// the officer expects. This file only reads case files; policy_case_runner answers the
// questions with the real evaluators, policy_explain shows how the answer came about.
//
// Names that depend on the policy set (purposes, partner categories, tiers, plans) are kept
// as text here and resolved when the case runs: a case naming a purpose the policy no
// longer has is then a failing case, not a malformed file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/frequency_caps.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_types.hpp"

namespace octopus::policy {

// One purpose × channel × partner category a subscriber granted or withdrew.
struct ConsentScopeName {
  std::string purpose;
  Channel channel = Channel::sms;
  std::string partner_category;
};

struct ConsentQuestion {
  Capability capability = Capability::deliveries;
  Channel channel = Channel::sms;
  std::string purpose;
  std::string partner_category;
  std::vector<ConsentScopeName> granted, withdrawn;
};
struct SendTimeQuestion {
  Channel channel = Channel::sms;
  std::int64_t local = 0;  // wall-clock seconds since 1970-01-01 in the policy time zone
};
struct FrequencyQuestion {
  Channel channel = Channel::sms;
  ContactCounts already_sent;
};
struct AttributeQuestion {
  std::string tier, attribute;
};
struct SegmentShapeQuestion {
  unsigned nodes = 0, depth = 0;
};
struct CountQuestion {
  std::uint64_t raw = 0;
};
struct ContentQuestion {
  Channel channel = Channel::sms;
  std::string partner_category;
  std::string text;
};
struct QuotaQuestion {  // exactly one of the two is set
  std::string partner;  // which plan is this partner on?
  std::string plan;     // what are the limits of this plan?
};

// The alternatives are in CaseKind order.
using CaseQuestion = std::variant<ConsentQuestion, SendTimeQuestion, FrequencyQuestion, AttributeQuestion,
                                  SegmentShapeQuestion, CountQuestion, ContentQuestion, QuotaQuestion>;
enum class CaseKind : std::uint8_t { consent, send_time, frequency, attribute, segment_shape, count, content, quota };
std::string_view to_string(CaseKind kind);

// Outcomes as field → value in one canonical text form, so an expectation and an actual
// outcome compare as plain strings: "decision" → "defer", "rule" → "fatigue.quiet_hours.sms",
// "next_allowed" → "2026-06-11 08:00", "limits.deliveries.per_day" → "20000". Content keeps
// its broken rules under "rules", sorted, distinct and joined by ", ".
using CaseValues = std::map<std::string, std::string>;

struct PolicyCase {
  std::string file;  // as it should be shown: "policies/tests/consent.yaml"
  int line = 0;      // of the case's "- name:" line
  std::string name;
  CaseQuestion question;
  CaseValues expect;  // empty when the file has none (allowed for `policy explain` only)

  CaseKind kind() const { return static_cast<CaseKind>(question.index()); }
};

enum class ExpectRequired : bool { no, yes };

// Parses a case file: a list of cases, or (for a single case) one case. Everything wrong is
// reported as FILE:LINE: /WHERE: WHAT; `out` receives only the cases of an error-free file.
PolicyErrors parse_case_file(std::string_view text, const std::string& file, ExpectRequired expect,
                             std::vector<PolicyCase>& out);
PolicyErrors read_case_file(const std::filesystem::path& path, const std::string& shown_as, ExpectRequired expect,
                            std::vector<PolicyCase>& out);

// The rule ids a case expects: its "rule", or each of its "rules".
std::vector<std::string> expected_rules(const PolicyCase& c);

// "2026-06-07 21:30" ⇄ wall-clock seconds since 1970-01-01.
std::optional<std::int64_t> parse_local_time(std::string_view text);
std::string format_local_time(std::int64_t local);
// Whole numbers without a decimal point (a rate of 10 reads "10", not "10.000000").
std::string format_number(double value);

}  // namespace octopus::policy
