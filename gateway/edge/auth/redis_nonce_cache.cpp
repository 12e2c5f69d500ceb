#include "auth/redis_nonce_cache.hpp"

#include <algorithm>

#include "observability/metrics.hpp"

namespace octopus::auth {

namespace {
const observability::MetricFamily kLocalOnly{
    "octopus_nonce_checks_local_only_total", observability::MetricType::counter,
    "Signature nonces checked against this instance's memory only, because Redis was unreachable.", true};
}  // namespace

RedisNonceCache::RedisNonceCache(redis::RedisClient& client, std::string key_prefix)
    : client_(client), prefix_(std::move(key_prefix)) {}

bool RedisNonceCache::remember(std::string_view key_id, std::string_view nonce, std::int64_t expires_at,
                               std::int64_t now) {
  const std::int64_t ttl = std::max<std::int64_t>(1, expires_at - now);
  try {
    auto reply = client_.command({"SET", prefix_ + ":nonce:" + std::string(key_id) + ":" + std::string(nonce), "1",
                                  "NX", "EX", std::to_string(ttl)});
    if (reply.type == redis::RedisReply::Type::error) throw redis::RedisUnavailable(reply.text);
    // Also remembered locally: if Redis goes away later, this instance still knows it.
    fallback_.remember(key_id, nonce, expires_at, now);
    return reply.type == redis::RedisReply::Type::status;  // "OK"; nil when it already existed
  } catch (const redis::RedisUnavailable&) {
    observability::metrics().increment("octopus_nonce_checks_local_only_total");
    return fallback_.remember(key_id, nonce, expires_at, now);
  }
}

}  // namespace octopus::auth
