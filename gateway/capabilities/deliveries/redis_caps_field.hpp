// How the frequency caps are laid out in Redis, shared by the two ledgers that count there
// (RedisContactLedger, any instance; HolderContactLedger, the lease holder), so that either
// reads what the other wrote: one hash per counting week (`<prefix>:caps:week:<week>`),
// one field per subscriber contacted that week, nine bytes: which day of the week the day
// counts are for (the counting day mod 7: distinct within a week), the messages that day in
// all, by SMS, push and outbound call, then the same for the week. A new week is a new key,
// kept until an hour after its week ends.
#pragma once
#include <string>
#include <string_view>

#include "deliveries/frequency_ledger.hpp"

namespace octopus::deliveries::redis_caps {

static_assert(policy::kChannelCount == 3, "the ledger's field holds three channels' counts");
constexpr std::size_t kFieldWidth = 9;

std::string week_key(const std::string& prefix, const policy::CountingPeriods& periods);
// The day byte of the periods' day.
int day_byte(const policy::CountingPeriods& periods);
// When the week's key expires (unix ms, decimal): an hour after the week ends.
std::string expires_at_ms(const policy::CountingPeriods& periods);
// A field's counts as of `periods` (day counts only when the field's day is today); zeros
// for anything that is not a field of this layout.
ContactTally decode(std::string_view field, const policy::CountingPeriods& periods);
// The field for `tally`, its day counts as of the periods' day.
std::string encode(const ContactTally& tally, const policy::CountingPeriods& periods);

}  // namespace octopus::deliveries::redis_caps
