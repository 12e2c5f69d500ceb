// The engine API's JSON, written by one end and read by the other: every kind of segment
// node and every answer survives the round trip, open range ends included; anything off
// the schema is refused with the field named, never half-read.
#include "engine/remote/engine_wire.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace octopus::engine::wire {
namespace {

using nlohmann::json;
using K = SegmentNode::Kind;

TEST(EngineWire, EveryKindOfSegmentNodeRoundTrips) {
  const auto text = json::parse(R"({"all":[
      {"any":[{"attribute":"city","in":["jinan","qingdao"]},{"attribute":"gender","eq":"female"}]},
      {"not":{"tag":"gaming"}},
      {"attribute":"age_band","range":{"min":25,"max":44}}]})");
  const SegmentNode n = segment_from_json(text);
  ASSERT_EQ(n.kind, K::all);
  ASSERT_EQ(n.children.size(), 3u);
  EXPECT_EQ(n.children[0].kind, K::any);
  EXPECT_EQ(n.children[0].children[0].values, (std::vector<std::string>{"jinan", "qingdao"}));
  EXPECT_EQ(n.children[1].kind, K::negate);
  EXPECT_EQ(n.children[1].children[0].tag, "gaming");
  EXPECT_EQ(n.children[2].min, 25);
  EXPECT_EQ(n.children[2].max, 44);
  EXPECT_EQ(to_json(n), text);
}

TEST(EngineWire, OpenRangeEndsTravelAsNull) {
  SegmentNode n;
  n.kind = K::range;
  n.attribute = "arpu_band";
  n.min = 100;
  n.max = std::numeric_limits<double>::infinity();
  const json j = to_json(n);
  EXPECT_TRUE(j["range"]["max"].is_null());
  const auto back = segment_from_json(json::parse(j.dump()));
  EXPECT_TRUE(std::isinf(back.max) && back.max > 0);
  EXPECT_EQ(back.min, 100);
}

TEST(EngineWire, MalformedSegmentsAreRefusedWithTheFieldNamed) {
  const char* bad[] = {R"([])",
                       R"({"all":[]})",
                       R"({"all":{}})",
                       R"({"attribute":"city"})",
                       R"({"attribute":"city","in":[]})",
                       R"({"attribute":"city","in":[1]})",
                       R"({"attribute":3,"eq":"x"})",
                       R"({"tag":7})",
                       R"({"attribute":"age_band","range":{"min":1}})",
                       R"({"colour":"red"})"};
  for (const char* text : bad) EXPECT_THROW(segment_from_json(json::parse(text)), WireError) << text;
  try {
    count_query_from_json(json::parse(R"({"segment":{"tag":"travel"},"consent":{"purpose":"dpv:DirectMarketing"}})"));
    FAIL() << "a consent filter without a category was read";
  } catch (const WireError& e) {
    EXPECT_NE(std::string(e.what()).find("partner_category"), std::string::npos) << e.what();
  }
}

TEST(EngineWire, AnswersRoundTrip) {
  Vocabulary v;
  v.attributes.push_back(
      {"age_band", "Age", {"18-24", "25-34"}, true, {18, 25}, {25, std::numeric_limits<double>::infinity()}});
  v.attributes.push_back({"city", "City", {"jinan"}, false, {}, {}});
  v.tags = {"travel"};
  const auto v2 = vocabulary_from_json(json::parse(to_json(v).dump()));
  ASSERT_EQ(v2.attributes.size(), 2u);
  EXPECT_EQ(v2.attributes[0].lower_bounds, v.attributes[0].lower_bounds);
  EXPECT_TRUE(std::isinf(v2.attributes[0].upper_bounds[1]));
  EXPECT_EQ(v2.attributes[1].values, v.attributes[1].values);
  EXPECT_EQ(v2.tags, v.tags);

  const auto h = audience_handle_from_json(to_json(AudienceHandle{"a-1", 42}));
  EXPECT_EQ(h.id, "a-1");
  EXPECT_EQ(h.size, 42u);

  const auto last = member_batch_from_json(to_json(MemberBatch{{1, 5, 9}, std::nullopt}));
  EXPECT_EQ(last.subscribers, (std::vector<std::uint64_t>{1, 5, 9}));
  EXPECT_FALSE(last.next);
  EXPECT_EQ(member_batch_from_json(to_json(MemberBatch{{1}, 3})).next, 3u);

  const auto e = eligibility_from_json(to_json(Eligibility{false, "already holds 5G-PLUS"}));
  EXPECT_FALSE(e.eligible);
  EXPECT_EQ(e.reason, "already holds 5G-PLUS");
  const auto q = eligibility_query_from_json(to_json(EligibilityQuery{77, "5G-PLUS"}));
  EXPECT_EQ(q.subscriber, 77u);

  const auto p = products_from_json(to_json(std::vector<Product>{{"5G-PLUS", "5G Plus", "postpaid 5G"}}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].eligibility_summary, "postpaid 5G");

  EXPECT_THROW(member_batch_from_json(json::parse(R"({"subscribers":[-1],"next":null})")), WireError);
  EXPECT_THROW(audience_handle_from_json(json::parse(R"({"id":"a","size":"big"})")), WireError);
}

TEST(EngineWire, StreamRecordsRoundTrip) {
  EventBatch events;
  events.records.push_back({7, 42, "entered_area", 1795000000000, {{"area", "yantai-port"}}});
  events.next = 7;
  events.skipped = 3;
  const auto e = event_batch_from_json(json::parse(to_json(events).dump()));
  ASSERT_EQ(e.records.size(), 1u);
  EXPECT_EQ(e.records[0].sequence, 7u);
  EXPECT_EQ(e.records[0].detail.at("area"), "yantai-port");
  EXPECT_EQ(e.next, 7u);
  EXPECT_EQ(e.skipped, 3u);

  ConversionBatch conversions;
  conversions.records.push_back({9, 42, "5G-PLUS", "ORD-1", 12900, 1795000000000});
  conversions.next = 9;
  const auto c = conversion_batch_from_json(json::parse(to_json(conversions).dump()));
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].order_id, "ORD-1");
  EXPECT_EQ(c.records[0].amount_fen, 12900);
  EXPECT_EQ(c.records[0].kind, ConversionKind::order);
  // A cancellation says so; a record from before cancellations existed is an order; an
  // unknown kind is refused rather than taken for one.
  Conversion cancel{10, 42, "5G-PLUS", "ORD-1", 12900, 1795000100000, ConversionKind::cancellation};
  EXPECT_EQ(conversion_from_json(json::parse(to_json(cancel).dump())).kind, ConversionKind::cancellation);
  EXPECT_EQ(
      conversion_from_json(json::parse(R"({"subscriber":42,"product_code":"P","order_id":"O","amount_fen":1})")).kind,
      ConversionKind::order);
  EXPECT_THROW(conversion_from_json(json::parse(
                   R"({"subscriber":42,"product_code":"P","order_id":"O","amount_fen":1,"kind":"refund"})")),
               WireError);

  // An injection carries no sequence or time; a detail that is not text is refused.
  const auto injected = event_from_json(json::parse(R"({"subscriber":5,"type":"sms_reply","detail":{"text":"TD"}})"));
  EXPECT_EQ(injected.sequence, 0u);
  EXPECT_EQ(injected.at_ms, 0);
  EXPECT_THROW(event_from_json(json::parse(R"({"subscriber":5,"type":"recharge","detail":{"amount_fen":5000}})")),
               WireError);
  EXPECT_THROW(conversion_from_json(json::parse(R"({"subscriber":5,"product_code":"X","order_id":"O"})")), WireError);
}

}  // namespace
}  // namespace octopus::engine::wire
