// A small synchronous Redis client for the gateway's shared counters and nonces: a pool of
// hiredis connections with connect and command timeouts, Lua scripts by SHA (loaded on
// NOSCRIPT), and a circuit breaker. When Redis fails, calls fail fast for a back-off period
// instead of each waiting out a timeout on the caller's thread, then one call probes;
// the first success closes the breaker again. Transitions are logged and counted.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "resilience/circuit_breaker.hpp"

struct redisContext;

namespace octopus::redis {

class RedisUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RedisReply {
  enum class Type { nil, integer, string, status, array, error };
  Type type = Type::nil;
  long long integer = 0;
  std::string text;  // string, status, error
  std::vector<RedisReply> elements;
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{100};
  std::size_t max_idle_connections = 16;
  std::chrono::milliseconds breaker_min{250};   // first back-off after a failure
  std::chrono::milliseconds breaker_max{5000};  // longest back-off
};

class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Throws RedisUnavailable when Redis cannot be reached, times out, or the breaker is
  // open. A Redis error reply (a script bug) is returned as Type::error, not thrown.
  RedisReply command(const std::vector<std::string>& argv);
  RedisReply eval(const RedisScript& script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args);

  bool available() const { return breaker_.closed(); }
  std::uint64_t failures() const { return breaker_.failures(); }
  const RedisOptions& options() const { return options_; }

 private:
  struct ContextFree {
    void operator()(redisContext* c) const;
  };
  using Connection = std::unique_ptr<redisContext, ContextFree>;  // closed when dropped

  Connection acquire();
  void give_back(Connection c);
  RedisReply run(redisContext* c, const std::vector<std::string>& argv);

  RedisOptions options_;
  std::mutex pool_mutex_;
  std::vector<Connection> idle_;
  resilience::CircuitBreaker breaker_;
};

}  // namespace octopus::redis
