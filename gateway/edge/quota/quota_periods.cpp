#include "quota/quota_periods.hpp"

#include <chrono>

namespace octopus::quota {

namespace {
constexpr std::int64_t kDay = 86400;
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

QuotaPeriods quota_periods(const policy::PolicySnapshot& snapshot, std::int64_t now) {
  using namespace std::chrono;
  const auto& zone = snapshot.fatigue.zone;
  const policy::Seconds instant{seconds(now)};
  QuotaPeriods p;
  p.day = floor_div(zone.to_local(instant), kDay);
  const year_month_day date{sys_days{days{p.day}}};
  p.month = (static_cast<int>(date.year()) - 1970) * 12 + static_cast<int>(static_cast<unsigned>(date.month())) - 1;
  p.day_starts_at = zone.to_utc(p.day * kDay).time_since_epoch().count();
  p.day_ends_at = zone.to_utc((p.day + 1) * kDay).time_since_epoch().count();
  const std::int64_t month_first_day =
      sys_days{year_month{date.year(), date.month()} / day{1}}.time_since_epoch().count();
  p.month_starts_at = zone.to_utc(month_first_day * kDay).time_since_epoch().count();
  const year_month next_month = year_month{date.year(), date.month()} + months{1};
  const std::int64_t next_month_day = sys_days{next_month / day{1}}.time_since_epoch().count();
  p.month_ends_at = zone.to_utc(next_month_day * kDay).time_since_epoch().count();
  return p;
}

}  // namespace octopus::quota
