#include "audiences/redis_query_history.hpp"

#include <nlohmann/json.hpp>

#include "engine/remote/engine_wire.hpp"
#include "observability/log.hpp"

namespace octopus::audiences {

using nlohmann::json;

namespace {

// Push, trim and renew the expiry in one step, so concurrent instances never leave the
// list longer than the limit or without an expiry.
const redis::RedisScript& remember_script() {
  static const redis::RedisScript script(R"(
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
)");
  return script;
}

}  // namespace

RedisQueryHistory::RedisQueryHistory(redis::RedisClient& redis, std::string key_prefix)
    : redis_(redis), prefix_(std::move(key_prefix)) {}

std::vector<RememberedQuery> RedisQueryHistory::recent(const std::string& partner, std::int64_t now,
                                                       std::int64_t window_seconds, std::size_t limit) {
  redis::RedisReply reply;
  try {
    reply = redis_.command({"LRANGE", key(partner), "0", std::to_string(static_cast<long long>(limit) - 1)});
  } catch (const redis::RedisUnavailable& e) {
    throw HistoryUnavailable(e.what());
  }
  std::vector<RememberedQuery> out;
  if (reply.type != redis::RedisReply::Type::array) return out;
  for (const auto& item : reply.elements) {
    const auto j = json::parse(item.text, nullptr, false);
    try {
      RememberedQuery q{engine::wire::segment_from_json(j.at("segment")), j.at("purpose").get<std::string>(),
                        j.at("at").get<std::int64_t>()};
      if (q.at > now - window_seconds) out.push_back(std::move(q));
    } catch (const std::exception& e) {
      // Written by another version or damaged: skipping it weakens the check for one entry,
      // so it is logged rather than silently ignored.
      observability::log_warn("query_history_entry_unreadable", {{"partner", partner}, {"what", e.what()}});
    }
  }
  return out;
}

void RedisQueryHistory::remember(const std::string& partner, const RememberedQuery& query, std::int64_t window_seconds,
                                 std::size_t limit) {
  const json entry = {{"segment", engine::wire::to_json(query.segment)}, {"purpose", query.purpose}, {"at", query.at}};
  try {
    const auto reply =
        redis_.eval(remember_script(), {key(partner)},
                    {entry.dump(), std::to_string(limit), std::to_string(std::max<std::int64_t>(1, window_seconds))});
    if (reply.type == redis::RedisReply::Type::error) throw HistoryUnavailable("redis: " + reply.text);
  } catch (const redis::RedisUnavailable& e) {
    throw HistoryUnavailable(e.what());
  }
}

}  // namespace octopus::audiences
