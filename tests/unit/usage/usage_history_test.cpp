// Usage history over simulated time on a real store: requests counted hour by hour land in
// their hours, survive a restart (a new recorder on the reopened database) equal to what was
// recorded, roll up into days after 30 days and are forgotten after 13 months.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>

#include "app/sql_repositories.hpp"
#include "test_clock.hpp"
#include "usage/usage_history.hpp"

using namespace octopus::usage;

namespace {

class UsageHistory : public ::testing::Test {
 protected:
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("octopus-usage-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::int64_t now = 1'798'761'600;  // 2027-01-01T00:00:00Z
  octopus::testing::SecondsClock clock{now};
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "gateway.db").string(); }
};

using Expected = std::map<std::tuple<std::int64_t, std::string, std::string>, std::int64_t>;

Expected as_map(const std::vector<UsageCount>& rows) {
  Expected out;
  for (const auto& r : rows) out[{r.start, r.capability_class, r.outcome}] += r.requests;
  return out;
}

TEST_F(UsageHistory, HoursOfTrafficSurviveARestartEqualToWhatWasRecorded) {
  Expected sent;
  {
    octopus::app::SqlRepositories records(db());
    UsageRecorder recorder(records.usage, clock, std::chrono::hours(1));  // only explicit flushes
    for (int hour = 0; hour < 5; ++hour) {
      for (int i = 0; i < 3 + hour; ++i) {
        recorder.record("acme", "reads", "ok");
        ++sent[{now / 3600 * 3600, "reads", "ok"}];
      }
      recorder.record("acme", "deliveries", "quota-exhausted");
      ++sent[{now / 3600 * 3600, "deliveries", "quota-exhausted"}];
      recorder.record("beta", "reads", "ok");  // another partner's
      if (hour == 2) recorder.flush();         // some written mid-way, the rest at shutdown
      now += 3600 + 17;
    }
  }  // the recorder writes what it holds as it stops
  octopus::app::SqlRepositories reopened(db());
  const auto rows = reopened.usage.history("acme", 0, now + 1, Granularity::hour);
  EXPECT_EQ(as_map(rows), sent);
  EXPECT_EQ(reopened.usage.history("beta", 0, now + 1, Granularity::hour).size(), 5u);
  // By the day, the same requests in one bucket per class and outcome.
  const auto days = reopened.usage.history("acme", 0, now + 1, Granularity::day);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].outcome, "quota-exhausted");
  EXPECT_EQ(days[0].requests, 5);
  EXPECT_EQ(days[1].requests, 3 + 4 + 5 + 6 + 7);
}

// What an operator reads is everything up to now: the written hours and the counts still
// in memory, added together, and reading writes nothing.
TEST_F(UsageHistory, AReadAddsTheCountsNotYetWrittenAndWritesNothing) {
  octopus::app::SqlRepositories records(db());
  UsageRecorder recorder(records.usage, clock, std::chrono::hours(1));  // only explicit flushes
  const auto hour = now / 3600 * 3600;
  for (int i = 0; i < 4; ++i) recorder.record("acme", "reads", "ok");
  recorder.flush();
  for (int i = 0; i < 3; ++i) recorder.record("acme", "reads", "ok");  // same hour, not written
  recorder.record("acme", "deliveries", "rate-limited");               // a new row, not written
  recorder.record("beta", "reads", "ok");                              // another partner's
  const auto read = recorder.history("acme", 0, now + 1, Granularity::hour);
  EXPECT_EQ(as_map(read), (Expected{{{hour, "deliveries", "rate-limited"}, 1}, {{hour, "reads", "ok"}, 7}}));
  EXPECT_EQ(read.front().capability_class, "deliveries");  // in the store's order
  // The store still holds only what the flush wrote.
  EXPECT_EQ(as_map(records.usage.history("acme", 0, now + 1, Granularity::hour)),
            (Expected{{{hour, "reads", "ok"}, 4}}));
  // By the day, the same sum; outside the range, nothing.
  const auto days = recorder.history("acme", hour / kDay * kDay, now + 1, Granularity::day);
  const auto day_reads = as_map(days)[{hour / kDay * kDay, "reads", "ok"}];
  EXPECT_EQ(day_reads, 7);
  EXPECT_TRUE(recorder.history("acme", now + 3600, now + 7200, Granularity::hour).empty());
  // Days are made of the hours in range, as the store makes them: a range ending at this
  // hour leaves this hour out, written or not.
  EXPECT_TRUE(recorder.history("acme", 0, hour, Granularity::day).empty());
}

TEST_F(UsageHistory, HoursRollUpIntoDaysAfterThirtyDaysAndDaysGoAfterThirteenMonths) {
  octopus::app::SqlRepositories records(db());
  UsageRecorder recorder(records.usage, clock, std::chrono::hours(1));
  const auto first_day = now;
  recorder.record("acme", "reads", "ok");
  now += 5 * 3600;
  recorder.record("acme", "reads", "ok");
  recorder.flush();
  EXPECT_EQ(records.usage.history("acme", 0, now + 1, Granularity::hour).size(), 2u);

  now = first_day + 31 * kDay;  // the first day is now older than 30 days
  recorder.record("acme", "reads", "signature-invalid");
  recorder.flush();
  EXPECT_TRUE(records.usage.history("acme", first_day, first_day + kDay, Granularity::hour).empty());
  const auto rolled = records.usage.history("acme", first_day, first_day + kDay, Granularity::day);
  ASSERT_EQ(rolled.size(), 1u);
  EXPECT_EQ(rolled[0].start, first_day);
  EXPECT_EQ(rolled[0].requests, 2);

  now = first_day + 400 * kDay;  // past 13 months: the day is forgotten
  recorder.flush();
  const auto kept = records.usage.history("acme", 0, now, Granularity::day);
  ASSERT_EQ(kept.size(), 1u);  // the 31st day's only, rolled up in its turn
  EXPECT_EQ(kept[0].outcome, "signature-invalid");
  EXPECT_EQ(kept[0].start, first_day + 31 * kDay);
}

}  // namespace
