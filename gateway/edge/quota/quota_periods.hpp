// The calendar periods quotas count in: the day and the month in the policy's time zone
// (fatigue.yaml's zone, Asia/Shanghai by default), so "per day" resets at local midnight
// and "per month" on the 1st at 00:00 local, whatever the server's clock zone.
#pragma once
#include <cstdint>

#include "policy/policy_snapshot.hpp"

namespace octopus::quota {

struct QuotaPeriods {
  std::int64_t day = 0;            // local days since 1970-01-01
  std::int64_t month = 0;          // local months since 1970-01 (year * 12 + month - 1 - 1970 * 12)
  std::int64_t day_starts_at = 0;  // Unix seconds of this local midnight
  std::int64_t month_starts_at = 0;
  std::int64_t day_ends_at = 0;    // Unix seconds of the next local midnight
  std::int64_t month_ends_at = 0;  // Unix seconds of the next 1st, 00:00 local
};

QuotaPeriods quota_periods(const policy::PolicySnapshot& snapshot, std::int64_t now_unix_seconds);

}  // namespace octopus::quota
