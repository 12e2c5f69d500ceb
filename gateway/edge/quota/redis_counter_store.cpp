#include "quota/redis_counter_store.hpp"

#include <cmath>

namespace octopus::quota {

namespace {

// Times inside the scripts are microseconds: Lua numbers are doubles, exact to 2^53, and
// nanoseconds since 1970 are not.
const redis::RedisScript kAdmit(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local horizon = burst * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local base = math.max(tat, now)
local nxt = base + cost * interval
local dused = tonumber(redis.call('GET', KEYS[2]) or '0')
local mused = tonumber(redis.call('GET', KEYS[3]) or '0')
if nxt - now > horizon then
  local remaining = math.max(0, math.floor((horizon - (base - now)) / interval))
  return {0, math.floor(nxt - now - horizon), remaining, math.floor(base - now), dused, mused, string.format('%.0f', tat)}
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
local remaining = math.floor((horizon - (nxt - now)) / interval)
if dused + cost > tonumber(ARGV[4]) then
  return {2, 0, remaining, math.floor(nxt - now), dused, mused, string.format('%.0f', nxt)}
end
if mused + cost > tonumber(ARGV[6]) then
  return {3, 0, remaining, math.floor(nxt - now), dused, mused, string.format('%.0f', nxt)}
end
dused = redis.call('INCRBY', KEYS[2], cost)
redis.call('EXPIRE', KEYS[2], ARGV[5])
mused = redis.call('INCRBY', KEYS[3], cost)
redis.call('EXPIRE', KEYS[3], ARGV[7])
return {1, 0, remaining, math.floor(nxt - now), dused, mused, string.format('%.0f', nxt)}
)lua");

const redis::RedisScript kReserve(R"lua(
local amount = tonumber(ARGV[1])
local dused = tonumber(redis.call('GET', KEYS[1]) or '0')
local mused = tonumber(redis.call('GET', KEYS[2]) or '0')
if dused + amount > tonumber(ARGV[2]) or mused + amount > tonumber(ARGV[4]) then return 0 end
redis.call('INCRBY', KEYS[1], amount)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('INCRBY', KEYS[2], amount)
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
)lua");

const redis::RedisScript kRelease(R"lua(
local amount = tonumber(ARGV[1])
for i = 1, 2 do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used > 0 then
    local ttl = redis.call('TTL', KEYS[i])
    local left = math.max(0, used - amount)
    if ttl > 0 then redis.call('SET', KEYS[i], left, 'EX', ttl) else redis.call('SET', KEYS[i], left) end
  end
end
return 1
)lua");

const redis::RedisScript kUsage(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return {string.format('%.0f', now), redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) or '0',
        redis.call('GET', KEYS[3]) or '0'}
)lua");

std::string ttl_seconds(const PeriodLimit& p, std::int64_t now_ns) {
  const std::int64_t now_s = now_ns / 1'000'000'000;
  return std::to_string(std::max<std::int64_t>(60, p.ends_at - now_s + 86400));
}

std::string interval_us(const GcraLimit& l) {
  // Keep sub-microsecond precision: a 3/s limit is 333333.333 µs.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(l.interval_ns) / 1000.0);
  return buf;
}

std::int64_t as_int(const redis::RedisReply& r) {
  if (r.type == redis::RedisReply::Type::integer) return r.integer;
  if (r.type == redis::RedisReply::Type::string) return std::stoll(r.text);
  return 0;
}

}  // namespace

RedisCounterStore::RedisCounterStore(redis::RedisClient& client, std::string key_prefix)
    : client_(client), prefix_(std::move(key_prefix)) {}

std::string RedisCounterStore::rate_key(std::string_view partner, policy::CapabilityClass c) const {
  return prefix_ + ":{" + std::string(partner) + "}:rate:" + std::string(policy::to_string(c));
}
std::string RedisCounterStore::day_key(std::string_view partner, policy::CapabilityClass c,
                                       const PeriodLimit& day) const {
  return prefix_ + ":{" + std::string(partner) + "}:day:" + std::string(policy::to_string(c)) + ":" +
         std::to_string(day.id);
}
std::string RedisCounterStore::month_key(std::string_view partner, policy::CapabilityClass c,
                                         const PeriodLimit& month) const {
  return prefix_ + ":{" + std::string(partner) + "}:month:" + std::string(policy::to_string(c)) + ":" +
         std::to_string(month.id);
}

redis::RedisReply RedisCounterStore::call(const redis::RedisScript& script, const std::vector<std::string>& keys,
                                          const std::vector<std::string>& args) {
  try {
    auto reply = client_.eval(script, keys, args);
    if (reply.type == redis::RedisReply::Type::error) throw CounterUnavailable("redis script error: " + reply.text);
    return reply;
  } catch (const redis::RedisUnavailable& e) {
    throw CounterUnavailable(e.what());
  }
}

Admission RedisCounterStore::admit(const AdmitRequest& r, std::int64_t now_ns) {
  auto reply =
      call(kAdmit,
           {rate_key(r.partner, r.capability_class), day_key(r.partner, r.capability_class, r.day),
            month_key(r.partner, r.capability_class, r.month)},
           {interval_us(r.rate), std::to_string(r.rate.burst), std::to_string(r.cost), std::to_string(r.day.limit),
            ttl_seconds(r.day, now_ns), std::to_string(r.month.limit), ttl_seconds(r.month, now_ns)});
  if (reply.type != redis::RedisReply::Type::array || reply.elements.size() < 7)
    throw CounterUnavailable("redis: unexpected reply to the admission script");
  const auto& e = reply.elements;
  Admission a;
  switch (as_int(e[0])) {
    case 1: a.verdict = Verdict::allowed; break;
    case 2: a.verdict = Verdict::day_exhausted; break;
    case 3: a.verdict = Verdict::month_exhausted; break;
    default: a.verdict = Verdict::rate_limited;
  }
  a.rate.allowed = a.verdict != Verdict::rate_limited;
  a.rate.retry_after_ns = as_int(e[1]) * 1000;
  a.rate.remaining = as_int(e[2]);
  a.rate.reset_after_ns = as_int(e[3]) * 1000;
  a.day_used = static_cast<std::uint64_t>(as_int(e[4]));
  a.month_used = static_cast<std::uint64_t>(as_int(e[5]));
  a.rate.tat_ns = as_int(e[6]) * 1000;
  return a;
}

bool RedisCounterStore::reserve(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day,
                                const PeriodLimit& month, std::uint64_t amount) {
  const auto now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto reply = call(kReserve, {day_key(partner, c, day), month_key(partner, c, month)},
                    {std::to_string(amount), std::to_string(day.limit), ttl_seconds(day, now_ns),
                     std::to_string(month.limit), ttl_seconds(month, now_ns)});
  return as_int(reply) == 1;
}

void RedisCounterStore::release(std::string_view partner, policy::CapabilityClass c, const PeriodLimit& day,
                                const PeriodLimit& month, std::uint64_t amount) {
  call(kRelease, {day_key(partner, c, day), month_key(partner, c, month)}, {std::to_string(amount)});
}

ClassUsage RedisCounterStore::usage(std::string_view partner, policy::CapabilityClass c, const GcraLimit& rate,
                                    const PeriodLimit& day, const PeriodLimit& month, std::int64_t) {
  auto reply = call(kUsage, {rate_key(partner, c), day_key(partner, c, day), month_key(partner, c, month)}, {});
  if (reply.type != redis::RedisReply::Type::array || reply.elements.size() < 4)
    throw CounterUnavailable("redis: unexpected reply to the usage script");
  const auto& e = reply.elements;
  ClassUsage u;
  const std::int64_t now_ns = as_int(e[0]) * 1000;
  u.rate = gcra_decide(as_int(e[1]) * 1000, now_ns, rate);
  u.day_used = static_cast<std::uint64_t>(as_int(e[2]));
  u.month_used = static_cast<std::uint64_t>(as_int(e[3]));
  return u;
}

}  // namespace octopus::quota
