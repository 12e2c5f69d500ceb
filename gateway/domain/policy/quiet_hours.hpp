// May a message go out on a channel at this instant, and if not, when is the first moment
// it may? Quiet hours and blackout dates are read in the policy time zone (fatigue.yaml),
// so "21:00" means 21:00 in Asia/Shanghai whatever the server's clock zone.
#pragma once
#include <chrono>

#include "policy/policy_snapshot.hpp"

namespace octopus::policy {

struct SendTimeDecision {
  bool allowed = false;
  Seconds next_allowed{};  // == the asked instant when allowed; Seconds::max() if never
  std::string_view rule;   // the quiet-hours or blackout rule that decided
  std::string_view version;
};

// Pure and allocation-free.
SendTimeDecision check_send_time(const PolicySnapshot& snapshot, Channel channel, Seconds now);

// If local time `local` (seconds since 1970-01-01, wall clock) falls in `window`, the local
// time the window ends. Shared with policy_explain so both read a window the same way.
std::optional<std::int64_t> quiet_window_end(const QuietWindow& window, std::int64_t local);

}  // namespace octopus::policy
