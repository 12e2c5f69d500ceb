// Segment validation: every kind of bad segment gets its own precise issue, pointing at the
// node, and privacy refusals name the policy rule.
#include <gtest/gtest.h>

#include "audiences/segment_parser.hpp"
#include "policy/policy_set.hpp"

namespace octopus::audiences {
namespace {

using nlohmann::json;

std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

engine::Vocabulary vocabulary() {
  engine::Vocabulary v;
  v.attributes.push_back({"city", "", {"jinan", "qingdao", "yantai"}, false, {}, {}});
  v.attributes.push_back({"gender", "", {"female", "male"}, false, {}, {}});
  v.attributes.push_back({"plan_type", "", {"postpaid", "prepaid"}, false, {}, {}});
  v.attributes.push_back({"age_band",
                          "",
                          {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"},
                          true,
                          {18, 25, 35, 45, 55, 65},
                          {25, 35, 45, 55, 65, std::numeric_limits<double>::infinity()}});
  v.tags = {"travel", "gaming"};
  return v;
}

ParsedSegment parse(const json& segment, const std::string& tier = "gold") {
  const auto s = shipped();
  return parse_segment(segment, "/segment", vocabulary(), *s, *s->tier_id(tier));
}

TEST(SegmentParser, AValidTreeBecomesTheEngineSegment) {
  auto p = parse(json::parse(R"({"all":[{"attribute":"city","in":["jinan","qingdao"]},
      {"attribute":"age_band","range":{"min":25,"max":44}},{"tag":"travel"},{"not":{"tag":"gaming"}}]})"));
  ASSERT_TRUE(p.segment) << (p.malformed.empty() ? p.refused[0].detail : p.malformed[0].detail);
  EXPECT_EQ(p.segment->kind, engine::SegmentNode::Kind::all);
  ASSERT_EQ(p.segment->children.size(), 4u);
  EXPECT_EQ(p.segment->children[0].values, (std::vector<std::string>{"jinan", "qingdao"}));
  EXPECT_EQ(p.segment->children[1].kind, engine::SegmentNode::Kind::range);
  EXPECT_EQ(p.segment->children[3].kind, engine::SegmentNode::Kind::negate);
  EXPECT_EQ(p.nodes, 6u);
  EXPECT_EQ(p.depth, 3u);
}

struct Bad {
  const char* name;
  const char* segment;
  const char* tier;
  bool policy_refusal;  // refused (names a rule) rather than malformed
  const char* pointer;
  const char* detail_contains;
  const char* rule;
};

class BadSegment : public ::testing::TestWithParam<Bad> {};

TEST_P(BadSegment, IsRefusedPreciselyAtItsNode) {
  const Bad& b = GetParam();
  auto p = parse(json::parse(b.segment), b.tier);
  EXPECT_FALSE(p.segment);
  const auto& issues = b.policy_refusal ? p.refused : p.malformed;
  ASSERT_EQ(issues.size(), 1u) << "malformed " << p.malformed.size() << ", refused " << p.refused.size();
  EXPECT_EQ(issues[0].pointer, b.pointer);
  EXPECT_NE(issues[0].detail.find(b.detail_contains), std::string::npos) << issues[0].detail;
  EXPECT_EQ(issues[0].rule, b.rule);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadSegment,
    ::testing::Values(
        Bad{"ForbiddenAttribute", R"({"all":[{"attribute":"city","eq":"jinan"},{"attribute":"religion","eq":"x"}]})",
            "gold", true, "/segment/all/1/attribute", "may never be used", "privacy.never_targetable"},
        Bad{"NotForThisTier", R"({"attribute":"plan_type","eq":"prepaid"})", "bronze", true, "/segment/attribute",
            "not targetable for tier bronze", "privacy.tiers.bronze.targetable"},
        Bad{"TagsNeedInterestTargeting", R"({"tag":"travel"})", "bronze", true, "/segment/tag", "app_category_interest",
            "privacy.tiers.bronze.targetable"},
        Bad{"UnknownAttribute", R"({"attribute":"shoe_size","eq":"42"})", "gold", false, "/segment/attribute",
            "is not an attribute", ""},
        Bad{"UnknownValue", R"({"attribute":"city","eq":"beijing"})", "gold", false, "/segment/eq",
            "'beijing' is not a value of city", ""},
        Bad{"WrongValueType", R"({"attribute":"city","eq":7})", "gold", false, "/segment/eq", "must be a string", ""},
        Bad{"DuplicateInValue", R"({"attribute":"city","in":["jinan","jinan"]})", "gold", false, "/segment/in/1",
            "listed twice", ""},
        Bad{"EmptyIn", R"({"attribute":"city","in":[]})", "gold", false, "/segment/in", "non-empty array", ""},
        Bad{"RangeOnUnordered", R"({"attribute":"city","range":{"min":1,"max":2}})", "gold", false, "/segment/range",
            "has no order", ""},
        Bad{"RangeBackwards", R"({"attribute":"age_band","range":{"min":50,"max":20}})", "gold", false,
            "/segment/range", "min must not be larger", ""},
        Bad{"RangeHoldsNoBand", R"({"attribute":"age_band","range":{"min":26,"max":30}})", "gold", false,
            "/segment/range", "no band", ""},
        Bad{"RangeNotNumbers", R"({"attribute":"age_band","range":{"min":"a","max":30}})", "gold", false,
            "/segment/range/min", "must be a number", ""},
        Bad{"TwoOperators", R"({"attribute":"city","eq":"jinan","in":["qingdao"]})", "gold", false, "/segment",
            "exactly one of eq, in or range", ""},
        Bad{"UnknownMember", R"({"all":[{"tag":"travel","weight":2}]})", "gold", false, "/segment/all/0/weight",
            "not allowed", ""},
        Bad{"EmptyAll", R"({"all":[]})", "gold", false, "/segment/all", "non-empty array", ""},
        Bad{"NotAnObject", R"({"any":[{"tag":"travel"},"jinan"]})", "gold", false, "/segment/any/1",
            "must be an object", ""},
        Bad{"UnknownTag", R"({"tag":"knitting"})", "gold", false, "/segment/tag", "is not a tag", ""},
        Bad{"TooDeep", R"({"not":{"not":{"not":{"not":{"tag":"travel"}}}}})", "gold", true, "/segment",
            "nested 5 deep; at most 4", "privacy.segment_limits.max_depth"},
        Bad{"TooManyNodes",
            R"({"any":[{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},
              {"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},
              {"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},
              {"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},
              {"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},{"tag":"travel"},
              {"tag":"travel"},{"tag":"travel"},{"tag":"travel"}]})",
            "gold", true, "/segment", "has 33 nodes; at most 32", "privacy.segment_limits.max_nodes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SegmentParser, EveryProblemInOneSegmentIsReportedAtOnce) {
  auto p = parse(json::parse(R"({"all":[{"attribute":"city","eq":"beijing"},{"tag":"knitting"},{"bogus":1}]})"));
  EXPECT_EQ(p.malformed.size(), 3u);
}

}  // namespace
}  // namespace octopus::audiences
