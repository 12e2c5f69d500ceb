// The frequency ledger shared by every instance (FrequencyLedger), in Redis, any instance
// counting: the layout of redis_caps_field.hpp, read and written by Lua scripts.
//
// A batch is checked and counted by one Lua script per kAsksPerCall asks: Redis runs a
// script alone, so instances racing for a subscriber's last slot cannot both take it, and
// no other client waits behind one call for more than a few milliseconds.
//
// Fail-closed: when Redis cannot be asked (down, timed out, its breaker open) the batch is
// refused with CapsUnavailable and nothing is sent unchecked. Counts live only in Redis: a
// Redis that restarts without its data (no appendonly file) forgets the contacts made this
// week, so deploy/README.md asks for persistence.
#pragma once
#include <string>

#include "deliveries/frequency_ledger.hpp"
#include "redis/redis_client.hpp"

namespace octopus::deliveries {

class RedisContactLedger final : public FrequencyLedger {
 public:
  static constexpr std::size_t kAsksPerCall = 2000;

  RedisContactLedger(redis::RedisClient& redis, std::string key_prefix);

  void reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                     policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) override;
  void release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                     std::span<const std::uint64_t> subscribers) override;
  // Messages counted for the subscriber in the periods (for tests and the console).
  policy::ContactCounts counts(const policy::CountingPeriods& periods, std::uint64_t subscriber,
                               policy::Channel channel);

 private:
  std::string key(const policy::CountingPeriods& periods) const;
  redis::RedisReply call(const redis::RedisScript& script, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args);

  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace octopus::deliveries
