// Nonces remembered in Redis (SET NX with expiry), so a nonce spent on one gateway instance
// is refused on every other. If Redis cannot answer, the nonce is remembered in this
// instance's memory instead: replays to this instance stay refused, and only a replay sent
// to another instance during the outage could pass. That is counted and logged (the Redis
// client's breaker logs the outage) rather than refusing every partner request.
#pragma once
#include "auth/nonce_cache.hpp"
#include "redis/redis_client.hpp"

namespace octopus::auth {

class RedisNonceCache final : public NonceCache {
 public:
  explicit RedisNonceCache(redis::RedisClient& client, std::string key_prefix = "octopus");
  bool remember(std::string_view key_id, std::string_view nonce, std::int64_t expires_at, std::int64_t now) override;

 private:
  redis::RedisClient& client_;
  std::string prefix_;
  MemoryNonceCache fallback_;
};

}  // namespace octopus::auth
