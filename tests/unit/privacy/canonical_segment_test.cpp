// One canonical text for every way of writing the same segment, and different texts for
// different segments: the release model keys noise and budget on it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "privacy/canonical_segment.hpp"

namespace octopus::privacy {
namespace {

using engine::SegmentNode;
using Kind = SegmentNode::Kind;

SegmentNode in(std::string attribute, std::vector<std::string> values) {
  SegmentNode n;
  n.kind = values.size() == 1 ? Kind::eq : Kind::in;
  n.attribute = std::move(attribute);
  n.values = std::move(values);
  return n;
}
SegmentNode tag(std::string t) {
  SegmentNode n;
  n.kind = Kind::tag;
  n.tag = std::move(t);
  return n;
}
SegmentNode op(Kind k, std::vector<SegmentNode> children) {
  SegmentNode n;
  n.kind = k;
  n.children = std::move(children);
  return n;
}
SegmentNode negate(SegmentNode c) { return op(Kind::negate, {std::move(c)}); }

TEST(CanonicalSegment, OrderNestingDuplicatesAndDoubleNegationDoNotMatter) {
  const auto a = in("city", {"jinan"});
  const auto b = in("age_band", {"65+"});
  const auto c = tag("travel");
  const auto text = canonical_text(op(Kind::all, {a, b, c}));
  EXPECT_EQ(canonical_text(op(Kind::all, {c, b, a})), text);
  EXPECT_EQ(canonical_text(op(Kind::all, {op(Kind::all, {c, a}), b})), text);
  EXPECT_EQ(canonical_text(op(Kind::all, {a, b, c, a})), text);
  EXPECT_EQ(canonical_text(op(Kind::all, {negate(negate(a)), b, op(Kind::any, {c})})), text);
  EXPECT_EQ(canonical_text(in("city", {"qingdao", "jinan", "qingdao"})),
            canonical_text(in("city", {"jinan", "qingdao"})));
  EXPECT_EQ(canonical_text(in("city", {"jinan", "jinan"})), canonical_text(a));
  EXPECT_EQ(text, R"(all(in("age_band","65+"),in("city","jinan"),tag("travel")))");
}

TEST(CanonicalSegment, DifferentSegmentsStayDifferent) {
  const auto a = in("city", {"jinan"});
  const auto b = tag("travel");
  EXPECT_NE(canonical_text(op(Kind::all, {a, b})), canonical_text(op(Kind::any, {a, b})));
  EXPECT_NE(canonical_text(op(Kind::all, {a, negate(b)})), canonical_text(op(Kind::all, {a, b})));
  EXPECT_NE(canonical_text(in("city", {"jinan", "qingdao"})), canonical_text(in("city", {"jinan"})));
  // A value cannot imitate the structure around it.
  EXPECT_NE(canonical_text(in("city", {"a\",\"b"})), canonical_text(in("city", {"a", "b"})));
  SegmentNode r1, r2;
  r1.kind = r2.kind = Kind::range;
  r1.attribute = r2.attribute = "age_band";
  r1.min = 25, r1.max = 44, r2.min = 25, r2.max = 54;
  EXPECT_NE(canonical_text(r1), canonical_text(r2));
}

}  // namespace
}  // namespace octopus::privacy
