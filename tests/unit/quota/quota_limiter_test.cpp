// The limiter applying plans from quotas.yaml: RateLimit fields, which policy refused, a
// Retry-After at which a retry succeeds, calendar rollover in Asia/Shanghai, and what the
// plan's outage mode does when the counters are down.
#include <gtest/gtest.h>

#include "quota/memory_counter_store.hpp"
#include "quota/quota_limiter.hpp"
#include "quota_fixture.hpp"
#include "test_clock.hpp"

namespace octopus::quota {
namespace {

using policy::CapabilityClass;
using testing::shanghai_ns;
constexpr std::int64_t kS = 1'000'000'000;

class Limiter : public ::testing::Test {
 protected:
  std::shared_ptr<const policy::PolicySnapshot> snapshot = testing::small_plans_snapshot();
  MemoryCounterStore store;
  std::int64_t now = shanghai_ns(2026, 11, 27, 10, 0, 0);
  octopus::testing::NanosClock clock{now};
  QuotaLimiter limiter{store, clock};

  LimitDecision admit(std::string_view partner = "tiny-partner", CapabilityClass c = CapabilityClass::reads) {
    return limiter.admit(*snapshot, partner, c);
  }
};

TEST_F(Limiter, SaysThePlanInTheRateLimitFields) {
  auto d = admit();
  ASSERT_FALSE(d.refused());
  EXPECT_EQ(d.plan, "tiny");
  // November has 30 days: the month window is 2,592,000 s.
  EXPECT_EQ(d.policy_field(),
            R"("reads";q=1;w=1;octopus-burst=2, "reads-day";q=5;w=86400, "reads-month";q=7;w=2592000)");
  // 10:00 local: 14 h to midnight; 3 d 14 h to 1 December.
  EXPECT_EQ(d.limit_field(), R"("reads";r=1;t=0, "reads-day";r=4;t=50400, "reads-month";r=6;t=309600)");
  auto second = admit();
  EXPECT_EQ(second.limit_field(), R"("reads";r=0;t=1, "reads-day";r=3;t=50400, "reads-month";r=5;t=309600)");
}

TEST_F(Limiter, RateRefusalNamesThePolicyAndRetryingWhenToldSucceeds) {
  admit();
  admit();
  auto refused = admit();
  ASSERT_TRUE(refused.refused());
  EXPECT_EQ(refused.verdict, Verdict::rate_limited);
  EXPECT_EQ(refused.violated_policy(), "reads");
  EXPECT_EQ(refused.retry_after_s, 1);
  now += refused.retry_after_s * kS;
  EXPECT_FALSE(admit().refused());
}

TEST_F(Limiter, DayQuotaRenewsAtShanghaiMidnightAndMonthOnTheFirst) {
  now = shanghai_ns(2026, 11, 27, 23, 59, 50);
  for (int i = 0; i < 5; ++i, now += kS) ASSERT_FALSE(admit().refused()) << i;
  auto day = admit();  // 23:59:55
  EXPECT_EQ(day.verdict, Verdict::day_exhausted);
  EXPECT_EQ(day.violated_policy(), "reads-day");
  EXPECT_EQ(day.retry_after_s, 5);
  now += day.retry_after_s * kS;  // 00:00:00 on the 28th: a new day
  EXPECT_FALSE(admit().refused());
  now += kS;
  EXPECT_FALSE(admit().refused());  // 7 this month: the monthly allowance is used
  now += kS;
  auto month = admit();
  EXPECT_EQ(month.verdict, Verdict::month_exhausted);
  EXPECT_EQ(month.violated_policy(), "reads-month");
  EXPECT_EQ(month.retry_after_s, shanghai_ns(2026, 12, 1, 0, 0) / kS - now / kS);
  now = shanghai_ns(2026, 12, 1, 0, 0, 0);
  EXPECT_FALSE(admit().refused());
}

TEST_F(Limiter, MessageReservationsGoBackToThePeriodsTheyCameFrom) {
  now = shanghai_ns(2026, 11, 27, 23, 59, 0);
  auto r = limiter.reserve(*snapshot, "tiny-partner", CapabilityClass::deliveries, 400);
  ASSERT_TRUE(r);
  EXPECT_FALSE(limiter.reserve(*snapshot, "tiny-partner", CapabilityClass::deliveries, 101));  // 500 a day
  now = shanghai_ns(2026, 11, 28, 0, 1, 0);  // the delivery finishes after midnight
  limiter.release(*r, 300);                  // 300 were not sent
  // Yesterday's count went down, not today's; the month has 100 used of 600.
  const auto u = store.usage("tiny-partner", CapabilityClass::deliveries, gcra_limit(100, 100), r->day, r->month, now);
  EXPECT_EQ(u.day_used, 100u);
  EXPECT_EQ(u.month_used, 100u);
  EXPECT_TRUE(limiter.reserve(*snapshot, "tiny-partner", CapabilityClass::deliveries, 500));
  EXPECT_FALSE(limiter.reserve(*snapshot, "tiny-partner", CapabilityClass::deliveries, 1));
}

// A back-end that is down.
class DownStore final : public CounterStore {
 public:
  std::string_view backend() const override { return "redis"; }
  Admission admit(const AdmitRequest&, std::int64_t) override { throw CounterUnavailable("down"); }
  bool reserve(std::string_view, CapabilityClass, const PeriodLimit&, const PeriodLimit&, std::uint64_t) override {
    throw CounterUnavailable("down");
  }
  void release(std::string_view, CapabilityClass, const PeriodLimit&, const PeriodLimit&, std::uint64_t) override {
    throw CounterUnavailable("down");
  }
  ClassUsage usage(std::string_view, CapabilityClass, const GcraLimit&, const PeriodLimit&, const PeriodLimit&,
                   std::int64_t) override {
    throw CounterUnavailable("down");
  }
};

TEST(LimiterOutage, ReadsFailOpenAndSpendingFailsClosedUnlessThePlanSaysOtherwise) {
  const auto snapshot = testing::small_plans_snapshot();
  DownStore down;
  QuotaLimiter limiter(down);
  auto reads = limiter.admit(*snapshot, "tiny-partner", CapabilityClass::reads);
  EXPECT_TRUE(reads.counters_unavailable);
  EXPECT_FALSE(reads.refused());
  EXPECT_TRUE(reads.limit_field().empty());    // nothing known to report
  EXPECT_FALSE(reads.policy_field().empty());  // the plan still is what it is
  auto deliveries = limiter.admit(*snapshot, "tiny-partner", CapabilityClass::deliveries);
  EXPECT_TRUE(deliveries.refused());
  EXPECT_TRUE(deliveries.refused_by_outage);
  EXPECT_GE(deliveries.retry_after_s, 1);
  // The strict plan turns both around.
  EXPECT_TRUE(limiter.admit(*snapshot, "strict-partner", CapabilityClass::reads).refused_by_outage);
  EXPECT_FALSE(limiter.admit(*snapshot, "strict-partner", CapabilityClass::deliveries).refused());
  // Spending is never reserved unmetered.
  EXPECT_THROW(limiter.reserve(*snapshot, "tiny-partner", CapabilityClass::deliveries, 1), CounterUnavailable);
}

TEST(LimiterOutage, UnknownPartnersGetTheDefaultPlan) {
  const auto snapshot = testing::small_plans_snapshot();
  MemoryCounterStore store;
  QuotaLimiter limiter(store);
  EXPECT_EQ(limiter.admit(*snapshot, "someone-else", CapabilityClass::reads).plan, "starter");
}

}  // namespace
}  // namespace octopus::quota
