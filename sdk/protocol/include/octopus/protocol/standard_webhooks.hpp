// Standard Webhooks signatures, as the gateway signs its callbacks and a partner verifies
// them (docs/standards.md, "Standard Webhooks"). Three headers travel with each callback:
//
//   webhook-id         the event's id, the same on every retry (receivers dedupe by it)
//   webhook-timestamp  Unix seconds when this attempt was signed
//   webhook-signature  space-separated "v1,<base64 HMAC-SHA256>" entries, one per secret
//                      in force (two while a secret is being rotated)
//
// The signed content is "<webhook-id>.<webhook-timestamp>.<body>"; the HMAC key is the
// secret's bytes: the base64 after the "whsec_" prefix, decoded. An endpoint may also ask
// for "v1a,<base64 Ed25519 signature>" of the same content, made with the operator's key,
// whose public half is published as "whpk_<base64>" (GET /v1/webhook-signing-keys).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "octopus/protocol/ed25519.hpp"

namespace octopus::protocol {

class WebhookSecret {
 public:
  // 32 random bytes (libsodium's generator), shown as "whsec_<base64>".
  static WebhookSecret generate();
  // nullopt unless `text` is "whsec_" and standard base64 of 24 to 64 bytes.
  static std::optional<WebhookSecret> parse(std::string_view text);

  std::string to_string() const;  // "whsec_<base64>"
  const std::vector<std::uint8_t>& key() const { return key_; }

 private:
  explicit WebhookSecret(std::vector<std::uint8_t> key) : key_(std::move(key)) {}
  std::vector<std::uint8_t> key_;
};

// "v1,<base64 signature>" for one secret.
std::string webhook_signature_v1(const WebhookSecret& secret, std::string_view id, std::int64_t timestamp,
                                 std::string_view body);

// The webhook-signature header for every secret in force, space-separated.
std::string webhook_signature_header(const std::vector<WebhookSecret>& secrets, std::string_view id,
                                     std::int64_t timestamp, std::string_view body);

// "v1a,<base64 signature>": the Ed25519 signature of the same content.
std::string webhook_signature_v1a(const Ed25519PrivateKey& key, std::string_view id, std::int64_t timestamp,
                                  std::string_view body);

// "whpk_<base64>" and back (nullopt unless 32 bytes of standard base64 after the prefix).
std::string webhook_public_key_to_string(const Ed25519PublicKey& key);
std::optional<Ed25519PublicKey> parse_webhook_public_key(std::string_view text);

enum class WebhookVerdict { valid, bad_signature, stale_timestamp, malformed };

// Checks a received callback: the timestamp within `tolerance_seconds` of `now`, and at
// least one v1 signature in the header made with one of `secrets` (compared in constant
// time). Other versions in the header (v1a) are skipped, not refused.
WebhookVerdict verify_webhook(const std::vector<WebhookSecret>& secrets, std::string_view id,
                              std::string_view timestamp, std::string_view body, std::string_view signature_header,
                              std::int64_t now, std::int64_t tolerance_seconds = 300);

// The same check for the v1a entries, with the operator's published public keys.
WebhookVerdict verify_webhook_v1a(const std::vector<Ed25519PublicKey>& keys, std::string_view id,
                                  std::string_view timestamp, std::string_view body, std::string_view signature_header,
                                  std::int64_t now, std::int64_t tolerance_seconds = 300);

}  // namespace octopus::protocol
