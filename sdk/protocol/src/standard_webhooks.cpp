#include "octopus/protocol/standard_webhooks.hpp"

#include <sodium.h>

#include <charconv>
#include <algorithm>
#include <stdexcept>
#include <variant>

#include "octopus/protocol/base64.hpp"

namespace octopus::protocol {

namespace {

constexpr std::string_view kPrefix = "whsec_";
constexpr std::string_view kPublicKeyPrefix = "whpk_";

std::string signed_content(std::string_view id, std::int64_t timestamp, std::string_view body) {
  std::string content = std::string(id) + "." + std::to_string(timestamp) + ".";
  content.append(body);
  return content;
}

// The header's entries that start with `scheme` ("v1," or "v1a,"), their base64 decoded.
std::vector<std::vector<std::uint8_t>> signatures_of(std::string_view header, std::string_view scheme) {
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t at = 0;
  while (at < header.size()) {
    auto next = header.find(' ', at);
    if (next == std::string_view::npos) next = header.size();
    const auto entry = header.substr(at, next - at);
    at = next + 1;
    if (entry.substr(0, scheme.size()) != scheme) continue;  // another scheme: not this check's to judge
    if (auto bytes = base64_decode(entry.substr(scheme.size()))) out.push_back(std::move(*bytes));
  }
  return out;
}

// The timestamp, when it is a number within the tolerance; otherwise the verdict.
std::variant<std::int64_t, WebhookVerdict> checked_timestamp(std::string_view id, std::string_view timestamp,
                                                             std::int64_t now, std::int64_t tolerance_seconds) {
  std::int64_t sent = 0;
  const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size() || id.empty()) return WebhookVerdict::malformed;
  if (sent < now - tolerance_seconds || sent > now + tolerance_seconds) return WebhookVerdict::stale_timestamp;
  return sent;
}

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
  const auto sent = checked_timestamp(id, timestamp, now, tolerance_seconds);
  if (const auto* verdict = std::get_if<WebhookVerdict>(&sent)) return *verdict;
  const auto macs = signatures_of(signature_header, "v1,");
  for (const auto& secret : secrets) {
    const auto expected = hmac_sha256(secret.key(), id, std::get<std::int64_t>(sent), body);
    for (const auto& mac : macs)
      if (mac.size() == expected.size() && sodium_memcmp(mac.data(), expected.data(), expected.size()) == 0)
        return WebhookVerdict::valid;
  }
  return WebhookVerdict::bad_signature;
}

std::string webhook_signature_v1a(const Ed25519PrivateKey& key, std::string_view id, std::int64_t timestamp,
                                  std::string_view body) {
  const auto signature = key.sign(signed_content(id, timestamp, body));
  return "v1a," + base64_encode(signature.data(), signature.size());
}

std::string webhook_public_key_to_string(const Ed25519PublicKey& key) {
  return std::string(kPublicKeyPrefix) + base64_encode(key.data(), key.size());
}

std::optional<Ed25519PublicKey> parse_webhook_public_key(std::string_view text) {
  if (text.substr(0, kPublicKeyPrefix.size()) != kPublicKeyPrefix) return std::nullopt;
  const auto bytes = base64_decode(text.substr(kPublicKeyPrefix.size()));
  if (!bytes || bytes->size() != 32) return std::nullopt;
  Ed25519PublicKey key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

WebhookVerdict verify_webhook_v1a(const std::vector<Ed25519PublicKey>& keys, std::string_view id,
                                  std::string_view timestamp, std::string_view body, std::string_view signature_header,
                                  std::int64_t now, std::int64_t tolerance_seconds) {
  const auto sent = checked_timestamp(id, timestamp, now, tolerance_seconds);
  if (const auto* verdict = std::get_if<WebhookVerdict>(&sent)) return *verdict;
  const auto content = signed_content(id, std::get<std::int64_t>(sent), body);
  for (const auto& signature : signatures_of(signature_header, "v1a,"))
    for (const auto& key : keys)
      if (ed25519_verify(key, content, signature.data(), signature.size())) return WebhookVerdict::valid;
  return WebhookVerdict::bad_signature;
}

}  // namespace octopus::protocol
