#include "webhooks/callback_signer.hpp"

#include <sodium.h>

#include <algorithm>

#include "octopus/protocol/standard_webhooks.hpp"
#include "tokens/partner_token.hpp"

namespace octopus::webhooks {

CallbackSigner::CallbackSigner(protocol::Ed25519PrivateKey key) : key_(std::move(key)) {}

CallbackSigner CallbackSigner::from_key_file(const std::filesystem::path& path) {
  return CallbackSigner(tokens::load_or_create_signing_key(path));
}

HeaderList CallbackSigner::headers(const WebhookEndpoint& endpoint, std::string_view event_id, std::int64_t now,
                                   std::string_view body) const {
  std::vector<protocol::WebhookSecret> secrets;
  for (const auto* text : {&endpoint.secret, &endpoint.previous_secret}) {
    if (text == &endpoint.previous_secret && endpoint.previous_secret_until <= now) continue;
    if (auto secret = protocol::WebhookSecret::parse(*text)) secrets.push_back(std::move(*secret));
  }
  auto signature = protocol::webhook_signature_header(secrets, event_id, now, body);
  const auto& versions = endpoint.signature_versions;
  if (std::find(versions.begin(), versions.end(), "v1a") != versions.end())
    signature += (signature.empty() ? "" : " ") + protocol::webhook_signature_v1a(key_, event_id, now, body);
  return {{"webhook-id", std::string(event_id)},
          {"webhook-timestamp", std::to_string(now)},
          {"webhook-signature", std::move(signature)}};
}

std::string CallbackSigner::public_key() const { return protocol::webhook_public_key_to_string(key_.public_key()); }

std::string CallbackSigner::key_id() const {
  const auto pub = key_.public_key();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, pub.data(), pub.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, digest, 8);
  return std::string("whk_") + hex;
}

}  // namespace octopus::webhooks
