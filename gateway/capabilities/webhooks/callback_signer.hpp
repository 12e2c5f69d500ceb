// Signs each attempt of a callback (Standard Webhooks): webhook-id, webhook-timestamp and
// webhook-signature with a v1 HMAC for the endpoint's secret (and for the previous one while
// a rotation overlaps) and, when the endpoint asked for it, a v1a Ed25519 signature with the
// operator's key, whose public half partners fetch from GET /v1/webhook-signing-keys.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "octopus/protocol/ed25519.hpp"
#include "webhooks/webhook_endpoint_repository.hpp"

namespace octopus::webhooks {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class CallbackSigner {
 public:
  explicit CallbackSigner(protocol::Ed25519PrivateKey key);
  // The key kept in `path` (32 random bytes, mode 0600), made on first use.
  static CallbackSigner from_key_file(const std::filesystem::path& path);

  // The headers of one attempt made at `now` (Unix seconds).
  HeaderList headers(const WebhookEndpoint& endpoint, std::string_view event_id, std::int64_t now,
                     std::string_view body) const;

  std::string public_key() const;  // "whpk_<base64>"
  std::string key_id() const;      // "whk_" and 16 hex digits of the public key's SHA-256

 private:
  protocol::Ed25519PrivateKey key_;
};

}  // namespace octopus::webhooks
