// Frequency caps of fatigue.yaml: how many messages one subscriber may still receive, from
// all partners together. Days and weeks are calendar days and weeks in the policy time
// zone, a week starting on Monday 00:00; counting_periods() tells a counter store which
// day and week an instant belongs to, so counts reset exactly where the policy says.
#pragma once
#include <cstdint>

#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct ContactCounts {  // messages already sent to the subscriber
  std::uint32_t overall_today = 0;
  std::uint32_t overall_this_week = 0;
  std::uint32_t channel_today = 0;
  std::uint32_t channel_this_week = 0;
};

struct CountingPeriods {
  std::int64_t day = 0;                     // local days since 1970-01-01
  std::int64_t week = 0;                    // local Monday-based weeks since 1970-01-05 (week 0 holds 1970-01-01)
  Seconds day_start{}, next_day_start{};    // UTC instants
  Seconds week_start{}, next_week_start{};  // UTC instants
};

// Pure and allocation-free. Denies when one more message would exceed a cap; checks the
// channel's caps before the overall ones, days before weeks.
Decision check_frequency_caps(const PolicySnapshot& snapshot, Channel channel, const ContactCounts& counts);

CountingPeriods counting_periods(const PolicySnapshot& snapshot, Seconds now);

}  // namespace octopus::policy
