// What the tests of the ledgers counting in Redis share: the shipped policies, counting
// periods from now on, and a client for a test's redis-server.
#pragma once
#include <chrono>
#include <memory>
#include <random>
#include <vector>
#include <stdexcept>

#include "deliveries/frequency_ledger.hpp"
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

// What `ledger` grants `asks` in one batch.
inline std::vector<bool> ask(FrequencyLedger& ledger, const policy::CountingPeriods& p, policy::Channel c,
                             std::vector<FrequencyLedger::Ask> asks) {
  std::vector<bool> granted;
  ledger.reserve_batch(*shipped(), p, c, asks, granted);
  return granted;
}

inline redis::RedisOptions on(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  redis::RedisOptions o;
  o.port = port;
  o.command_timeout = timeout;  // by default a loaded test machine, not a latency budget
  o.breaker_min = std::chrono::milliseconds(10);
  o.breaker_max = std::chrono::milliseconds(100);
  return o;
}

// Thirty rounds of 200 random asks (60 subscribers, a quarter only checked, ten rounds on
// each of `days`), each answered by `shared` and by an in-process ledger, with every
// seventh granted slot given back to both. Returns how many were granted; a round answered
// differently fails the test.
inline std::size_t ask_both_at_random(FrequencyLedger& shared, FrequencyLedger& local,
                                      const policy::CountingPeriods (&days)[3], std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::size_t granted_total = 0;
  for (int round = 0; round < 30; ++round) {
    const auto& period = days[round / 10];
    const auto channel = policy::kChannels[random() % policy::kChannelCount];
    std::vector<FrequencyLedger::Ask> asks;
    for (int i = 0; i < 200; ++i) asks.push_back({1 + random() % 60, random() % 4 != 0});
    std::vector<bool> theirs, mine;
    shared.reserve_batch(*shipped(), period, channel, asks, theirs);
    local.reserve_batch(*shipped(), period, channel, asks, mine);
    EXPECT_EQ(theirs, mine) << "round " << round;
    if (theirs != mine) break;
    for (const bool g : theirs) granted_total += g;
    std::vector<std::uint64_t> back;
    for (std::size_t i = 0; i < asks.size(); i += 7)
      if (theirs[i] && asks[i].keep) back.push_back(asks[i].subscriber);
    shared.release_batch(period, channel, back);
    local.release_batch(period, channel, back);
  }
  return granted_total;
}

}  // namespace octopus::deliveries::testing_support
