#include "deliveries/redis_contact_ledger.hpp"

#include <algorithm>
#include <unordered_set>

#include "deliveries/redis_caps_field.hpp"

namespace octopus::deliveries {

namespace {

// The layout (redis_caps_field.hpp), read and written here by the scripts as nine Lua values
// (no table per subscriber: a batch of 2,000 spends most of its time in this loop).
//
// The part the two scripts share. ARGV: the channel's index (0 SMS, 1 push, 2 outbound call),
// "today:first" (the day bytes of today and of the week's first day), when the key expires
// (unix ms), then what each script takes.
constexpr const char* kPrelude = R"lua(
local c, expire_at = tonumber(ARGV[1]), ARGV[3]
local today, week_first = string.match(ARGV[2], '^(%d+):(%d+)$')
today, week_first = tonumber(today), tonumber(week_first)
-- Where a day byte falls in the week (0: its first day).
local function place(b) return (b - week_first) % 7 end
-- A field's day and nine counts: today's; a later day's (a batch decided under the day
-- before counts against the later day, never moves it back); from an earlier day, the
-- week's alone.
local function decode(value)
  if value and #value == 9 then
    local d, od, d1, d2, d3, ow, w1, w2, w3 = string.byte(value, 1, 9)
    if place(d) >= place(today) then return d, od, d1, d2, d3, ow, w1, w2, w3 end
    return today, 0, 0, 0, 0, ow, w1, w2, w3
  end
  return today, 0, 0, 0, 0, 0, 0, 0, 0
end
local function up(n) if n < 255 then return n + 1 end return n end
local function down(n) if n > 0 then return n - 1 end return n end
-- Adds `step` (up or down) to the overall counts and the channel's.
local function encode(step, day, od, d1, d2, d3, ow, w1, w2, w3)
  od, ow = step(od), step(ow)
  if c == 0 then d1, w1 = step(d1), step(w1) elseif c == 1 then d2, w2 = step(d2), step(w2)
  else d3, w3 = step(d3), step(w3) end
  return string.char(day, od, d1, d2, d3, ow, w1, w2, w3)
end
-- The fields of the subscribers ARGV[first..] names (at most a call's 2,000: within Lua's
-- unpack limit), in that order; nil for a subscriber not contacted this week.
local function read(first)
  return redis.call('HMGET', KEYS[1], unpack(ARGV, first))
end
-- Writes field, value pairs and keeps the week's key until an hour after the week.
local function write(pairs)
  if #pairs == 0 then return end
  redis.call('HSET', KEYS[1], unpack(pairs))
  redis.call('PEXPIREAT', KEYS[1], expire_at)
end
)lua";

std::string with_prelude(const char* body) { return std::string(kPrelude) + body; }

// KEYS: the week's hash. ARGV after the prelude's: the channel's day and week caps, the
// overall day and week caps, a string with one '1' (count it) or '0' (only check) per ask,
// then the asks' subscribers, each once. Returns one '1' (granted) or '0' per ask, checked
// in check_frequency_caps's order.
const redis::RedisScript kReserve(with_prelude(R"lua(
local cap_cd, cap_cw, cap_od, cap_ow = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local keep, first = ARGV[8], 9
local values = read(first)
local pairs, granted = {}, {}
for i = 1, #values do
  local day, od, d1, d2, d3, ow, w1, w2, w3 = decode(values[i])
  local cd, cw = d1, w1
  if c == 1 then cd, cw = d2, w2 elseif c == 2 then cd, cw = d3, w3 end
  if cd < cap_cd and cw < cap_cw and od < cap_od and ow < cap_ow then
    granted[i] = '1'
    if string.byte(keep, i) == 49 then
      pairs[#pairs + 1] = ARGV[first + i - 1]
      pairs[#pairs + 1] = encode(up, day, od, d1, d2, d3, ow, w1, w2, w3)
    end
  else
    granted[i] = '0'
  end
end
write(pairs)
return table.concat(granted)
)lua"));

// KEYS: the week's hash. ARGV after the prelude's: the subscribers whose slots are given
// back, each once. A slot of an earlier day is not given back (as in process); no count
// goes below 0.
const redis::RedisScript kRelease(with_prelude(R"lua(
local values = read(4)
local pairs = {}
for i = 1, #values do
  if values[i] and string.byte(values[i], 1) == today then
    pairs[#pairs + 1] = ARGV[3 + i]
    pairs[#pairs + 1] = encode(down, decode(values[i]))
  end
end
write(pairs)
return 1
)lua"));

// The prelude's arguments: channel index, the day bytes of today and of the week's first day,
// the key's expiry (an hour after the week).
std::vector<std::string> prelude(const policy::CountingPeriods& periods, policy::Channel channel) {
  return {std::to_string(static_cast<int>(channel)),
          std::to_string(redis_caps::day_byte(periods)) + ":" +
              std::to_string(redis_caps::day_byte(redis_caps::first_day(periods))),
          redis_caps::expires_at_ms(periods)};
}

}  // namespace

RedisContactLedger::RedisContactLedger(redis::RedisClient& redis, std::string key_prefix)
    : redis_(redis), prefix_(std::move(key_prefix)) {}

std::string RedisContactLedger::key(const policy::CountingPeriods& periods) const {
  return redis_caps::week_key(prefix_, periods);
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

// Where the call that starts at `from` ends: after kAsksPerCall subscribers, or before one
// it already names (the scripts read every field first, so a subscriber asked again must
// be asked in the next call, which sees the first ask's count).
namespace {
template <typename Subscriber>
std::size_t call_end(std::span<const Subscriber> items, std::size_t from, std::uint64_t (*id)(const Subscriber&),
                     std::unordered_set<std::uint64_t>& seen) {
  seen.clear();
  auto to = from;
  while (to < items.size() && to - from < RedisContactLedger::kAsksPerCall && seen.insert(id(items[to])).second) ++to;
  return to;
}
}  // namespace

void RedisContactLedger::reserve_batch(const policy::PolicySnapshot& snapshot, const policy::CountingPeriods& periods,
                                       policy::Channel channel, std::span<const Ask> asks, std::vector<bool>& granted) {
  granted.assign(asks.size(), false);
  const auto& caps = snapshot.fatigue.channel_caps[static_cast<std::size_t>(channel)];
  const auto& overall = snapshot.fatigue.overall;
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t from = 0, to = 0; from < asks.size(); from = to) {
    to = call_end<Ask>(
        asks, from, [](const Ask& a) { return a.subscriber; }, seen);
    auto args = prelude(periods, channel);
    for (const auto cap : {caps.per_day, caps.per_week, overall.per_day, overall.per_week})
      args.push_back(std::to_string(cap));
    args.emplace_back(to - from, '0');
    args.reserve(args.size() + to - from);
    for (auto i = from; i < to; ++i) {
      if (asks[i].keep) args[7][i - from] = '1';
      args.push_back(std::to_string(asks[i].subscriber));
    }
    const auto reply = call(kReserve, {key(periods)}, args);
    if (reply.type != redis::RedisReply::Type::string || reply.text.size() != to - from)
      throw CapsUnavailable("the frequency ledger answered in an unexpected shape");
    for (auto i = from; i < to; ++i) granted[i] = reply.text[i - from] == '1';
  }
}

void RedisContactLedger::release_batch(const policy::CountingPeriods& periods, policy::Channel channel,
                                       std::span<const std::uint64_t> subscribers) {
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t from = 0, to = 0; from < subscribers.size(); from = to) {
    to = call_end<std::uint64_t>(
        subscribers, from, [](const std::uint64_t& s) { return s; }, seen);
    auto args = prelude(periods, channel);
    for (auto i = from; i < to; ++i) args.push_back(std::to_string(subscribers[i]));
    call(kRelease, {key(periods)}, args);
  }
}

policy::ContactCounts RedisContactLedger::counts(const policy::CountingPeriods& periods, std::uint64_t subscriber,
                                                 policy::Channel channel) {
  redis::RedisReply reply;
  try {
    reply = redis_.command({"HGET", key(periods), std::to_string(subscriber)});
  } catch (const redis::RedisUnavailable& e) {
    throw CapsUnavailable(e.what());
  }
  if (reply.type != redis::RedisReply::Type::string) return {};
  return redis_caps::decode(reply.text, periods).of(channel);
}

}  // namespace octopus::deliveries
