#include <gtest/gtest.h>

#include "octopus/sdk/segment.hpp"
#include "operation_support.hpp"

using nlohmann::json;
using namespace octopus;

namespace {

RawResponse answer(const json& body) {
  RawResponse r;
  r.status = 200;
  r.body = body.dump();
  return r;
}

}  // namespace

TEST(SdkModels, ADeliveryIsReadWithItsNullsAsEmptyOptionalsAndUnknownFieldsIgnored) {
  const auto d = detail::decode<Delivery>(answer({{"id", "dlv_1"},
                                                  {"offer_id", "ofr_1"},
                                                  {"audience_id", nullptr},
                                                  {"status", "completed"},
                                                  {"send_at", "2026-12-06T08:00:00Z"},
                                                  {"resume_at", nullptr},
                                                  {"progress", 1.0},
                                                  {"outcomes", {{"accepted", 12}}},
                                                  {"outcomes_withheld", "token_delivery"},
                                                  {"policy_version", "0123456789abcdef"},
                                                  {"created_at", "2026-12-06T08:00:00Z"},
                                                  {"finished_at", "2026-12-06T08:00:01Z"},
                                                  {"a_field_from_a_newer_gateway", true}}));
  EXPECT_EQ(d.id, "dlv_1");
  EXPECT_FALSE(d.audience_id.has_value());
  ASSERT_TRUE(d.outcomes.has_value());
  EXPECT_EQ(d.outcomes->accepted, 12);
  EXPECT_FALSE(d.outcomes->delivered.has_value());
  EXPECT_EQ(d.outcomes_withheld, "token_delivery");
  EXPECT_EQ(d.finished_at, "2026-12-06T08:00:01Z");
}

TEST(SdkModels, AnAnswerLackingARequiredFieldOrNotJsonIsAProtocolError) {
  EXPECT_THROW(detail::decode<AudienceEstimate>(answer({{"count", 10}, {"policy_version", "x"}})), ProtocolError);
  RawResponse html;
  html.status = 200;
  html.body = "<html>proxy error</html>";
  EXPECT_THROW(detail::decode<AudienceEstimate>(html), ProtocolError);
  EXPECT_THROW(
      detail::decode<AudienceEstimate>(answer({{"count", "ten"}, {"suppressed", false}, {"policy_version", "x"}})),
      ProtocolError);
}

TEST(SdkModels, ARequestLeavesOutWhatWasNotSetAndUsesTheSpecsNames) {
  OfferCreate offer;
  offer.channel = "sms";
  offer.template_ = "Hello {{landing_url}}";
  offer.product_code = "5G-PLUS";
  offer.landing_url = "https://example.cn";
  offer.valid_until = "2099-01-01T00:00:00Z";
  const auto body = json::parse(detail::encode(offer));
  EXPECT_EQ(body["template"], "Hello {{landing_url}}");
  EXPECT_FALSE(body.contains("name"));
  EXPECT_FALSE(body.contains("template_"));
  EXPECT_EQ(body.size(), 5u);
}

TEST(SdkModels, SegmentsBuiltWithTheHelpersAreTheGrammarsJson) {
  const auto segment = segment::all({segment::equals("city", "jinan"), segment::one_of("plan", {"a", "b"}),
                                     segment::none_of(segment::tag("roaming")), segment::range("age", 18, 30)});
  EXPECT_EQ(json::parse(segment.text()),
            json::parse(R"({"all":[{"attribute":"city","eq":"jinan"},{"attribute":"plan","in":["a","b"]},
                              {"not":{"tag":"roaming"}},{"attribute":"age","range":{"min":18.0,"max":30.0}}]})"));
  const auto request = json::parse(detail::encode(AudienceEstimateRequest{segment::tag("x")}));
  EXPECT_EQ(request, json::parse(R"({"segment":{"tag":"x"}})"));
  EXPECT_THROW(JsonValue::parse("{\"tag\":"), std::invalid_argument);
  EXPECT_TRUE(JsonValue().is_null());
}

TEST(SdkModels, QueryValuesAndPathSegmentsArePercentEncoded) {
  detail::Query q;
  q.add("status", std::optional<std::string>("pending review&x"));
  q.add("limit", std::optional<std::int64_t>());
  q.add("cursor", std::optional<std::string>("a/b=c"));
  EXPECT_EQ(q.str(), "?status=pending%20review%26x&cursor=a%2Fb%3Dc");
  EXPECT_EQ(detail::Query().str(), "");
  EXPECT_EQ(detail::path_segment("../admin"), "..%2Fadmin");
}

TEST(SdkModels, AnIntegerFieldRefusesFractionsAndValuesBeyond64Bits) {
  auto entry = [](const json& amount) {
    return answer({{"count", amount}, {"suppressed", false}, {"policy_version", "0123456789abcdef"}});
  };
  EXPECT_EQ(detail::decode<AudienceEstimate>(entry(-5)).count, -5);
  EXPECT_THROW(detail::decode<AudienceEstimate>(entry(1.5)), ProtocolError);
  EXPECT_THROW(detail::decode<AudienceEstimate>(entry(9223372036854775808ULL)), ProtocolError);
  EXPECT_THROW(detail::decode<AudienceEstimate>(entry(1e20)), ProtocolError);
}

TEST(SdkModels, TextThatIsNotUtf8AndEmptyIdsAreRefusedBeforeSending) {
  OfferCreate offer;
  offer.template_ = "GBK bytes \xd6\xd0";
  EXPECT_THROW(detail::encode(offer), std::invalid_argument);
  EXPECT_THROW(segment::equals("city", "\xff"), std::invalid_argument);
  EXPECT_THROW(detail::path_segment(""), std::invalid_argument);
}
