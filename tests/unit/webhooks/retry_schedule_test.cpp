#include "webhooks/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace octopus::webhooks {
namespace {

using namespace std::chrono_literals;

// The documented default: seven waits after eight attempts' failures, over more than a day.
TEST(RetrySchedule, TheDefaultKeepsTryingForMoreThanADay) {
  RetrySchedule schedule(RetrySchedule::default_waits(), 0);
  EXPECT_EQ(schedule.attempts(), 8u);
  std::chrono::milliseconds total{0};
  for (std::int64_t failed = 1; failed < 8; ++failed) total += *schedule.wait_after(failed);
  EXPECT_GE(total, 24h);
  EXPECT_EQ(*schedule.wait_after(1), 5s);
  EXPECT_EQ(*schedule.wait_after(7), 10h);
  EXPECT_FALSE(schedule.wait_after(8)) << "after the eighth failure the delivery is dead";
  EXPECT_FALSE(schedule.wait_after(0));
}

// Jitter spreads the waits within its bounds, so an outage's failures do not return at once.
TEST(RetrySchedule, JitterStaysWithinItsBoundsAndSpreads) {
  RetrySchedule schedule({10'000ms}, 0.2);
  std::set<std::int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto wait = schedule.wait_after(1)->count();
    EXPECT_GE(wait, 8'000);
    EXPECT_LE(wait, 12'000);
    seen.insert(wait);
  }
  EXPECT_GT(seen.size(), 100u);
  EXPECT_THROW(RetrySchedule({1s}, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace octopus::webhooks
