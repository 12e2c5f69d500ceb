// Quiet hours, blackout dates and frequency caps: arithmetic across midnight, week
// boundaries, daylight saving time and the policy time zone (Asia/Shanghai is UTC+8).
#include <gtest/gtest.h>

#include "policy/frequency_caps.hpp"
#include "policy/quiet_hours.hpp"
#include "policy_fixture.hpp"

namespace octopus::policy {
namespace {

using testing::describe;
using testing::PolicyCopy;
using testing::shipped_snapshot;
using testing::utc;

TEST(QuietHours, SmsQuietFrom2100ShanghaiTime) {
  const auto s = shipped_snapshot();
  // 2025-03-03 20:59 in Shanghai is 12:59 UTC.
  const auto allowed = check_send_time(*s, Channel::sms, utc(2025, 3, 3, 12, 59));
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.next_allowed, utc(2025, 3, 3, 12, 59));
  EXPECT_EQ(allowed.version, s->version);

  const auto quiet = check_send_time(*s, Channel::sms, utc(2025, 3, 3, 13, 0));
  EXPECT_FALSE(quiet.allowed);
  EXPECT_EQ(quiet.rule, "fatigue.quiet_hours.sms");
  // Next allowed: 08:00 next morning in Shanghai = 00:00 UTC.
  EXPECT_EQ(quiet.next_allowed, utc(2025, 3, 4, 0, 0));
}

TEST(QuietHours, WindowAcrossMidnightEndsAt0800) {
  const auto s = shipped_snapshot();
  // 00:30 Shanghai on 4 March (16:30 UTC on 3 March): past midnight, still quiet.
  const auto after_midnight = check_send_time(*s, Channel::sms, utc(2025, 3, 3, 16, 30));
  EXPECT_FALSE(after_midnight.allowed);
  EXPECT_EQ(after_midnight.next_allowed, utc(2025, 3, 4, 0, 0));
  // 07:59:59 Shanghai: the last quiet second.
  EXPECT_FALSE(check_send_time(*s, Channel::sms, utc(2025, 3, 3, 23, 59, 59)).allowed);
  // 08:00 Shanghai: allowed again.
  EXPECT_TRUE(check_send_time(*s, Channel::sms, utc(2025, 3, 4, 0, 0)).allowed);
}

TEST(QuietHours, SeveralWindowsOnOneChannel) {
  const auto s = shipped_snapshot();
  // outbound_call: quiet 12:00-14:00 and 20:00-09:00 Shanghai.
  const auto lunch = check_send_time(*s, Channel::outbound_call, utc(2025, 3, 3, 4, 30));  // 12:30
  EXPECT_FALSE(lunch.allowed);
  EXPECT_EQ(lunch.next_allowed, utc(2025, 3, 3, 6, 0));                                       // 14:00
  EXPECT_TRUE(check_send_time(*s, Channel::outbound_call, utc(2025, 3, 3, 11, 59)).allowed);  // 19:59
  const auto evening = check_send_time(*s, Channel::outbound_call, utc(2025, 3, 3, 12, 0));   // 20:00
  EXPECT_FALSE(evening.allowed);
  EXPECT_EQ(evening.next_allowed, utc(2025, 3, 4, 1, 0));  // 09:00 next day
}

TEST(QuietHours, BlackoutDaysFollowQuietHours) {
  const auto s = shipped_snapshot();
  // Gaokao 2026 (7-10 June, Shanghai dates). During it: nothing until 11 June 08:00,
  // the end of that night's quiet hours.
  const auto during = check_send_time(*s, Channel::sms, utc(2026, 6, 8, 2, 0));  // 10:00 on the 8th
  EXPECT_FALSE(during.allowed);
  EXPECT_EQ(during.rule, "fatigue.blackout_dates.gaokao-2026");
  EXPECT_EQ(during.next_allowed, utc(2026, 6, 11, 0, 0));
  // The evening before: quiet hours decide, and their end runs into the blackout.
  EXPECT_TRUE(check_send_time(*s, Channel::sms, utc(2026, 6, 6, 12, 59)).allowed);  // 20:59 on the 6th
  const auto eve = check_send_time(*s, Channel::sms, utc(2026, 6, 6, 13, 0));       // 21:00 on the 6th
  EXPECT_FALSE(eve.allowed);
  EXPECT_EQ(eve.rule, "fatigue.quiet_hours.sms");
  EXPECT_EQ(eve.next_allowed, utc(2026, 6, 11, 0, 0));
  // The blackout starts at 00:00 Shanghai, i.e. 16:00 UTC the day before.
  const auto push_before = check_send_time(*s, Channel::push, utc(2026, 6, 6, 13, 59));  // 21:59 on the 6th
  EXPECT_TRUE(push_before.allowed);
}

TEST(QuietHours, BlackoutOnlyForItsChannels) {
  const auto s = shipped_snapshot();
  // Spring Festival eve 2026-02-16 blacks out calls only.
  EXPECT_TRUE(check_send_time(*s, Channel::sms, utc(2026, 2, 16, 2, 0)).allowed);
  const auto call = check_send_time(*s, Channel::outbound_call, utc(2026, 2, 16, 2, 0));
  EXPECT_FALSE(call.allowed);
  EXPECT_EQ(call.rule, "fatigue.blackout_dates.spring-festival-eve-2026");
  EXPECT_EQ(call.next_allowed, utc(2026, 2, 17, 1, 0));  // 09:00 on the 17th
}

TEST(QuietHours, NeverSendableChannelHasNoNextInstant) {
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "      - { from: \"22:00\", to: \"08:00\" }\n",
               "      - { from: \"00:00\", to: \"00:00\" }\n    never_sendable: true\n");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  const auto d = check_send_time(*result.snapshot, Channel::push, utc(2025, 3, 3, 4, 0));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.next_allowed, Seconds::max());
  EXPECT_EQ(d.rule, "fatigue.quiet_hours.push.never_sendable");
}

TEST(QuietHours, OtherZoneAcrossDaylightSavingChange) {
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: Europe/Berlin");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  // Berlin moves from UTC+1 to UTC+2 at 02:00 on 2025-03-30. 21:00 on the 29th is 20:00 UTC;
  // 08:00 on the 30th is 06:00 UTC.
  EXPECT_TRUE(check_send_time(*result.snapshot, Channel::sms, utc(2025, 3, 29, 19, 59)).allowed);
  const auto d = check_send_time(*result.snapshot, Channel::sms, utc(2025, 3, 29, 20, 0));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.next_allowed, utc(2025, 3, 30, 6, 0));
}

TEST(QuietHours, WindowEndingInTheSkippedHourEndsAtTheJump) {
  PolicyCopy copy;
  copy.replace("fatigue.yaml", "time_zone: Asia/Shanghai", "time_zone: Europe/Berlin");
  copy.replace("fatigue.yaml", "{ from: \"21:00\", to: \"08:00\" }", "{ from: \"01:00\", to: \"02:30\" }");
  const auto result = copy.load();
  ASSERT_TRUE(result.ok()) << describe(result.errors);
  // 02:30 does not exist on 2025-03-30 in Berlin; the first instant after 01:00-02:30 local is
  // the jump itself, 01:00 UTC (03:00 CEST).
  const auto d = check_send_time(*result.snapshot, Channel::sms, utc(2025, 3, 30, 0, 30));  // 01:30 CET
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.next_allowed, utc(2025, 3, 30, 1, 0));
}

// ------------------------------------------------------------------------------------------

TEST(FrequencyCaps, ChannelDailyCap) {
  const auto s = shipped_snapshot();  // sms: 2/day, 5/week; overall 3/day, 8/week
  EXPECT_TRUE(check_frequency_caps(*s, Channel::sms, {1, 1, 1, 1}).allowed);
  const auto d = check_frequency_caps(*s, Channel::sms, {2, 2, 2, 2});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "fatigue.caps.sms.per_day");
  EXPECT_EQ(d.version, s->version);
}

TEST(FrequencyCaps, WeeklyAndOverallCaps) {
  const auto s = shipped_snapshot();
  EXPECT_EQ(check_frequency_caps(*s, Channel::sms, {0, 5, 0, 5}).rule, "fatigue.caps.sms.per_week");
  // Two pushes and one SMS today: the SMS cap is not reached, the overall one is.
  EXPECT_EQ(check_frequency_caps(*s, Channel::sms, {3, 3, 1, 1}).rule, "fatigue.caps.overall.per_day");
  EXPECT_EQ(check_frequency_caps(*s, Channel::push, {0, 8, 0, 4}).rule, "fatigue.caps.overall.per_week");
  const auto ok = check_frequency_caps(*s, Channel::push, {2, 7, 2, 7});
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.rule, "fatigue.caps");
}

TEST(FrequencyCaps, WeeksStartMondayMidnightInPolicyZone) {
  const auto s = shipped_snapshot();
  // Sunday 2025-03-09 23:59:59 Shanghai = 15:59:59 UTC; Monday 00:00 Shanghai = 16:00 UTC on
  // Sunday. In UTC both are Sunday; in the policy's zone they are in different weeks.
  const auto sunday = counting_periods(*s, utc(2025, 3, 9, 15, 59, 59));
  const auto monday = counting_periods(*s, utc(2025, 3, 9, 16, 0, 0));
  EXPECT_EQ(monday.week, sunday.week + 1);
  EXPECT_EQ(monday.day, sunday.day + 1);
  EXPECT_EQ(sunday.week_start, utc(2025, 3, 2, 16, 0));  // Monday 3 March 00:00 Shanghai
  EXPECT_EQ(sunday.next_week_start, utc(2025, 3, 9, 16, 0));
  EXPECT_EQ(monday.week_start, utc(2025, 3, 9, 16, 0));
  EXPECT_EQ(monday.next_week_start, utc(2025, 3, 16, 16, 0));
  EXPECT_EQ(monday.day_start, utc(2025, 3, 9, 16, 0));
  EXPECT_EQ(monday.next_day_start, utc(2025, 3, 10, 16, 0));
  // A week of Monday..Sunday in Shanghai: Tuesday to Sunday share Monday's week.
  EXPECT_EQ(counting_periods(*s, utc(2025, 3, 3, 0, 0)).week, sunday.week);
  EXPECT_EQ(counting_periods(*s, utc(2025, 3, 2, 15, 59, 59)).week, sunday.week - 1);
}

TEST(FrequencyCaps, DayBoundaryIsLocalMidnight) {
  const auto s = shipped_snapshot();
  // 23:59:59 and 00:00:00 Shanghai on 3/4 March.
  const auto before = counting_periods(*s, utc(2025, 3, 3, 15, 59, 59));
  const auto after = counting_periods(*s, utc(2025, 3, 3, 16, 0, 0));
  EXPECT_EQ(after.day, before.day + 1);
  EXPECT_EQ(before.next_day_start, after.day_start);
}

}  // namespace
}  // namespace octopus::policy
