#include "policy/frequency_caps.hpp"

namespace octopus::policy {

namespace {
constexpr std::int64_t kDay = 86400;
// 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Mondays.
constexpr std::int64_t kMondayShift = 3;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

Decision check_frequency_caps(const PolicySnapshot& snapshot, Channel channel, const ContactCounts& counts) {
  const FatiguePolicy& f = snapshot.fatigue;
  const FrequencyCap& c = f.channel_caps[static_cast<std::size_t>(channel)];
  if (counts.channel_today >= c.per_day) return {false, c.day_rule, snapshot.version};
  if (counts.channel_this_week >= c.per_week) return {false, c.week_rule, snapshot.version};
  if (counts.overall_today >= f.overall.per_day) return {false, f.overall.day_rule, snapshot.version};
  if (counts.overall_this_week >= f.overall.per_week) return {false, f.overall.week_rule, snapshot.version};
  return {true, f.caps_ok_rule, snapshot.version};
}

CountingPeriods counting_periods(const PolicySnapshot& snapshot, Seconds now) {
  const ZoneOffsets& zone = snapshot.fatigue.zone;
  CountingPeriods p;
  p.day = floor_div(zone.to_local(now), kDay);
  p.week = floor_div(p.day + kMondayShift, 7);
  const std::int64_t week_first_day = p.week * 7 - kMondayShift;
  p.day_start = zone.to_utc(p.day * kDay);
  p.next_day_start = zone.to_utc((p.day + 1) * kDay);
  p.week_start = zone.to_utc(week_first_day * kDay);
  p.next_week_start = zone.to_utc((week_first_day + 7) * kDay);
  return p;
}

}  // namespace octopus::policy
