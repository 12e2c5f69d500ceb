#include "octopus/protocol/standard_webhooks.hpp"

#include <sodium.h>

#include <charconv>
#include <stdexcept>

#include "octopus/protocol/base64.hpp"

namespace octopus::protocol {

namespace {

constexpr std::string_view kPrefix = "whsec_";

std::vector<std::uint8_t> hmac_sha256(const std::vector<std::uint8_t>& key, std::string_view id, std::int64_t timestamp,
                                      std::string_view body) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  const std::string head = std::string(id) + "." + std::to_string(timestamp) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(head.data()), head.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  std::vector<std::uint8_t> mac(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

}  // namespace

WebhookSecret WebhookSecret::generate() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  std::vector<std::uint8_t> key(32);
  randombytes_buf(key.data(), key.size());
  return WebhookSecret(std::move(key));
}

std::optional<WebhookSecret> WebhookSecret::parse(std::string_view text) {
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto key = base64_decode(text.substr(kPrefix.size()));
  if (!key || key->size() < 24 || key->size() > 64) return std::nullopt;
  return WebhookSecret(std::move(*key));
}

std::string WebhookSecret::to_string() const { return std::string(kPrefix) + base64_encode(key_.data(), key_.size()); }

std::string webhook_signature_v1(const WebhookSecret& secret, std::string_view id, std::int64_t timestamp,
                                 std::string_view body) {
  const auto mac = hmac_sha256(secret.key(), id, timestamp, body);
  return "v1," + base64_encode(mac.data(), mac.size());
}

std::string webhook_signature_header(const std::vector<WebhookSecret>& secrets, std::string_view id,
                                     std::int64_t timestamp, std::string_view body) {
  std::string header;
  for (const auto& secret : secrets) {
    if (!header.empty()) header += ' ';
    header += webhook_signature_v1(secret, id, timestamp, body);
  }
  return header;
}

WebhookVerdict verify_webhook(const std::vector<WebhookSecret>& secrets, std::string_view id,
                              std::string_view timestamp, std::string_view body, std::string_view signature_header,
                              std::int64_t now, std::int64_t tolerance_seconds) {
  std::int64_t sent = 0;
  const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size() || id.empty()) return WebhookVerdict::malformed;
  if (sent < now - tolerance_seconds || sent > now + tolerance_seconds) return WebhookVerdict::stale_timestamp;
  for (const auto& secret : secrets) {
    const auto expected = hmac_sha256(secret.key(), id, sent, body);
    std::size_t at = 0;
    while (at < signature_header.size()) {
      auto next = signature_header.find(' ', at);
      if (next == std::string_view::npos) next = signature_header.size();
      const auto entry = signature_header.substr(at, next - at);
      at = next + 1;
      if (entry.substr(0, 3) != "v1,") continue;  // another scheme (v1a): not ours to judge
      const auto mac = base64_decode(entry.substr(3));
      if (mac && mac->size() == expected.size() && sodium_memcmp(mac->data(), expected.data(), expected.size()) == 0)
        return WebhookVerdict::valid;
    }
  }
  return WebhookVerdict::bad_signature;
}

}  // namespace octopus::protocol
