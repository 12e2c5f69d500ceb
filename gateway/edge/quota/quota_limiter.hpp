// Applies a partner's quota plan (quotas.yaml, from the pinned policy snapshot) to one
// request: rate (GCRA) and the day and month quotas of the request's capability class, in
// the policy time zone. Produces the IETF RateLimit-Policy / RateLimit field values, and on
// refusal which policy was violated and when retrying succeeds. When the counters cannot
// answer, the plan's outage mode decides: open (admit, for reads) or closed (refuse, the
// default for spending), with a log line and a metric either way.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "policy/policy_snapshot.hpp"
#include "quota/counter_store.hpp"
#include "quota/quota_periods.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::quota {

enum class OutageMode { open, closed };

// The decision as numbers; the RateLimit field values are rendered from them only when a
// response needs them, so the decision itself allocates nothing. `plan` points into the
// policy snapshot, which the request holds for as long as it holds the decision.
struct LimitDecision {
  Verdict verdict = Verdict::allowed;
  bool counters_unavailable = false;  // decided by the outage mode, not by counting
  bool refused_by_outage = false;
  bool refused() const { return verdict != Verdict::allowed || refused_by_outage; }
  std::string_view plan;
  policy::CapabilityClass capability_class = policy::CapabilityClass::reads;
  std::int64_t retry_after_s = 0;  // when refused: retrying then succeeds

  // RateLimit-Policy: the rate (written as an integer quota over a window), its burst, the
  // period quotas.
  double per_second = 0;
  std::uint64_t burst = 0;
  std::uint64_t day_limit = 0, month_limit = 0;
  std::int64_t day_window_s = 0, month_window_s = 0;
  // RateLimit: what remains and the seconds until more is available (counted decisions only).
  std::uint64_t rate_remaining = 0, day_remaining = 0, month_remaining = 0;
  std::int64_t rate_reset_s = 0, day_reset_s = 0, month_reset_s = 0;

  // "reads", "reads-day", "reads-month" when refused by counting; empty otherwise.
  std::string violated_policy() const;
  std::string policy_field() const;  // RateLimit-Policy value
  std::string limit_field() const;   // RateLimit value; empty when the counters are unavailable
};

// Units of a period quota taken ahead of use (a delivery's messages), to be given back
// to the same periods they were taken from.
struct Reservation {
  std::string partner;
  policy::CapabilityClass capability_class = policy::CapabilityClass::deliveries;
  PeriodLimit day, month;
  std::uint64_t amount = 0;
};

struct PeriodUsage {
  std::uint64_t limit = 0, used = 0;
  std::int64_t resets_at = 0;  // Unix seconds
};
struct UsageLine {
  policy::CapabilityClass capability_class;
  double per_second = 0;
  std::uint64_t burst = 0;
  std::int64_t rate_remaining = 0;
  std::int64_t rate_full_in_ms = 0;
  PeriodUsage day, month;
  OutageMode on_outage = OutageMode::open;
};
struct UsageReport {
  std::string plan;
  std::string backend;
  bool counters_available = true;
  QuotaPeriods periods;
  std::vector<UsageLine> classes;
};

class QuotaLimiter {
 public:
  explicit QuotaLimiter(CounterStore& store, const Clock& clock = system_clock());

  LimitDecision admit(const policy::PolicySnapshot& snapshot, std::string_view partner, policy::CapabilityClass c,
                      std::uint64_t cost = 1);

  // All or nothing; nullopt when the allowance would be exceeded. Throws CounterUnavailable
  // when the counters cannot answer (spending never fails open).
  std::optional<Reservation> reserve(const policy::PolicySnapshot& snapshot, std::string_view partner,
                                     policy::CapabilityClass c, std::uint64_t amount);
  // Gives back `amount` (at most what was reserved) to the periods it was taken from.
  void release(const Reservation& reservation, std::uint64_t amount);

  // Throws CounterUnavailable.
  UsageReport usage(const policy::PolicySnapshot& snapshot, std::string_view partner);

  CounterStore& store() { return store_; }

 private:
  const QuotaPeriods& periods_at(const policy::PolicySnapshot& snapshot, std::int64_t now_s) const;
  std::int64_t read_clock() const;

  CounterStore& store_;
  const Clock& clock_;
};

// "reads", "reads-day", "reads-month"
std::string policy_name(policy::CapabilityClass c, std::string_view period = {});
OutageMode outage_mode(const policy::RateLimit& limit, policy::CapabilityClass c);

}  // namespace octopus::quota
