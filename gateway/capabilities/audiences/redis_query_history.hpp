// The query history in Redis, shared by every gateway instance: one list per partner,
// newest first, trimmed to the policy's limit and expiring with its window. Segments are
// stored in the engine API's JSON (engine_wire), which reads back exactly what was written.
#pragma once
#include <string>

#include "audiences/query_history.hpp"
#include "redis/redis_client.hpp"

namespace octopus::audiences {

class RedisQueryHistory final : public QueryHistory {
 public:
  RedisQueryHistory(redis::RedisClient& redis, std::string key_prefix);
  // Both throw HistoryUnavailable when Redis cannot be reached.
  std::vector<RememberedQuery> recent(const std::string& partner, std::int64_t now, std::int64_t window_seconds,
                                      std::size_t limit) override;
  void remember(const std::string& partner, const RememberedQuery& query, std::int64_t window_seconds,
                std::size_t limit) override;

 private:
  std::string key(const std::string& partner) const { return prefix_ + ":recent-segments:" + partner; }
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace octopus::audiences
