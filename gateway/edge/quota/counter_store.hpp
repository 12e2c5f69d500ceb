// Where rate and quota counters live: in this process (MemoryCounterStore, one node) or in
// Redis (RedisCounterStore, shared by every instance). One admission is one atomic step in
// either: the rate check, then the day and month quotas, all or nothing, so concurrent
// requests, here or on another instance, can never together pass a limit.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "policy/policy_types.hpp"
#include "quota/gcra.hpp"

namespace octopus::quota {

// The back-end could not answer (Redis down, timed out). The limiter applies the plan's
// outage mode: fail open (admit) or fail closed (refuse).
class CounterUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PeriodLimit {
  std::int64_t id = 0;       // QuotaPeriods::day or ::month
  std::uint64_t limit = 0;   // most units in the period
  std::int64_t ends_at = 0;  // Unix seconds; counters may be forgotten after it
};

struct AdmitRequest {
  std::string_view partner;
  policy::CapabilityClass capability_class;
  GcraLimit rate;
  PeriodLimit day;
  PeriodLimit month;
  std::uint64_t cost = 1;
};

enum class Verdict { allowed, rate_limited, day_exhausted, month_exhausted };

struct Admission {
  Verdict verdict = Verdict::allowed;
  GcraOutcome rate;            // the rate check's outcome (also when a quota refused)
  std::uint64_t day_used = 0;  // after this request when admitted
  std::uint64_t month_used = 0;
};

// Current state for the admin usage view; reading it changes nothing.
struct ClassUsage {
  GcraOutcome rate;  // as if one request came now (allowed, remaining, reset)
  std::uint64_t day_used = 0;
  std::uint64_t month_used = 0;
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  virtual std::string_view backend() const = 0;  // "memory" | "redis"

  // Rate first; a request the rate refuses takes no quota. Then the day and month quotas
  // together: either both take `cost` or neither does. `now_ns` is Unix nanoseconds (a
  // shared back-end may use its own clock instead, so that instances agree).
  virtual Admission admit(const AdmitRequest& request, std::int64_t now_ns) = 0;

  // Takes `amount` from the day and month quotas of the class, all or nothing, without the
  // rate (message allowances reserved for a delivery). False when it would exceed either.
  virtual bool reserve(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day,
                       const PeriodLimit& month, std::uint64_t amount) = 0;
  // Gives back units reserved and not used (never below zero).
  virtual void release(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day,
                       const PeriodLimit& month, std::uint64_t amount) = 0;

  virtual ClassUsage usage(std::string_view partner, policy::CapabilityClass c, const GcraLimit& rate,
                           const PeriodLimit& day, const PeriodLimit& month, std::int64_t now_ns) = 0;
};

}  // namespace octopus::quota
