// `policy explain`: how a case's decision came about, rule by rule, for a compliance officer.
//
// The evaluators stay as they are (allocation-free, no tracing on the per-subscriber path);
// explain_case() walks the same rules in the same order and writes down what it sees. That
// the walk reaches the evaluators' decision is tested on every shipped case and on
// exhaustive grids (tests/unit/policy/policy_explain_test.cpp), so the explanation cannot
// quietly drift from what the gateway does.
#pragma once
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "policy/policy_case_runner.hpp"
#include "policy/policy_cases.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct ExplainStep {
  std::string rule;    // "fatigue.caps.sms.per_day"
  std::string result;  // "passes", "DECIDES: deny", "BROKEN", "also applies"
  bool decides = false;
  std::vector<std::pair<std::string, std::string>> facts;  // ("policy", "at most 2 sms a day"), ("asked", ...)
};

struct Explanation {
  std::string question;  // the case's question in words
  std::vector<ExplainStep> steps;
  CaseOutcome outcome;  // in the form evaluate_case() gives, so the two can be compared
};

Explanation explain_case(const PolicySnapshot& snapshot, const PolicyCase& c);

// The explanation as the CLI prints it, ending with the decision, its rule and the version;
// when the case states an expectation, also whether the decision matches it.
void print_explanation(const PolicySnapshot& snapshot, const PolicyCase& c, const Explanation& e, std::ostream& out);

}  // namespace octopus::policy
