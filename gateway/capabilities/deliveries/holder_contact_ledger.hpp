// The frequency ledger shared through Redis, counted by the one instance that sends
// (FrequencyLedger). With a shared store every message is decided under the background
// lease (deliveries and triggers both), so the lease holder is the only writer of the caps:
// it keeps the counts in memory, as one instance alone does, and Redis keeps them for the
// instance that takes over. Redis does no deciding, so the decision costs what it costs in
// process and Redis's one thread spends on a subscriber a field write, not a script.
//
// - **Starting as holder** (a new fencing token): the instance raises Redis's fence key to
//   its token, then reads the week's hash whole (HSCAN) into memory. After the raise Redis
//   refuses writes under any older token, so what it read is complete and stays so.
// - **Counting**: a batch is decided in memory; the fields it changed are written to Redis
//   (HSET, one script call per kWritesPerCall fields: the write only if the fence still
//   carries this token) before reserve_batch returns, so a message is never sent before its
//   count is in Redis (as with RedisContactLedger).
// - **Fenced**: a write refused (another instance holds the lease now) or failed (Redis
//   down) throws CapsUnavailable and drops what is in memory; the next call starts again
//   from Redis. A throw may leave a batch's first fields counted: a message not sent but
//   counted costs the subscriber a message, never adds one.
// - **Not the holder** (token 0): nothing is decided (CapsUnavailable).
//
// Memory: what ContactLedger holds for the subscribers contacted this week (24 bytes each
// at 70 % load); the read at a takeover is proportional to them (docs/operations.md).
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "deliveries/contact_ledger.hpp"
#include "deliveries/frequency_ledger.hpp"
#include "redis/redis_client.hpp"

namespace octopus::deliveries {

class HolderContactLedger final : public FrequencyLedger {
 public:
  static constexpr std::size_t kWritesPerCall = 2000;
  static constexpr std::size_t kReadsPerCall = 10000;  // HSCAN's COUNT hint

  // token(): the fencing token of this instance's grant of the background lease while it
  // holds it, else 0.
  HolderContactLedger(redis::RedisClient& redis, std::string key_prefix, std::function<std::int64_t()> token);

  void reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                     policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) override;
  void release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                     std::span<const std::uint64_t> subscribers) override;
  void make_room(std::size_t more) override;

  // Subscribers read from Redis when this instance last started counting (for tests).
  std::size_t loaded() const;

 private:
  void start_counting(const policy::CountingPeriods& periods);
  void claim(std::int64_t token);
  void load(const policy::CountingPeriods& periods);
  void write(const policy::CountingPeriods& periods, std::span<const std::uint64_t> subscribers);
  [[noreturn]] void fail(const std::string& why);

  redis::RedisClient& redis_;
  std::string prefix_;
  std::function<std::int64_t()> token_;
  mutable std::mutex mutex_;  // one batch at a time: a field is written after every count it holds
  ContactLedger counts_;
  std::int64_t counting_under_ = 0;  // the token counts_ is complete under; 0: to be read again
  std::int64_t week_ = 0;            // the week counts_ holds
  std::size_t loaded_ = 0;
  std::vector<std::uint64_t> changed_;
};

}  // namespace octopus::deliveries
