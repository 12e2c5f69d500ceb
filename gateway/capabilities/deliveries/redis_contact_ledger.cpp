#include "deliveries/redis_contact_ledger.hpp"

#include <algorithm>
#include <chrono>

namespace octopus::deliveries {

namespace {

// KEYS: the day's hash, the week's. ARGV: the channel, its day and week caps, the overall
// day and week caps, when the day's and the week's keys expire (unix ms), a string with one
// '1' (count it) or '0' (only check) per ask, then the asks' subscribers. Returns one '1'
// (granted) or '0' per ask. Checks in check_frequency_caps's order; a subscriber asked twice
// sees the first ask's slot taken. HMGET and HSET take a few thousand values at a time
// (Lua's unpack limit), hence the chunks.
const redis::RedisScript kReserve(R"lua(
local channel = ':' .. ARGV[1]
local cap_cd, cap_cw = tonumber(ARGV[2]), tonumber(ARGV[3])
local cap_od, cap_ow = tonumber(ARGV[4]), tonumber(ARGV[5])
local keep = ARGV[8]
local n = #ARGV - 8
local fields = {}
for i = 1, n do
  fields[2 * i - 1] = ARGV[8 + i]
  fields[2 * i] = ARGV[8 + i] .. channel
end
local function read(key)
  local counts = {}
  for from = 1, #fields, 4000 do
    local to = math.min(from + 3999, #fields)
    local got = redis.call('HMGET', key, unpack(fields, from, to))
    for j = 1, #got do counts[fields[from + j - 1]] = tonumber(got[j]) or 0 end
  end
  return counts
end
local function write(key, counts, changed, expire_at)
  local pairs = {}
  for field in next, changed do
    pairs[#pairs + 1] = field
    pairs[#pairs + 1] = counts[field]
  end
  for from = 1, #pairs, 4000 do
    redis.call('HSET', key, unpack(pairs, from, math.min(from + 3999, #pairs)))
  end
  if #pairs > 0 then redis.call('PEXPIREAT', key, expire_at) end
end
local day, week = read(KEYS[1]), read(KEYS[2])
local changed = {}
local granted = {}
for i = 1, n do
  local o, c = fields[2 * i - 1], fields[2 * i]
  local ok = day[c] < cap_cd and week[c] < cap_cw and day[o] < cap_od and week[o] < cap_ow
  granted[i] = ok and '1' or '0'
  if ok and string.byte(keep, i) == 49 then
    day[o], day[c], week[o], week[c] = day[o] + 1, day[c] + 1, week[o] + 1, week[c] + 1
    changed[o], changed[c] = true, true
  end
end
write(KEYS[1], day, changed, ARGV[6])
write(KEYS[2], week, changed, ARGV[7])
return table.concat(granted)
)lua");

// KEYS: the day's hash, the week's. ARGV: the channel, then the subscribers whose slots
// are given back. A count never goes below zero.
const redis::RedisScript kRelease(R"lua(
local channel = ':' .. ARGV[1]
for k = 1, 2 do
  for i = 2, #ARGV do
    for _, field in ipairs({ARGV[i], ARGV[i] .. channel}) do
      local n = tonumber(redis.call('HGET', KEYS[k], field)) or 0
      if n > 0 then redis.call('HSET', KEYS[k], field, n - 1) end
    end
  end
end
return 1
)lua");

std::string unix_ms(policy::Seconds at, std::chrono::hours after) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch() + after).count());
}

}  // namespace

RedisContactLedger::RedisContactLedger(redis::RedisClient& redis, std::string key_prefix)
    : redis_(redis), prefix_(std::move(key_prefix)) {}

std::vector<std::string> RedisContactLedger::keys(const policy::CountingPeriods& periods) const {
  return {prefix_ + ":caps:day:" + std::to_string(periods.day), prefix_ + ":caps:week:" + std::to_string(periods.week)};
}

redis::RedisReply RedisContactLedger::call(const redis::RedisScript& script, const std::vector<std::string>& keys,
                                           const std::vector<std::string>& args) {
  try {
    auto reply = redis_.eval(script, keys, args);
    if (reply.type == redis::RedisReply::Type::error) throw CapsUnavailable("redis script error: " + reply.text);
    return reply;
  } catch (const redis::RedisUnavailable& e) {
    throw CapsUnavailable(std::string("the frequency ledger is unavailable: ") + e.what());
  }
}

void RedisContactLedger::reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                       policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) {
  granted.assign(asks.size(), false);
  const auto& caps = snapshot.fatigue.channel_caps[static_cast<std::size_t>(channel)];
  const auto& overall = snapshot.fatigue.overall;
  const auto period_keys = keys(periods);
  for (std::size_t from = 0; from < asks.size(); from += kAsksPerCall) {
    const auto to = std::min(asks.size(), from + kAsksPerCall);
    std::vector<std::string> args{std::string(policy::to_string(channel)),
                                  std::to_string(caps.per_day),
                                  std::to_string(caps.per_week),
                                  std::to_string(overall.per_day),
                                  std::to_string(overall.per_week),
                                  unix_ms(periods.next_day_start, std::chrono::hours(1)),
                                  unix_ms(periods.next_week_start, std::chrono::hours(1)),
                                  std::string(to - from, '0')};
    args.reserve(8 + to - from);
    for (auto i = from; i < to; ++i) {
      if (asks[i].keep) args[7][i - from] = '1';
      args.push_back(std::to_string(asks[i].subscriber));
    }
    const auto reply = call(kReserve, period_keys, args);
    if (reply.type != redis::RedisReply::Type::string || reply.text.size() != to - from)
      throw CapsUnavailable("the frequency ledger answered in an unexpected shape");
    for (auto i = from; i < to; ++i) granted[i] = reply.text[i - from] == '1';
  }
}

void RedisContactLedger::release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                                       std::span<const std::uint64_t> subscribers) {
  const auto period_keys = keys(periods);
  for (std::size_t from = 0; from < subscribers.size(); from += kAsksPerCall) {
    std::vector<std::string> args{std::string(policy::to_string(channel))};
    for (auto i = from; i < std::min(subscribers.size(), from + kAsksPerCall); ++i)
      args.push_back(std::to_string(subscribers[i]));
    call(kRelease, period_keys, args);
  }
}

policy::ContactCounts RedisContactLedger::counts(const policy::CountingPeriods& periods, std::uint64_t subscriber,
                                                 policy::Channel channel) {
  const auto k = keys(periods);
  const auto id = std::to_string(subscriber);
  const auto field = id + ":" + std::string(policy::to_string(channel));
  auto read = [&](const std::string& key) {
    try {
      return redis_.command({"HMGET", key, id, field});
    } catch (const redis::RedisUnavailable& e) {
      throw CapsUnavailable(e.what());
    }
  };
  const auto day = read(k[0]), week = read(k[1]);
  auto at = [](const redis::RedisReply& r, std::size_t i) -> std::uint32_t {
    if (r.type != redis::RedisReply::Type::array || r.elements.size() <= i) return 0;
    const auto& e = r.elements[i];
    return e.type == redis::RedisReply::Type::string ? static_cast<std::uint32_t>(std::stoul(e.text)) : 0;
  };
  return {at(day, 0), at(week, 0), at(day, 1), at(week, 1)};
}

}  // namespace octopus::deliveries
