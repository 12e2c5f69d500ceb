#include "auth/bearer_token_authenticator.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace octopus::auth {

namespace {
std::array<std::uint8_t, 32> digest(std::string_view s) {
  std::array<std::uint8_t, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}
}  // namespace

BearerTokenAuthenticator::BearerTokenAuthenticator(const std::string& token, std::string realm,
                                                   std::function<void(std::string_view)> on_throttled)
    : gate_(realm, std::move(on_throttled)) {
  if (token.size() < 16) throw std::invalid_argument("the " + realm + " token must be at least 16 characters");
  token_digest_ = digest(token);
}

std::optional<http::Response> BearerTokenAuthenticator::on_request(http::RequestContext& ctx) {
  if (auto wait = gate_.throttled(ctx)) return wait;
  const auto presented = BearerGate::presented(ctx);
  if (!presented.empty() && CRYPTO_memcmp(digest(presented).data(), token_digest_.data(), token_digest_.size()) == 0) {
    ctx.principal = http::Principal{.id = "admin"};
    return std::nullopt;
  }
  return gate_.refuse(ctx, "Send the operator token as 'Authorization: Bearer <token>'.");
}

}  // namespace octopus::auth
