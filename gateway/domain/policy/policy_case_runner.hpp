// Puts officers' cases (policy_cases.hpp) to a policy snapshot through the same evaluators
// the gateway uses, and compares what they decide with what each case expects.
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "policy/consent_evaluator.hpp"
#include "policy/policy_cases.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

// What the policy decided, in the keys and text form of an expectation (CaseValues).
struct CaseOutcome {
  CaseValues values;
  std::string error;  // non-empty: the case cannot be put to this policy set (e.g. unknown purpose)

  bool operator==(const CaseOutcome&) const = default;
};

CaseOutcome evaluate_case(const PolicySnapshot& snapshot, const PolicyCase& c);

struct CaseMismatch {
  std::string key, expected, actual;
};
// Only the keys the case states are compared: a case says as much as the officer cares about.
std::vector<CaseMismatch> compare_outcome(const CaseValues& expected, const CaseOutcome& actual);

struct CaseRunSummary {
  std::size_t passed = 0, failed = 0;
};
// One "PASS/FAIL  FILE:LINE  NAME" line per case, each failure followed by what differed.
CaseRunSummary run_cases(const PolicySnapshot& snapshot, const std::vector<PolicyCase>& cases, std::ostream& out);

// Case names → the snapshot's ids; shared with policy_explain so both ask the same question.
// nullopt with `error` set when the policy set does not know a name.
std::optional<ConsentRequest> resolve_consent(const PolicySnapshot& snapshot, const ConsentQuestion& q,
                                              SubscriberConsent& subscriber, std::string& error);
std::optional<CategoryId> resolve_category(const PolicySnapshot& snapshot, const std::string& name, std::string& error);
std::optional<TierId> resolve_tier(const PolicySnapshot& snapshot, const std::string& name, std::string& error);
const QuotaPlan* resolve_plan(const PolicySnapshot& snapshot, const std::string& name, std::string& error);

// The fields a quota outcome reports for a plan: "limits.deliveries.per_day" → "20000", ...
void add_plan_limits(const QuotaPlan& plan, CaseValues& values);

}  // namespace octopus::policy
