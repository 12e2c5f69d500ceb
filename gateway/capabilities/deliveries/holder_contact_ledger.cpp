#include "deliveries/holder_contact_ledger.hpp"

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

constexpr const char* kNewerHolder = "another instance holds the frequency caps under a newer grant of the lease";

}  // namespace

HolderContactLedger::HolderContactLedger(redis::RedisClient& redis, std::string key_prefix,
                                         std::function<std::int64_t()> token)
    : redis_(redis), prefix_(std::move(key_prefix)), token_(std::move(token)) {}

void HolderContactLedger::fail(const std::string& why) {
  counting_under_ = 0;  // what is in memory may no longer be what Redis holds: read it again
  throw CapsUnavailable(why);
}

void HolderContactLedger::claim(std::int64_t token) {
  const auto reply = redis_.eval(kClaim, {prefix_ + ":caps:holder"}, {std::to_string(token)});
  if (reply.type == redis::RedisReply::Type::error) fail("redis script error: " + reply.text);
  if (reply.type != redis::RedisReply::Type::integer || reply.integer != 1) fail(kNewerHolder);
}

// The week's hash, whole, into memory (HSCAN returns every field present from its start to
// its end at least once; after the claim nobody else writes, so that is every field).
void HolderContactLedger::load(const policy::CountingPeriods& periods) {
  counts_.clear();
  const auto key = redis_caps::week_key(prefix_, periods);
  if (const auto size = redis_.command({"HLEN", key}); size.type == redis::RedisReply::Type::integer)
    counts_.make_room(static_cast<std::size_t>(size.integer));
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
      std::uint64_t subscriber = 0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), subscriber);
      if (error != std::errc() || end != field.data() + field.size() || subscriber == 0) continue;  // not ours
      counts_.set(periods, subscriber, redis_caps::decode(items[i + 1].text, periods));
    }
  } while (cursor != "0");
  week_ = periods.week;
  loaded_ = counts_.subscribers();
}

void HolderContactLedger::start_counting(const policy::CountingPeriods& periods) {
  const auto token = token_();
  if (token == 0) throw CapsUnavailable("this instance does not hold the background lease: it decides no message");
  if (token == counting_under_ && periods.week == week_) return;
  counting_under_ = 0;
  try {
    claim(token);
    load(periods);
  } catch (const redis::RedisUnavailable& e) {
    fail(std::string("the frequency ledger is unavailable: ") + e.what());
  }
  counting_under_ = token;
}

void HolderContactLedger::write(const policy::CountingPeriods& periods, std::span<const std::uint64_t> subscribers) {
  const std::vector<std::string> keys{prefix_ + ":caps:holder", redis_caps::week_key(prefix_, periods)};
  std::vector<std::string> args;
  for (std::size_t from = 0; from < subscribers.size(); from += kWritesPerCall) {
    const auto to = std::min(subscribers.size(), from + kWritesPerCall);
    args.assign({std::to_string(counting_under_), redis_caps::expires_at_ms(periods)});
    args.reserve(2 + 2 * (to - from));
    for (auto i = from; i < to; ++i) {
      args.push_back(std::to_string(subscribers[i]));
      args.push_back(redis_caps::encode(counts_.tally(periods, subscribers[i]), periods));
    }
    redis::RedisReply reply;
    try {
      reply = redis_.eval(kWrite, keys, args);
    } catch (const redis::RedisUnavailable& e) {
      fail(std::string("the frequency ledger is unavailable: ") + e.what());
    }
    if (reply.type == redis::RedisReply::Type::error) fail("redis script error: " + reply.text);
    if (reply.type != redis::RedisReply::Type::integer || reply.integer != 1) fail(kNewerHolder);
  }
}

void HolderContactLedger::reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                        policy::Channel channel, std::span<const Ask> asks,
                                        std::vector<bool>& granted) {
  std::lock_guard lock(mutex_);
  granted.assign(asks.size(), false);
  start_counting(periods);
  counts_.reserve_batch(snapshot, periods, channel, asks, granted);
  changed_.clear();
  for (std::size_t i = 0; i < asks.size(); ++i)
    if (granted[i] && asks[i].keep) changed_.push_back(asks[i].subscriber);
  write(periods, changed_);
}

void HolderContactLedger::release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                                        std::span<const std::uint64_t> subscribers) {
  std::lock_guard lock(mutex_);
  if (periods.week < week_) return;  // a slot of an earlier week is not given back (as in process)
  start_counting(periods);
  counts_.release_batch(periods, channel, subscribers);
  write(periods, subscribers);
}

void HolderContactLedger::make_room(std::size_t more) {
  std::lock_guard lock(mutex_);
  counts_.make_room(more);
}

std::size_t HolderContactLedger::loaded() const {
  std::lock_guard lock(mutex_);
  return loaded_;
}

}  // namespace octopus::deliveries
