#include "deliveries/redis_caps_field.hpp"

#include <chrono>

namespace octopus::deliveries::redis_caps {

std::string week_key(const std::string& prefix, const policy::CountingPeriods& periods) {
  return prefix + ":caps:week:" + std::to_string(periods.week);
}

std::string expires_at_ms(const policy::CountingPeriods& periods) {
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(periods.next_week_start.time_since_epoch() +
                                                                        std::chrono::hours(1));
  return std::to_string(at.count());
}

std::int64_t first_day(const policy::CountingPeriods& periods) {
  using namespace std::chrono;
  const auto into_week = duration_cast<hours>(periods.day_start - periods.week_start).count();
  return periods.day - (into_week + 12) / 24;  // whole days (a DST day is 23 or 25 hours)
}

namespace {
// The day of the periods' week whose day byte is `byte`: the week's days have distinct bytes.
std::int64_t day_in_week(int byte, const policy::CountingPeriods& periods) {
  const auto first = first_day(periods);
  return first + day_byte(byte - day_byte(first));
}
}  // namespace

Kept decode_kept(std::string_view field, const policy::CountingPeriods& periods) {
  Kept k;
  if (!well_formed(field)) return k;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(field[i]); };
  k.day = day_in_week(byte(0), periods);
  k.tally.overall_day = byte(1);
  k.tally.overall_week = byte(5);
  for (std::size_t c = 0; c < policy::kChannelCount; ++c) {
    k.tally.channel_day[c] = byte(2 + c);
    k.tally.channel_week[c] = byte(6 + c);
  }
  return k;
}

ContactTally decode(std::string_view field, const policy::CountingPeriods& periods) {
  auto kept = decode_kept(field, periods);
  if (kept.day != periods.day) {  // another day's: the week's counts alone
    kept.tally.overall_day = 0;
    kept.tally.channel_day.fill(0);
  }
  return kept.tally;
}

std::string encode(const ContactTally& tally, std::int64_t day) {
  std::string out(kFieldWidth, '\0');
  out[0] = static_cast<char>(day_byte(day));
  out[1] = static_cast<char>(tally.overall_day);
  out[5] = static_cast<char>(tally.overall_week);
  for (std::size_t c = 0; c < policy::kChannelCount; ++c) {
    out[2 + c] = static_cast<char>(tally.channel_day[c]);
    out[6 + c] = static_cast<char>(tally.channel_week[c]);
  }
  return out;
}

std::string held_key(const std::string& prefix, const policy::CountingPeriods& periods) {
  return prefix + ":caps:held:" + std::to_string(periods.week);
}

void append_record(std::string& bucket, std::uint64_t subscriber, const ContactTally& tally, std::int64_t day) {
  const auto offset = subscriber & (kBucketIds - 1);
  bucket.push_back(static_cast<char>(offset & 0xff));
  bucket.push_back(static_cast<char>(offset >> 8));
  bucket += encode(tally, day);
}

}  // namespace octopus::deliveries::redis_caps
