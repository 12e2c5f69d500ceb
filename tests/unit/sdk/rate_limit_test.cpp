#include <gtest/gtest.h>

#include "rate_limit.hpp"

using octopus::detail::parse_rate_limit;

TEST(SdkRateLimit, PolicyAndRemainingAreJoinedByPolicyName) {
  const auto state = parse_rate_limit(R"("reads";q=10;w=1;octopus-burst=20, "reads-day";q=1000;w=86400)",
                                      R"("reads";r=9;t=1, "reads-day";r=3;t=3600)");
  ASSERT_EQ(state.policies.size(), 2u);
  EXPECT_EQ(state.policies[0].name, "reads");
  EXPECT_EQ(state.policies[0].quota, 10);
  EXPECT_EQ(state.policies[0].window, 1);
  EXPECT_EQ(state.policies[0].burst, 20);
  EXPECT_EQ(state.policies[0].remaining, 9);
  EXPECT_EQ(state.policies[1].name, "reads-day");
  EXPECT_EQ(state.policies[1].remaining, 3);
  EXPECT_EQ(state.policies[1].reset_after, 3600);
  ASSERT_NE(state.tightest(), nullptr);
  EXPECT_EQ(state.tightest()->name, "reads-day");
}

TEST(SdkRateLimit, AbsentOrUnreadableHeadersGiveAnEmptyStateNotAnError) {
  EXPECT_TRUE(parse_rate_limit("", "").policies.empty());
  EXPECT_TRUE(parse_rate_limit("reads;q=", "\"").policies.empty());
  EXPECT_EQ(parse_rate_limit("", "").tightest(), nullptr);
  // RateLimit without its policy still says what remains.
  const auto only_remaining = parse_rate_limit("", R"("writes";r=0;t=2)");
  ASSERT_EQ(only_remaining.policies.size(), 1u);
  EXPECT_EQ(only_remaining.policies[0].remaining, 0);
  EXPECT_FALSE(only_remaining.policies[0].quota.has_value());
}
