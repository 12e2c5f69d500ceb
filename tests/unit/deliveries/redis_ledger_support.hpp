// What the tests of the ledgers counting in Redis share: the shipped policies, counting
// periods from now on, and a client for a test's redis-server.
#pragma once
#include <chrono>
#include <memory>
#include <stdexcept>

#include "policy/frequency_caps.hpp"
#include "policy/policy_set.hpp"
#include "redis/redis_client.hpp"

namespace octopus::deliveries::testing_support {

inline std::shared_ptr<const policy::PolicySnapshot> shipped() {
  static const auto r = policy::load_policies(OCTOPUS_POLICIES_DIR);
  if (!r.ok()) throw std::runtime_error("shipped policies refused");
  return r.snapshot;
}

// Periods from now on: Redis drops the keys of a period that ended over an hour ago.
inline policy::CountingPeriods days_from_now(int days) {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return policy::counting_periods(*shipped(), policy::Seconds(now.time_since_epoch() + std::chrono::days(days)));
}

// The periods of a day of next week (0: its first day), at 10:00 local time: days of one
// week the real clock has not passed.
inline policy::CountingPeriods next_week(int day) {
  const auto now = days_from_now(0);
  const auto into_week = std::chrono::duration_cast<std::chrono::hours>(now.day_start - now.week_start).count() / 24;
  const auto start = days_from_now(static_cast<int>(7 - into_week + day)).day_start;
  return policy::counting_periods(*shipped(), start + std::chrono::hours(10));
}

inline redis::RedisOptions on(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  redis::RedisOptions o;
  o.port = port;
  o.command_timeout = timeout;  // by default a loaded test machine, not a latency budget
  o.breaker_min = std::chrono::milliseconds(10);
  o.breaker_max = std::chrono::milliseconds(100);
  return o;
}

}  // namespace octopus::deliveries::testing_support
