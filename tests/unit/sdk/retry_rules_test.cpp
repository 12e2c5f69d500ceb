#include <gtest/gtest.h>

#include "retry_rules.hpp"

using namespace octopus::detail;

TEST(SdkRetryRules, OnlyAnswersThatARetryCanCureAreRetried) {
  for (const int status : {408, 502, 503, 504}) EXPECT_TRUE(is_retryable(status, "")) << status;
  EXPECT_TRUE(is_retryable(409, "idempotency-key-in-flight"));
  EXPECT_TRUE(is_retryable(429, "rate-limited"));
  // A spent allowance only renews with the period; a conflict or a refusal never changes.
  EXPECT_FALSE(is_retryable(429, "quota-exhausted"));
  EXPECT_FALSE(is_retryable(409, "conflict"));
  for (const int status : {200, 201, 400, 401, 403, 404, 413, 422, 500})
    EXPECT_FALSE(is_retryable(status, "")) << status;
}

TEST(SdkRetryRules, WaitsGrowWithFullJitterUnderTheCeilingAndHonourRetryAfter) {
  octopus::RetryPolicy policy;
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::milliseconds(1000);
  std::chrono::milliseconds longest_first{0}, longest_fourth{0};
  for (int i = 0; i < 2000; ++i) {
    const auto first = retry_delay(policy, 2, std::nullopt);
    const auto fourth = retry_delay(policy, 4, std::nullopt);
    const auto tenth = retry_delay(policy, 10, std::nullopt);
    ASSERT_GE(first.count(), 0);
    ASSERT_LE(first.count(), 100);
    ASSERT_LE(fourth.count(), 400);
    ASSERT_LE(tenth.count(), 1000);
    longest_first = std::max(longest_first, first);
    longest_fourth = std::max(longest_fourth, fourth);
  }
  // Full jitter spreads over the whole range (2000 draws leave the top 10 % empty with
  // probability 0.9^2000).
  EXPECT_GT(longest_first.count(), 90);
  EXPECT_GT(longest_fourth.count(), 360);
  EXPECT_EQ(retry_delay(policy, 2, 7L), std::chrono::seconds(7));
}

TEST(SdkRetryRules, RetryAfterIsReadAsDeltaSecondsOnly) {
  EXPECT_EQ(parse_retry_after("3"), 3L);
  EXPECT_EQ(parse_retry_after("0"), 0L);
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(parse_retry_after("3s"), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
}

TEST(SdkRetryRules, AnAbsurdRetryAfterIsClampedNotOverflowed) {
  const auto wait = retry_delay(octopus::RetryPolicy{}, 2, 10'000'000'000'000'000L);
  EXPECT_EQ(wait, std::chrono::hours(24));
}
