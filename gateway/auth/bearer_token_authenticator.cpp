#include "auth/bearer_token_authenticator.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http/problem.hpp"

namespace octopus::auth {

namespace {
std::array<std::uint8_t, 32> digest(std::string_view s) {
  std::array<std::uint8_t, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}
}  // namespace

BearerTokenAuthenticator::BearerTokenAuthenticator(const std::string& token, std::string realm) : realm_(std::move(realm)) {
  if (token.size() < 16) throw std::invalid_argument("the " + realm_ + " token must be at least 16 characters");
  token_digest_ = digest(token);
}

std::optional<http::Response> BearerTokenAuthenticator::on_request(http::RequestContext& ctx) {
  const std::string_view header = ctx.request.header("authorization");
  constexpr std::string_view prefix = "Bearer ";
  bool ok = false;
  if (header.size() > prefix.size() && http::iequals(header.substr(0, prefix.size()), prefix)) {
    const auto presented = digest(header.substr(prefix.size()));
    ok = CRYPTO_memcmp(presented.data(), token_digest_.data(), presented.size()) == 0;
  }
  if (ok) {
    ctx.principal = http::Principal{.id = "admin"};
    return std::nullopt;
  }
  auto r = http::make_problem(ctx, http::problems::unauthorized,
                              "Send the operator token as 'Authorization: Bearer <token>'.");
  r.set_header("WWW-Authenticate", "Bearer realm=\"" + realm_ + "\"");
  return r;
}

}  // namespace octopus::auth
