#include <gtest/gtest.h>

#include "http/formats.hpp"
#include "http/message.hpp"
#include "http/query.hpp"
#include "http/trace_context.hpp"

using namespace octopus::http;

TEST(Query, DecodesPercentAndPlusAndRefusesBadEscapes) {
  auto q = parse_query("limit=5&cursor=ab%2Bc&name=a+b&empty=&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("limit"), "5");
  EXPECT_EQ(q->at("cursor"), "ab+c");
  EXPECT_EQ(q->at("name"), "a b");
  EXPECT_EQ(q->at("empty"), "");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_FALSE(parse_query("a=%"));
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_EQ(parse_query("a=1&a=2")->at("a"), "1");
}

TEST(TraceParent, AcceptsValidAndIgnoresInvalid) {
  TraceParent tp;
  ASSERT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tp));
  EXPECT_EQ(tp.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(tp.parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(tp.flags, 1u);
  // Unknown flags are masked, never refused.
  EXPECT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", tp));
  // A higher version may carry more fields.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", tp));
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tp));
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", tp));
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01", tp));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", tp));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", tp));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", tp));
}

TEST(Correlator, FollowsTheCamaraPattern) {
  EXPECT_TRUE(valid_correlator("b4333c46-49c0-4f62-80d7-f0ef930f1c46"));
  EXPECT_TRUE(valid_correlator("a/b:c;d.e<f>{g}_h"));
  EXPECT_FALSE(valid_correlator("has space"));
  EXPECT_FALSE(valid_correlator("quote\""));
  EXPECT_FALSE(valid_correlator("new\r\nline"));
  EXPECT_FALSE(valid_correlator(std::string(257, 'a')));
}

TEST(RequestIds, AreThirtyTwoHexAndDistinct) {
  const auto a = new_request_id(), b = new_request_id();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST(Request, CombinesRepeatedHeadersCaseInsensitively) {
  Request r;
  r.target = "/v1/x?y=1";
  r.headers = {{"Accept", " a "}, {"accept", "b"}, {"Host", "h"}};
  EXPECT_EQ(r.combined_header("ACCEPT"), "a, b");
  EXPECT_EQ(r.header("host"), "h");
  EXPECT_EQ(r.path(), "/v1/x");
  EXPECT_EQ(r.query(), "y=1");
  EXPECT_TRUE(r.has_query());
}

TEST(Rfc3339, ReadsUtcOffsetsAndFractionsAndRefusesTheRest) {
  using octopus::http::parse_rfc3339;
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2026-11-28T13:53:34Z"), 1795874014);
  EXPECT_EQ(parse_rfc3339("2026-11-28T21:53:34+08:00"), 1795874014);  // Beijing time
  EXPECT_EQ(parse_rfc3339("2026-11-28T13:53:34.250Z"), 1795874014);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00z"), 1709164800);  // a leap day
  EXPECT_EQ(octopus::http::rfc3339(*parse_rfc3339("2099-12-31T16:00:00Z")), "2099-12-31T16:00:00Z");
  for (const char* bad : {"", "2026-11-28", "2026-11-28T13:53:34", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-11-28T24:00:00Z", "2026-11-28 13:53:34Z", "2026-11-28T13:53:34+0800",
                          "2026-11-28T13:53:34.Z", "2026-11-28T13:53:34Zjunk", "tomorrow"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}
