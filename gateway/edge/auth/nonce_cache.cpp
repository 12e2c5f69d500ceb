#include "auth/nonce_cache.hpp"

#include <functional>

namespace octopus::auth {

bool MemoryNonceCache::remember(std::string_view key_id, std::string_view nonce, std::int64_t expires_at,
                                std::int64_t now) {
  std::string key;
  key.reserve(key_id.size() + 1 + nonce.size());
  key.append(key_id).push_back('\n');
  key.append(nonce);
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto [it, inserted] = shard.entries.try_emplace(std::move(key), expires_at);
  if (!inserted) {
    if (it->second > now) return false;
    it->second = expires_at;  // the old entry had expired: this is a fresh use
  }
  if (shard.entries.size() >= shard.sweep_at) {
    std::erase_if(shard.entries, [now](const auto& e) { return e.second <= now; });
    // Sweep again when the live set has doubled, so sweeping stays amortized O(1).
    shard.sweep_at = std::max<std::size_t>(1024, shard.entries.size() * 2);
  }
  return true;
}

std::size_t MemoryNonceCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.entries.size();
  }
  return n;
}

}  // namespace octopus::auth
