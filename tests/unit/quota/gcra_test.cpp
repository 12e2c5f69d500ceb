// GCRA arithmetic and calendar periods: pure functions, exact expectations.
#include <gtest/gtest.h>

#include "quota/gcra.hpp"
#include "quota/quota_periods.hpp"
#include "quota_fixture.hpp"

namespace octopus::quota {
namespace {

constexpr std::int64_t kS = 1'000'000'000;

TEST(Gcra, AdmitsTheBurstFromIdleThenOnePerInterval) {
  const auto limit = gcra_limit(10, 3);  // 100 ms interval
  EXPECT_EQ(limit.interval_ns, 100'000'000);
  std::int64_t tat = 0;
  const std::int64_t t0 = 1000 * kS;
  for (int i = 0; i < 3; ++i) {
    auto o = gcra_decide(tat, t0, limit);
    ASSERT_TRUE(o.allowed) << i;
    EXPECT_EQ(o.remaining, 2 - i);
    tat = o.tat_ns;
  }
  auto refused = gcra_decide(tat, t0, limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.tat_ns, tat);  // a refusal changes nothing
  EXPECT_EQ(refused.retry_after_ns, 100'000'000);
  // Retrying exactly when told succeeds; a nanosecond earlier does not.
  EXPECT_FALSE(gcra_decide(tat, t0 + refused.retry_after_ns - 1, limit).allowed);
  EXPECT_TRUE(gcra_decide(tat, t0 + refused.retry_after_ns, limit).allowed);
}

TEST(Gcra, SteadyPaceAtTheRateIsNeverRefused) {
  const auto limit = gcra_limit(50, 1);
  std::int64_t tat = 0;
  for (int i = 0; i < 1000; ++i) {
    auto o = gcra_decide(tat, 5 * kS + i * limit.interval_ns, limit);
    ASSERT_TRUE(o.allowed) << i;
    tat = o.tat_ns;
  }
}

TEST(Gcra, AdmittedCountOverAWindowIsBurstPlusRateTimesTime) {
  // Offer 3x the rate for 10 s: admitted = burst + rate * 10 (the accuracy the partner plane promises).
  const auto limit = gcra_limit(20, 40);
  std::int64_t tat = 0;
  int admitted = 0;
  const std::int64_t step = kS / 60;
  for (std::int64_t t = 0; t < 10 * kS; t += step) {
    auto o = gcra_decide(tat, 100 * kS + t, limit);
    if (o.allowed) {
      ++admitted;
      tat = o.tat_ns;
    }
  }
  EXPECT_NEAR(admitted, 40 + 20 * 10, 1);
}

TEST(Gcra, FractionalRatesAndCosts) {
  const auto limit = gcra_limit(0.5, 1);  // one every 2 s
  EXPECT_EQ(limit.interval_ns, 2 * kS);
  auto first = gcra_decide(0, 10 * kS, limit);
  ASSERT_TRUE(first.allowed);
  auto second = gcra_decide(first.tat_ns, 11 * kS, limit);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.retry_after_ns, 1 * kS);
  // A cost larger than the burst can never pass.
  EXPECT_FALSE(gcra_decide(0, 10 * kS, gcra_limit(1, 2), 3).allowed);
}

TEST(QuotaPeriods, DayAndMonthTurnAtShanghaiMidnight) {
  const auto s = testing::small_plans_snapshot();
  const auto before = quota_periods(*s, testing::shanghai_ns(2026, 11, 30, 23, 59, 59) / kS);
  const auto after = quota_periods(*s, testing::shanghai_ns(2026, 12, 1, 0, 0, 0) / kS);
  EXPECT_EQ(after.day, before.day + 1);
  EXPECT_EQ(after.month, before.month + 1);
  EXPECT_EQ(before.day_ends_at, testing::shanghai_ns(2026, 12, 1, 0, 0) / kS);
  EXPECT_EQ(before.month_ends_at, testing::shanghai_ns(2026, 12, 1, 0, 0) / kS);
  EXPECT_EQ(before.month_starts_at, testing::shanghai_ns(2026, 11, 1, 0, 0) / kS);
  EXPECT_EQ(after.day_starts_at, testing::shanghai_ns(2026, 12, 1, 0, 0) / kS);
  // 16:00 UTC is already tomorrow in Shanghai; 15:59:59 UTC is not.
  const auto utc_afternoon = quota_periods(*s, testing::shanghai_ns(2026, 11, 30, 23, 59, 59) / kS + 1);
  EXPECT_EQ(utc_afternoon.day, after.day);
  // Year end: December → January.
  const auto dec = quota_periods(*s, testing::shanghai_ns(2026, 12, 31, 12, 0) / kS);
  const auto jan = quota_periods(*s, testing::shanghai_ns(2027, 1, 1, 0, 0) / kS);
  EXPECT_EQ(jan.month, dec.month + 1);
  EXPECT_EQ(dec.month_ends_at, testing::shanghai_ns(2027, 1, 1, 0, 0) / kS);
}

}  // namespace
}  // namespace octopus::quota
