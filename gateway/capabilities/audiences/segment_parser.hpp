// Turns a partner's segment JSON into a SegmentNode, or says exactly what is wrong and where
// (an RFC 6901 pointer into the request body). Two kinds of problem are kept apart: a
// segment that breaks the grammar (`malformed`: fix the request) and one the privacy policy
// refuses for this partner (`refused`: an attribute never targetable or not for this tier,
// too many conditions, too deep), which names the policy rule.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/segment.hpp"
#include "policy/policy_snapshot.hpp"

namespace octopus::audiences {

struct SegmentIssue {
  std::string pointer;  // into the request body, e.g. "/segment/all/1/attribute"
  std::string detail;
  std::string rule;  // the privacy rule that refused it; empty for grammar errors
};

// The issues as the `errors` member of a problem: [{pointer, detail, rule?}].
nlohmann::json issues_json(const std::vector<SegmentIssue>& issues);

struct ParsedSegment {
  std::optional<engine::SegmentNode> segment;  // set only when there are no issues
  std::vector<SegmentIssue> malformed;
  std::vector<SegmentIssue> refused;
  unsigned nodes = 0;
  unsigned depth = 0;
};

// The attribute that stands for interest tags in privacy.yaml: {"tag": ...} needs it.
inline constexpr std::string_view kTagAttribute = "app_category_interest";

ParsedSegment parse_segment(const nlohmann::json& segment, const std::string& pointer,
                            const engine::Vocabulary& vocabulary, const policy::PolicySnapshot& policy,
                            policy::TierId tier);

}  // namespace octopus::audiences
