// GCRA, the generic cell rate algorithm: a rate limit held as one number per key, the
// theoretical arrival time (TAT) of the next request. It admits `burst` requests at once
// from idle and then one per emission interval, with no background refill and no
// per-window reset, so the same arithmetic works in memory and inside a Redis script.
#pragma once
#include <cstdint>

namespace octopus::quota {

struct GcraLimit {
  std::int64_t interval_ns = 0;  // emission interval: 1 s / rate
  std::int64_t burst = 1;        // requests admitted at once from idle (>= 1)
};

// per_second > 0, burst >= 1.
GcraLimit gcra_limit(double per_second, std::uint64_t burst);

struct GcraOutcome {
  bool allowed = false;
  std::int64_t tat_ns = 0;          // the TAT to store (unchanged when refused)
  std::int64_t remaining = 0;       // requests that would still be admitted now
  std::int64_t retry_after_ns = 0;  // refused: when the same request would be admitted
  std::int64_t reset_after_ns = 0;  // until the full burst is available again
};

// `tat_ns` is the stored TAT (0 for a new key). Pure.
GcraOutcome gcra_decide(std::int64_t tat_ns, std::int64_t now_ns, const GcraLimit& limit, std::int64_t cost = 1);

// The outcome of an admission that left the TAT at `tat_ns` (what gcra_decide reports when
// it admits; also for admissions counted ahead of time, whose TAT may already lie behind
// `now_ns`).
GcraOutcome gcra_admitted(std::int64_t tat_ns, std::int64_t now_ns, const GcraLimit& limit);

}  // namespace octopus::quota
