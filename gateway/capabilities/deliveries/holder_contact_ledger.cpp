#include "deliveries/holder_contact_ledger.hpp"

#include <algorithm>
#include <bit>
#include <charconv>

#include "deliveries/redis_caps_field.hpp"

namespace octopus::deliveries {

namespace {

// KEYS: the fence. ARGV: the token of a grant this instance holds. Raises the fence to it
// (never lowers it): 1, or 0 when a newer grant has already raised it higher.
const redis::RedisScript kClaim(R"lua(
local fence, mine = tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(ARGV[1])
if mine < fence then return 0 end
if mine > fence then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
)lua");

// KEYS: the fence, the week's hash. ARGV: the token, when the hash expires (unix ms), then
// field, value pairs (at most kWritesPerCall: within Lua's unpack limit). Writes them only
// while the fence carries the token: 1, else 0 and nothing written.
const redis::RedisScript kWrite(R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return 1
)lua");

// Sorted, each once.
void make_distinct(std::vector<std::uint64_t>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

HolderContactLedger::HolderContactLedger(redis::RedisClient& redis, std::string key_prefix,
                                         std::function<std::int64_t()> token)
    : redis_(redis), prefix_(std::move(key_prefix)), token_(std::move(token)) {}

void HolderContactLedger::fail(const std::string& why) {
  counting_under_ = 0;  // what is in memory may no longer be what Redis holds: read it again
  throw CapsUnavailable(why);
}

// A fenced script's answer: 1 while the fence carries this instance's token.
void HolderContactLedger::expect_fence_held(const redis::RedisReply& reply) {
  if (reply.type == redis::RedisReply::Type::error) fail("redis script error: " + reply.text);
  if (reply.type != redis::RedisReply::Type::integer || reply.integer != 1)
    fail("another instance holds the frequency caps under a newer grant of the lease");
}

void HolderContactLedger::claim(std::int64_t token) {
  expect_fence_held(redis_.eval(kClaim, {prefix_ + ":caps:holder"}, {std::to_string(token)}));
}

// Every field of a hash (HSCAN returns every field present from its start to its end at
// least once; after the claim nobody else writes, so that is every field).
template <typename F>
void HolderContactLedger::scan(const std::string& key, F&& on_field) {
  std::string cursor = "0";
  do {
    const auto reply = redis_.command({"HSCAN", key, cursor, "COUNT", std::to_string(kReadsPerCall)});
    if (reply.type != redis::RedisReply::Type::array || reply.elements.size() != 2 ||
        reply.elements[1].type != redis::RedisReply::Type::array)
      fail("the frequency ledger answered HSCAN in an unexpected shape");
    cursor = reply.elements[0].text;
    const auto& items = reply.elements[1].elements;
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
      const auto& field = items[i].text;
      std::uint64_t number = 0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), number);
      if (error == std::errc() && end == field.data() + field.size()) on_field(number, items[i + 1].text);
    }
  } while (cursor != "0");
}

// A subscriber's counts read from Redis, for the day of this week they are for.
void HolderContactLedger::counted(std::uint64_t subscriber, const redis_caps::Kept& kept) {
  if (subscriber == 0 || kept.tally.overall_week == 0) return;
  counts_.set(kept.day, week_, subscriber, kept.tally);
  mark(subscriber);
  ++loaded_;
}

void HolderContactLedger::mark(std::uint64_t subscriber) {
  const auto offset = subscriber & (redis_caps::kBucketIds - 1);
  buckets_[redis_caps::bucket_of(subscriber)].present[offset / 64] |= std::uint64_t{1} << (offset % 64);
}

// A new week, or a new grant: nothing is known but what RedisContactLedger counted this week
// (a deployment that moved to a shared store), read whole; the holder's buckets are read as
// batches first touch them.
void HolderContactLedger::begin_week(const policy::CountingPeriods& periods) {
  counts_.clear();
  buckets_.clear();
  loaded_ = 0;
  week_ = periods.week;
  scan(redis_caps::week_key(prefix_, periods), [&](std::uint64_t subscriber, const std::string& field) {
    counted(subscriber, redis_caps::decode_kept(field, periods));
  });
}

// The buckets of `subscribers` not read yet under this grant, in one HMGET per
// kReadsPerCall: after the claim only this instance writes them, so what it reads once is
// theirs for the rest of the grant. A bucket's counts replace the older layout's.
void HolderContactLedger::read_buckets(const policy::CountingPeriods& periods,
                                       std::span<const std::uint64_t> subscribers) {
  std::vector<std::uint64_t> unread;
  for (const auto s : subscribers) {
    const auto b = redis_caps::bucket_of(s);
    if (const auto found = buckets_.find(b); found == buckets_.end() || !found->second.read) unread.push_back(b);
  }
  make_distinct(unread);
  std::vector<std::string> argv;
  for (std::size_t from = 0; from < unread.size(); from += kReadsPerCall) {
    const auto to = std::min(unread.size(), from + kReadsPerCall);
    argv.assign({"HMGET", redis_caps::held_key(prefix_, periods)});
    for (auto i = from; i < to; ++i) argv.push_back(std::to_string(unread[i]));
    const auto reply = redis_.command(argv);
    if (reply.type != redis::RedisReply::Type::array || reply.elements.size() != to - from)
      fail("the frequency ledger answered HMGET in an unexpected shape");
    for (auto i = from; i < to; ++i) {
      const auto& value = reply.elements[i - from];
      if (value.type == redis::RedisReply::Type::string) {
        // Fail-closed: a bucket this code did not write would be overwritten without its counts.
        if (!redis_caps::well_formed_bucket(value.text))
          fail("the frequency ledger's bucket " + argv[2 + i - from] + " in " + argv[1] + " is malformed");
        redis_caps::for_each_record(unread[i], value.text, [&](std::uint64_t s, std::string_view field) {
          counted(s, redis_caps::decode_kept(field, periods));
        });
      }
      buckets_[unread[i]].read = true;
    }
  }
}

// Redis unreachable: CapsUnavailable, and what is in memory is read again next time.
template <typename F>
void HolderContactLedger::with_redis(F&& call) {
  try {
    call();
  } catch (const redis::RedisUnavailable& e) {
    fail(std::string("the frequency ledger is unavailable: ") + e.what());
  }
}

void HolderContactLedger::start_counting(const policy::CountingPeriods& periods) {
  const auto token = token_();
  if (token == 0) throw CapsUnavailable("this instance does not hold the background lease: it decides no message");
  if (token == counting_under_ && periods.week == week_) return;
  counting_under_ = 0;
  with_redis([&] {
    claim(token);
    begin_week(periods);
  });
  counting_under_ = token;
}

// The buckets of `subscribers`, each written whole from memory.
void HolderContactLedger::write(const policy::CountingPeriods& periods, std::span<const std::uint64_t> subscribers) {
  std::vector<std::uint64_t> buckets;
  buckets.reserve(subscribers.size());
  for (const auto s : subscribers) buckets.push_back(redis_caps::bucket_of(s));
  make_distinct(buckets);
  const std::vector<std::string> keys{prefix_ + ":caps:holder", redis_caps::held_key(prefix_, periods)};
  std::vector<std::string> args;
  for (std::size_t from = 0; from < buckets.size(); from += kWritesPerCall) {
    const auto to = std::min(buckets.size(), from + kWritesPerCall);
    args.assign({std::to_string(counting_under_), redis_caps::expires_at_ms(periods)});
    args.reserve(2 + 2 * (to - from));
    for (auto i = from; i < to; ++i) {
      args.push_back(std::to_string(buckets[i]));
      args.push_back(bucket_value(buckets[i]));
    }
    redis::RedisReply reply;
    with_redis([&] { reply = redis_.eval(kWrite, keys, args); });
    expect_fence_held(reply);
  }
}

// A bucket's value: a record for each of its subscribers counted this week, each for the day
// its counts are for (a batch decided under an earlier day does not move a later one back).
std::string HolderContactLedger::bucket_value(std::uint64_t bucket) {
  std::string value;
  const auto found = buckets_.find(bucket);
  if (found == buckets_.end()) return value;
  const auto& present = found->second.present;
  for (std::size_t word = 0; word < present.size(); ++word)
    for (auto bits = present[word]; bits != 0; bits &= bits - 1) {
      const auto subscriber = bucket << redis_caps::kBucketBits | (word * 64 + std::countr_zero(bits));
      std::int64_t day = 0, week = 0;
      ContactTally tally;
      if (counts_.stored(subscriber, day, week, tally) && week == week_ && tally.overall_week > 0)
        redis_caps::append_record(value, subscriber, tally, day);
    }
  return value;
}

void HolderContactLedger::reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                        policy::Channel channel, std::span<const Ask> asks,
                                        std::vector<bool>& granted) {
  std::lock_guard lock(mutex_);
  granted.assign(asks.size(), false);
  start_counting(periods);
  wanted_.clear();
  for (const auto& a : asks) wanted_.push_back(a.subscriber);
  with_redis([&] { read_buckets(periods, wanted_); });
  counts_.reserve_batch(snapshot, periods, channel, asks, granted);
  changed_.clear();
  for (std::size_t i = 0; i < asks.size(); ++i)
    if (granted[i] && asks[i].keep) {
      const auto s = asks[i].subscriber;
      changed_.push_back(s);
      mark(s);
    }
  write(periods, changed_);
}

void HolderContactLedger::release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                                        std::span<const std::uint64_t> subscribers) {
  std::lock_guard lock(mutex_);
  if (periods.week < week_) return;  // a slot of an earlier week is not given back (as in process)
  start_counting(periods);
  with_redis([&] { read_buckets(periods, subscribers); });
  counts_.release_batch(periods, channel, subscribers);
  write(periods, subscribers);
}

void HolderContactLedger::make_room(std::size_t more) {
  std::lock_guard lock(mutex_);
  counts_.make_room(more);
}

policy::ContactCounts HolderContactLedger::counts_in_redis(redis::RedisClient& redis, const std::string& key_prefix,
                                                           const policy::CountingPeriods& periods,
                                                           std::uint64_t subscriber, policy::Channel channel) {
  const auto bucket = redis_caps::bucket_of(subscriber);
  const auto reply = redis.command({"HGET", redis_caps::held_key(key_prefix, periods), std::to_string(bucket)});
  policy::ContactCounts out;
  if (reply.type != redis::RedisReply::Type::string) return out;
  redis_caps::for_each_record(bucket, reply.text, [&](std::uint64_t s, std::string_view field) {
    if (s == subscriber) out = redis_caps::decode(field, periods).of(channel);
  });
  return out;
}

std::size_t HolderContactLedger::loaded() const {
  std::lock_guard lock(mutex_);
  return loaded_;
}

}  // namespace octopus::deliveries
