#include "policy/zone_offsets.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <date/tz.h>

namespace octopus::policy {

namespace {
// The table covers these years; instants outside use the nearest period.
constexpr std::int64_t kTableStart = 0;         // 1970-01-01
constexpr std::int64_t kTableEnd = 7258118400;  // 2200-01-01
constexpr int kMaxPeriods = 4096;
}  // namespace

bool is_known_time_zone(const std::string& name) {
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

ZoneOffsets::ZoneOffsets(const std::string& name) : name_(name) {
  const date::time_zone* zone = date::locate_zone(name);  // throws for an unknown name
  std::int64_t t = kTableStart;
  while (t < kTableEnd && periods_.size() < kMaxPeriods) {
    const auto info = zone->get_info(Seconds(std::chrono::seconds(t)));
    periods_.push_back({t, static_cast<std::int32_t>(info.offset.count())});
    const std::int64_t next = info.end.time_since_epoch().count();
    if (next <= t) break;
    t = next;
  }
  // Merge neighbours with equal offsets (abbreviation-only changes) to keep the table short.
  periods_.erase(std::unique(periods_.begin(), periods_.end(),
                             [](const Period& a, const Period& b) { return a.offset == b.offset; }),
                 periods_.end());
}

const ZoneOffsets::Period& ZoneOffsets::period_at(std::int64_t utc) const {
  auto it = std::upper_bound(periods_.begin(), periods_.end(), utc,
                             [](std::int64_t t, const Period& p) { return t < p.begin; });
  return it == periods_.begin() ? periods_.front() : *(it - 1);
}

std::chrono::seconds ZoneOffsets::offset_at(Seconds instant) const {
  if (periods_.empty()) return std::chrono::seconds(0);
  return std::chrono::seconds(period_at(instant.time_since_epoch().count()).offset);
}

Seconds ZoneOffsets::to_utc(std::int64_t local) const {
  if (periods_.empty()) return Seconds(std::chrono::seconds(local));
  // Offsets change at most a few hours at a time and never twice within two days, so the
  // candidates are the offsets in force a day either side.
  const std::int32_t before = period_at(local - 86400).offset;
  const std::int32_t after = period_at(local + 86400).offset;
  std::int64_t best = std::numeric_limits<std::int64_t>::max();
  for (std::int32_t offset : {before, after}) {
    const std::int64_t utc = local - offset;
    if (period_at(utc).offset == offset) best = std::min(best, utc);
  }
  if (best == std::numeric_limits<std::int64_t>::max()) {
    // `local` falls in a gap (clocks jumped forward): the jump itself is the answer.
    best = period_at(local - before).begin;
  }
  return Seconds(std::chrono::seconds(best));
}

}  // namespace octopus::policy
