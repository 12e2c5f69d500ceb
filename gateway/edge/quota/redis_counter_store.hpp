// Counters shared by every gateway instance, in Redis. Each admission is one Lua script run
// (atomic in Redis): GCRA on Redis's own clock, so instances with drifting clocks still
// agree, then the day and month quotas, all or nothing. Keys share a {partner} hash tag so
// the script's keys sit in one slot on a Redis Cluster too. Period keys expire a day after
// their period ends; rate keys when the partner has been idle long enough to be full again.
#pragma once
#include "quota/counter_store.hpp"
#include "redis/redis_client.hpp"

namespace octopus::quota {

class RedisCounterStore final : public CounterStore {
 public:
  explicit RedisCounterStore(redis::RedisClient& client, std::string key_prefix = "octopus");
  std::string_view backend() const override { return "redis"; }
  // Throw CounterUnavailable when Redis cannot answer.
  Admission admit(const AdmitRequest& request, std::int64_t now_ns) override;
  bool reserve(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  void release(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day, const PeriodLimit& month,
               std::uint64_t amount) override;
  ClassUsage usage(std::string_view partner, policy::CapabilityClass c, const GcraLimit& rate, const PeriodLimit& day,
                   const PeriodLimit& month, std::int64_t now_ns) override;

 private:
  std::string rate_key(std::string_view partner, policy::CapabilityClass c) const;
  std::string day_key(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day) const;
  std::string month_key(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& month) const;
  redis::RedisReply call(const redis::RedisScript& script, const std::vector<std::string>& keys,
                         const std::vector<std::string>& args);

  redis::RedisClient& client_;
  std::string prefix_;
};

}  // namespace octopus::quota
