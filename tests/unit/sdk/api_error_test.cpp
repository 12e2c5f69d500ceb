#include <gtest/gtest.h>

#include "octopus/sdk/errors.hpp"

using namespace octopus;

TEST(SdkApiError, EveryPartOfTheProblemIsExposed) {
  ResponseInfo info;
  info.status = 429;
  info.request_id = "req-1";
  info.retry_after = 2;
  const ApiError e(info,
                   R"({"type":"https://octopus-gateway.example/problems/rate-limited","title":"Rate limit exceeded",
    "status":429,"detail":"slow down","instance":"urn:octopus:request:req-1","request_id":"req-1",
    "violated-policies":["reads"],"plan":"starter"})");
  EXPECT_EQ(e.status(), 429);
  EXPECT_EQ(e.slug(), "rate-limited");
  EXPECT_EQ(e.title(), "Rate limit exceeded");
  EXPECT_EQ(e.detail(), "slow down");
  EXPECT_EQ(e.request_id(), "req-1");
  EXPECT_EQ(e.violated_policies(), std::vector<std::string>{"reads"});
  EXPECT_EQ(e.retry_after(), 2L);
  EXPECT_STREQ(e.what(), "HTTP 429 Rate limit exceeded: slow down (request req-1)");
}

TEST(SdkApiError, FieldIssuesCarryPointerDetailAndRule) {
  ResponseInfo info;
  info.status = 422;
  const ApiError e(info, R"({"type":"https://octopus-gateway.example/problems/segment-not-allowed","title":"t",
    "request_id":"req-2","errors":[{"pointer":"/segment/all/0","detail":"too narrow","rule":"privacy.k"},{"pointer":"/x"}]})");
  ASSERT_EQ(e.errors().size(), 2u);
  EXPECT_EQ(e.errors()[0].pointer, "/segment/all/0");
  EXPECT_EQ(e.errors()[0].rule, "privacy.k");
  EXPECT_EQ(e.errors()[1].detail, "");
  EXPECT_EQ(e.request_id(), "req-2");  // from the body when the header was missing
}

TEST(SdkApiError, AnAnswerThatIsNoProblemStillSaysStatusAndRequest) {
  ResponseInfo info;
  info.status = 502;
  info.request_id = "req-3";
  const ApiError e(info, "<html>bad gateway</html>");
  EXPECT_EQ(e.status(), 502);
  EXPECT_EQ(e.type(), "");
  EXPECT_EQ(e.body(), "<html>bad gateway</html>");
  EXPECT_STREQ(e.what(), "HTTP 502 (request req-3)");
}
