// Replay protection for RFC 9421 nonces: a nonce is accepted once per key while its
// signature could still be accepted. The interface lets a shared back-end (Redis) take
// over when several gateway instances serve one partner.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <string>

namespace octopus::auth {

class NonceCache {
 public:
  virtual ~NonceCache() = default;
  // Remembers (key_id, nonce) until `expires_at` (Unix seconds). Returns false when the
  // pair was already remembered and has not expired: a replay.
  virtual bool remember(std::string_view key_id, std::string_view nonce, std::int64_t expires_at, std::int64_t now) = 0;
};

// Single-node cache: 64 independently locked shards so concurrent requests rarely
// contend; expired entries are swept from a shard as it grows.
class MemoryNonceCache final : public NonceCache {
 public:
  bool remember(std::string_view key_id, std::string_view nonce, std::int64_t expires_at, std::int64_t now) override;
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::int64_t> entries;  // "key_id\nnonce" -> expires_at
    std::size_t sweep_at = 1024;
  };
  std::array<Shard, 64> shards_;
};

}  // namespace octopus::auth
