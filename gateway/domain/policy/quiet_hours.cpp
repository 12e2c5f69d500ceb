#include "policy/quiet_hours.hpp"

namespace octopus::policy {

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<std::int64_t> quiet_window_end(const QuietWindow& w, std::int64_t local) {
  const std::int64_t day = floor_div(local, kDay) * kDay;
  const std::int64_t s = local - day;
  const std::int64_t from = w.from_minute * 60, to = w.to_minute * 60;
  if (from < to) {
    if (s >= from && s < to) return day + to;
  } else if (from > to) {  // crosses midnight
    if (s >= from) return day + kDay + to;
    if (s < to) return day + to;
  } else {
    return day + kDay + to;  // the whole day: only with never_sendable, handled before
  }
  return std::nullopt;
}

SendTimeDecision check_send_time(const PolicySnapshot& snapshot, Channel channel, Seconds now) {
  const FatiguePolicy& f = snapshot.fatigue;
  const QuietHours& quiet = f.quiet_hours[static_cast<std::size_t>(channel)];
  if (quiet.never_sendable) return {false, Seconds::max(), quiet.never_sendable_rule, snapshot.version};

  const std::uint32_t bit = 1u << static_cast<unsigned>(channel);
  const std::int64_t start = f.zone.to_local(now);
  std::int64_t local = start;
  std::string_view first_rule;
  // Each pass moves `local` past one window or one blackout, and none of them can be met
  // twice; the consistency checks guarantee the windows leave part of every day free.
  const std::size_t max_passes = (f.blackouts.size() + 1) * (quiet.windows.size() + 2) + 2;
  for (std::size_t pass = 0; pass < max_passes; ++pass) {
    bool moved = false;
    const std::int64_t day = floor_div(local, kDay);
    for (const Blackout& b : f.blackouts) {
      if (b.first_day > day) break;  // sorted by first_day
      if ((b.channels & bit) && day <= b.last_day) {
        if (first_rule.empty()) first_rule = b.rule;
        local = (b.last_day + 1) * kDay;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    for (const QuietWindow& w : quiet.windows) {
      if (auto end = quiet_window_end(w, local)) {
        if (first_rule.empty()) first_rule = quiet.rule;
        local = *end;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  if (local == start) return {true, now, quiet.rule, snapshot.version};
  return {false, f.zone.to_utc(local), first_rule, snapshot.version};
}

}  // namespace octopus::policy
