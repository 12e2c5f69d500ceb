#include "deliveries/redis_caps_field.hpp"

#include <chrono>

namespace octopus::deliveries::redis_caps {

std::string week_key(const std::string& prefix, const policy::CountingPeriods& periods) {
  return prefix + ":caps:week:" + std::to_string(periods.week);
}

int day_byte(const policy::CountingPeriods& periods) { return static_cast<int>(((periods.day % 7) + 7) % 7); }

std::string expires_at_ms(const policy::CountingPeriods& periods) {
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(periods.next_week_start.time_since_epoch() +
                                                                        std::chrono::hours(1));
  return std::to_string(at.count());
}

ContactTally decode(std::string_view field, const policy::CountingPeriods& periods) {
  ContactTally t;
  if (field.size() != kFieldWidth) return t;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(field[i]); };
  t.overall_week = byte(5);
  for (std::size_t c = 0; c < policy::kChannelCount; ++c) t.channel_week[c] = byte(6 + c);
  if (byte(0) == day_byte(periods)) {
    t.overall_day = byte(1);
    for (std::size_t c = 0; c < policy::kChannelCount; ++c) t.channel_day[c] = byte(2 + c);
  }
  return t;
}

std::string encode(const ContactTally& tally, const policy::CountingPeriods& periods) {
  std::string out(kFieldWidth, '\0');
  out[0] = static_cast<char>(day_byte(periods));
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

void append_record(std::string& bucket, std::uint64_t subscriber, const ContactTally& tally,
                   const policy::CountingPeriods& periods) {
  const auto offset = subscriber & (kBucketIds - 1);
  bucket.push_back(static_cast<char>(offset & 0xff));
  bucket.push_back(static_cast<char>(offset >> 8));
  bucket += encode(tally, periods);
}

}  // namespace octopus::deliveries::redis_caps
