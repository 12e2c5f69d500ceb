// When each trigger last sent to each subscriber, so that a trigger's cooldown holds between
// its messages. LocalTriggerCooldowns keeps them in this process (rebuilt from the message
// sink at start); RedisTriggerCooldowns keeps them in Redis, so the instance that takes the
// triggers over from another one knows what that one sent.
#pragma once
#include <chrono>
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
  // `now_ms`, or already answered the event sequences[i] (or a later one) for them: an event
  // handed over again after a takeover or a restart fires once, whatever the cooldown.
  // Throws deliveries::CapsUnavailable when a shared store cannot be asked: the pass then
  // sends nothing.
  virtual std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                    std::span<const std::uint64_t> sequences, std::int64_t now_ms,
                                    std::int64_t cooldown_ms) = 0;
  // The trigger sent to them at `at_ms`, answering the events `sequences` (0: not known).
  // Never throws: a message already sent must not be reported as failed.
  virtual void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                    std::span<const std::uint64_t> sequences, std::int64_t at_ms,
                    std::int64_t cooldown_ms) noexcept = 0;
  // A message this instance's sink shows the trigger sent at `at_ms`, answering the event
  // `sequence` (0: not known; the rebuild at start): kept in this process only, since a
  // shared store already holds what was sent.
  virtual void remembered(const std::string& trigger, std::uint64_t subscriber, std::uint64_t sequence,
                          std::int64_t at_ms) noexcept = 0;
};

// When a trigger last sent to a subscriber, and the event it answered (0: not known).
struct LastSent {
  std::int64_t at_ms = 0;
  std::uint64_t sequence = 0;
  bool cooling(std::uint64_t event, std::int64_t now_ms, std::int64_t cooldown_ms) const {
    return now_ms - at_ms < cooldown_ms || (sequence != 0 && event <= sequence);
  }
};

class LocalTriggerCooldowns final : public TriggerCooldowns {
 public:
  std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                            std::span<const std::uint64_t> sequences, std::int64_t now_ms,
                            std::int64_t cooldown_ms) override;
  void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers,
            std::span<const std::uint64_t> sequences, std::int64_t at_ms, std::int64_t cooldown_ms) noexcept override;
  void remembered(const std::string& trigger, std::uint64_t subscriber, std::uint64_t sequence,
                  std::int64_t at_ms) noexcept override;

 private:
  std::mutex mutex_;
  // trigger id → subscriber → when it last sent to them
  std::unordered_map<std::string, std::unordered_map<std::uint64_t, LastSent>> last_sent_;
};

// Keys `<prefix>:cooldown:<trigger>:<subscriber>` holding when the trigger last sent and the
// event it answered ("<unix ms>:<sequence>"), each expiring when its cooldown ends, and not
// before `answered_for` (longer than an event stays fresh enough to fire: the trigger
// runner's max_event_age_ms), so a trigger without a cooldown still answers an event once
// across a takeover. What this instance sent is also kept here, so a message whose key
// Redis could not take still cools down on this instance.
class RedisTriggerCooldowns final : public TriggerCooldowns {
 public:
  RedisTriggerCooldowns(redis::RedisClient& redis, std::string key_prefix,
                        std::chrono::milliseconds answered_for = std::chrono::minutes(2));
  std::vector<bool> cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                            std::span<const std::uint64_t> sequences, std::int64_t now_ms,
                            std::int64_t cooldown_ms) override;
  void sent(const std::string& trigger, std::span<const std::uint64_t> subscribers,
            std::span<const std::uint64_t> sequences, std::int64_t at_ms, std::int64_t cooldown_ms) noexcept override;
  void remembered(const std::string& trigger, std::uint64_t subscriber, std::uint64_t sequence,
                  std::int64_t at_ms) noexcept override {
    here_.remembered(trigger, subscriber, sequence, at_ms);
  }

 private:
  std::vector<std::string> keys(const std::string& trigger, std::span<const std::uint64_t> subscribers) const;

  redis::RedisClient& redis_;
  std::string prefix_;
  std::int64_t answered_for_ms_;
  LocalTriggerCooldowns here_;
};

}  // namespace octopus::triggers
