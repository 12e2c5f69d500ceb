// The frequency ledger shared through Redis, counted by the one instance that sends
// (FrequencyLedger). With a shared store every message is decided under the background
// lease (deliveries and triggers both), so the lease holder is the only writer of the caps:
// it keeps the counts in memory, as one instance alone does, and Redis keeps them for the
// instance that takes over. Redis does no deciding, so the decision costs what it costs in
// process and Redis's one thread spends on a subscriber a field write, not a script.
//
// - **Starting as holder** (a new fencing token): the instance raises Redis's fence key to
//   its token. After the raise Redis refuses writes under any older token, so what the
//   instance reads from then on is final: it reads each bucket of 1,024 ids once, when a
//   batch first touches it (HMGET), and RedisContactLedger's hash whole at once (HSCAN:
//   what a deployment counted before it moved to a shared store; empty after that week).
// - **Counting**: a batch is decided in memory; the buckets of 1,024 ids it changed are
//   written to Redis whole (redis_caps_field.hpp; HSET, one script call per kWritesPerCall
//   buckets: the write only if the fence still carries this token) before reserve_batch
//   returns, so a message is never sent before its count is in Redis (as with
//   RedisContactLedger).
// - **Fenced**: a write refused (another instance holds the lease now) or failed (Redis
//   down) throws CapsUnavailable and drops what is in memory; the next call starts again
//   from Redis. A throw may leave a batch's first fields counted: a message not sent but
//   counted costs the subscriber a message, never adds one.
// - **Not the holder** (token 0): nothing is decided (CapsUnavailable).
//
// Memory: what ContactLedger holds for the subscribers counted this week in the buckets read
// (24 bytes each at 70 % load), and a bit per id of those buckets (docs/operations.md).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "deliveries/contact_ledger.hpp"
#include "deliveries/frequency_ledger.hpp"
#include "deliveries/redis_caps_field.hpp"
#include "redis/redis_client.hpp"

namespace octopus::deliveries {

class HolderContactLedger final : public FrequencyLedger {
 public:
  static constexpr std::size_t kWritesPerCall = 2000;  // buckets
  static constexpr std::size_t kReadsPerCall = 2000;   // buckets per HMGET; HSCAN's COUNT hint

  // token(): the fencing token of this instance's grant of the background lease while it
  // holds it, else 0.
  HolderContactLedger(redis::RedisClient& redis, std::string key_prefix, std::function<std::int64_t()> token);

  void reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                     policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) override;
  void release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                     std::span<const std::uint64_t> subscribers) override;
  void make_room(std::size_t more) override;

  // Subscribers' counts read from Redis since this instance last started counting (for tests).
  std::size_t loaded() const;
  // What Redis holds for the subscriber in this layout (for tests and the console).
  static policy::ContactCounts counts_in_redis(redis::RedisClient& redis, const std::string& key_prefix,
                                               const policy::CountingPeriods& periods, std::uint64_t subscriber,
                                               policy::Channel channel);

 private:
  void start_counting(const policy::CountingPeriods& periods);
  void claim(std::int64_t token);
  void expect_fence_held(const redis::RedisReply& reply);
  void begin_week(const policy::CountingPeriods& periods);
  void read_buckets(const policy::CountingPeriods& periods, std::span<const std::uint64_t> subscribers);
  template <typename F>
  void with_redis(F&& call);
  template <typename F>
  void scan(const std::string& key, F&& on_field);
  void counted(std::uint64_t subscriber, const redis_caps::Kept& kept);
  void mark(std::uint64_t subscriber);
  void write(const policy::CountingPeriods& periods, std::span<const std::uint64_t> subscribers);
  std::string bucket_value(std::uint64_t bucket);
  [[noreturn]] void fail(const std::string& why);

  redis::RedisClient& redis_;
  std::string prefix_;
  std::function<std::int64_t()> token_;
  mutable std::mutex mutex_;  // one batch at a time: a field is written after every count it holds
  ContactLedger counts_;
  std::int64_t counting_under_ = 0;  // the token counts_ is complete under; 0: to be read again
  std::int64_t week_ = 0;            // the week counts_ holds
  std::size_t loaded_ = 0;
  // Each bucket's subscribers counted this week (a bit each: its value is written from
  // them), and whether it was read from Redis.
  struct Bucket {
    std::array<std::uint64_t, redis_caps::kBucketIds / 64> present{};
    bool read = false;
  };
  std::unordered_map<std::uint64_t, Bucket> buckets_;
  std::vector<std::uint64_t> wanted_, changed_;
};

}  // namespace octopus::deliveries
