// How the frequency caps are laid out in Redis by the two ledgers that count there.
//
// - A subscriber's counts, nine bytes: which day of the week the day counts are for (the
//   counting day mod 7: distinct within a week), the messages that day in all, by SMS, push
//   and outbound call, then the same for the week.
// - RedisContactLedger (any instance counting, in Lua): one hash per counting week
//   (`<prefix>:caps:week:<week>`), one field per subscriber contacted that week.
// - HolderContactLedger (the lease holder counting): one hash per week
//   (`<prefix>:caps:held:<week>`), one field per bucket of 1,024 subscriber ids (the id /
//   1,024, decimal) holding an 11-byte record per subscriber of them contacted that week:
//   the id mod 1,024 (two bytes, little-endian), then the nine bytes. The holder knows every
//   count, so it writes whole buckets: Redis stores and parses one field where the
//   per-subscriber layout has dozens (a batch of 10,000 members of a 1 M fan-out over
//   ids a few apart touches about a hundred buckets).
//
// A new week is a new key, kept until an hour after its week ends.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "deliveries/frequency_ledger.hpp"

namespace octopus::deliveries::redis_caps {

static_assert(policy::kChannelCount == 3, "the ledger's field holds three channels' counts");
constexpr std::size_t kFieldWidth = 9;

std::string week_key(const std::string& prefix, const policy::CountingPeriods& periods);
// The day byte of a counting day (the day mod 7), and of the periods' day.
inline int day_byte(std::int64_t day) { return static_cast<int>(((day % 7) + 7) % 7); }
inline int day_byte(const policy::CountingPeriods& periods) { return day_byte(periods.day); }
// The first day of the periods' week.
std::int64_t first_day(const policy::CountingPeriods& periods);
// When the week's key expires (unix ms, decimal): an hour after the week ends.
std::string expires_at_ms(const policy::CountingPeriods& periods);
// Whether `field` has this layout's width (anything else is not a field of it).
inline bool well_formed(std::string_view field) { return field.size() == kFieldWidth; }
// A field's counts as of `periods` (day counts only when the field's day is today); zeros
// for anything that is not a field of this layout.
ContactTally decode(std::string_view field, const policy::CountingPeriods& periods);
// A field's counts as kept, and the day of the periods' week they are for.
struct Kept {
  std::int64_t day = 0;
  ContactTally tally;
};
Kept decode_kept(std::string_view field, const policy::CountingPeriods& periods);
// The field for `tally`, its day counts those of `day`.
std::string encode(const ContactTally& tally, std::int64_t day);

constexpr unsigned kBucketBits = 10;  // 1,024 subscriber ids to a bucket
constexpr std::size_t kBucketIds = std::size_t{1} << kBucketBits;
constexpr std::size_t kRecordWidth = 2 + kFieldWidth;

std::string held_key(const std::string& prefix, const policy::CountingPeriods& periods);
inline std::uint64_t bucket_of(std::uint64_t subscriber) { return subscriber >> kBucketBits; }
// Appends the subscriber's record (its counts of `day`) to its bucket's value.
void append_record(std::string& bucket, std::uint64_t subscriber, const ContactTally& tally, std::int64_t day);
// Whether a bucket's value has this layout's shape (whole records).
inline bool well_formed_bucket(std::string_view value) { return value.size() % kRecordWidth == 0; }
// f(subscriber, field) for each whole record of bucket `bucket`'s value.
template <typename F>
void for_each_record(std::uint64_t bucket, std::string_view value, F&& f) {
  for (std::size_t at = 0; at + kRecordWidth <= value.size(); at += kRecordWidth) {
    const auto offset =
        (static_cast<std::uint8_t>(value[at]) | static_cast<std::uint8_t>(value[at + 1]) << 8) & (kBucketIds - 1);
    f(bucket << kBucketBits | offset, value.substr(at + 2, kFieldWidth));
  }
}

}  // namespace octopus::deliveries::redis_caps
