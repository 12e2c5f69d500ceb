#include "triggers/trigger_cooldowns.hpp"

#include <algorithm>
#include <charconv>

#include "deliveries/frequency_ledger.hpp"
#include "observability/log.hpp"

namespace octopus::triggers {

std::vector<bool> LocalTriggerCooldowns::cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                                 std::span<const std::uint64_t> sequences, std::int64_t now_ms,
                                                 std::int64_t cooldown_ms) {
  std::vector<bool> out(subscribers.size(), false);
  std::lock_guard lock(mutex_);
  const auto of = last_sent_.find(trigger);
  if (of == last_sent_.end()) return out;
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    const auto it = of->second.find(subscribers[i]);
    out[i] = it != of->second.end() && it->second.cooling(sequences[i], now_ms, cooldown_ms);
  }
  return out;
}

void LocalTriggerCooldowns::sent(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                 std::span<const std::uint64_t> sequences, std::int64_t at_ms,
                                 std::int64_t /*cooldown_ms*/) noexcept {
  std::lock_guard lock(mutex_);
  auto& of = last_sent_[trigger];
  for (std::size_t i = 0; i < subscribers.size(); ++i) {
    auto& last = of[subscribers[i]];
    last.at_ms = std::max(last.at_ms, at_ms);
    last.sequence = std::max(last.sequence, sequences[i]);
  }
}

void LocalTriggerCooldowns::remembered(const std::string& trigger, std::uint64_t subscriber, std::uint64_t sequence,
                                       std::int64_t at_ms) noexcept {
  sent(trigger, std::span(&subscriber, 1), std::span(&sequence, 1), at_ms, 0);
}

namespace {

// KEYS: one per subscriber sent to. ARGV: how long to keep them (ms), then each key's value.
const redis::RedisScript kSent(R"lua(
for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1]) end
return #KEYS
)lua");

constexpr std::size_t kKeysPerCall = 2000;

// "<unix ms>:<sequence>", or "<unix ms>" as written before sequences were kept.
LastSent parse(const std::string& value) {
  LastSent last;
  const auto* end = value.data() + value.size();
  auto [at, error] = std::from_chars(value.data(), end, last.at_ms);
  if (error == std::errc() && at != end && *at == ':') std::from_chars(at + 1, end, last.sequence);
  return last;
}

}  // namespace

RedisTriggerCooldowns::RedisTriggerCooldowns(redis::RedisClient& redis, std::string key_prefix,
                                             std::chrono::milliseconds answered_for)
    : redis_(redis), prefix_(std::move(key_prefix)), answered_for_ms_(answered_for.count()) {}

std::vector<std::string> RedisTriggerCooldowns::keys(const std::string& trigger,
                                                     std::span<const std::uint64_t> subscribers) const {
  std::vector<std::string> out;
  out.reserve(subscribers.size());
  for (const auto s : subscribers) out.push_back(prefix_ + ":cooldown:" + trigger + ":" + std::to_string(s));
  return out;
}

// The value is compared as well as the key's expiry: the two agree on the real clock, and
// the value alone decides under another one (a test's).
std::vector<bool> RedisTriggerCooldowns::cooling(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                                 std::span<const std::uint64_t> sequences, std::int64_t now_ms,
                                                 std::int64_t cooldown_ms) {
  auto out = here_.cooling(trigger, subscribers, sequences, now_ms, cooldown_ms);
  for (std::size_t from = 0; from < subscribers.size(); from += kKeysPerCall) {
    const auto part = subscribers.subspan(from, std::min(kKeysPerCall, subscribers.size() - from));
    std::vector<std::string> argv{"MGET"};
    for (auto& k : keys(trigger, part)) argv.push_back(std::move(k));
    redis::RedisReply reply;
    try {
      reply = redis_.command(argv);
    } catch (const redis::RedisUnavailable& e) {
      throw deliveries::CapsUnavailable(std::string("trigger cooldowns are unavailable: ") + e.what());
    }
    if (reply.type != redis::RedisReply::Type::array || reply.elements.size() != part.size())
      throw deliveries::CapsUnavailable("trigger cooldowns answered in an unexpected shape");
    for (std::size_t i = 0; i < part.size(); ++i) {
      const auto& e = reply.elements[i];
      if (e.type == redis::RedisReply::Type::string && parse(e.text).cooling(sequences[from + i], now_ms, cooldown_ms))
        out[from + i] = true;
    }
  }
  return out;
}

void RedisTriggerCooldowns::sent(const std::string& trigger, std::span<const std::uint64_t> subscribers,
                                 std::span<const std::uint64_t> sequences, std::int64_t at_ms,
                                 std::int64_t cooldown_ms) noexcept {
  here_.sent(trigger, subscribers, sequences, at_ms, cooldown_ms);
  try {
    const auto keep = std::to_string(std::max(cooldown_ms, answered_for_ms_));
    for (std::size_t from = 0; from < subscribers.size(); from += kKeysPerCall) {
      const auto to = std::min(subscribers.size(), from + kKeysPerCall);
      std::vector<std::string> args{keep};
      for (auto i = from; i < to; ++i) args.push_back(std::to_string(at_ms) + ":" + std::to_string(sequences[i]));
      const auto reply = redis_.eval(kSent, keys(trigger, subscribers.subspan(from, to - from)), args);
      if (reply.type == redis::RedisReply::Type::error) throw redis::RedisUnavailable(reply.text);
    }
  } catch (const std::exception& e) {
    // Kept here: this instance still cools them down; another one taking over would not.
    observability::log_warn("trigger_cooldowns_not_shared", {{"trigger", trigger}, {"what", e.what()}});
  }
}

}  // namespace octopus::triggers
