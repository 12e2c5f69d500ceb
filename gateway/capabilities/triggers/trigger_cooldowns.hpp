// When each trigger last sent to each subscriber, so that a trigger's cooldown holds between
// its messages. LocalTriggerCooldowns keeps them in this process (rebuilt from the message
// sink at start); RedisTriggerCooldowns keeps them in Redis, so the instance that takes the
// triggers over from another one knows what that one sent.
#pragma once
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "redis/redis_client.hpp"

namespace octopus::triggers {

class TriggerCooldowns {
 public:
  virtual ~TriggerCooldowns() = default;
  // cooling[i]: whether the trigger sent to subscribers[i] less than `cooldown_ms` before
  // `now_ms`. Throws deliveries::CapsUnavailable when a shared store cannot be asked: the
  // pass then sends nothing.
  virtual std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                    std::int64_t now_ms, std::int64_t cooldown_ms) = 0;
  // The trigger sent to them at `at_ms`. Never throws: a message already sent must not be
  // reported as failed.
  virtual void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers, std::int64_t at_ms,
                    std::int64_t cooldown_ms) noexcept = 0;
};

class LocalTriggerCooldowns final : public TriggerCooldowns {
 public:
  std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers, std::int64_t now_ms,
                            std::int64_t cooldown_ms) override;
  void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers, std::int64_t at_ms,
            std::int64_t cooldown_ms) noexcept override;

 private:
  std::mutex mutex_;
  // trigger id → subscriber → when it last sent to them
  std::unordered_map<std::string, std::unordered_map<std::uint64_t, std::int64_t>> last_sent_;
};

// Keys `<prefix>:cooldown:<trigger>:<subscriber>` holding when the trigger last sent, each
// expiring when its cooldown ends. What this instance sent is also kept here, so a message
// whose key Redis could not take still cools down on this instance.
class RedisTriggerCooldowns final : public TriggerCooldowns {
 public:
  RedisTriggerCooldowns(redis::RedisClient& redis, std::string key_prefix);
  std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers, std::int64_t now_ms,
                            std::int64_t cooldown_ms) override;
  void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers, std::int64_t at_ms,
            std::int64_t cooldown_ms) noexcept override;

 private:
  std::vector<std::string> keys(const std::string& trigger, std::span<const std::uint64_t> subscribers) const;

  redis::RedisClient& redis_;
  std::string prefix_;
  LocalTriggerCooldowns here_;
};

}  // namespace octopus::triggers
