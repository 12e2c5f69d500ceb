#include "auth/bearer_token_authenticator.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "http/connection_limiter.hpp"
#include "http/problem.hpp"

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
    : realm_(std::move(realm)), on_throttled_(std::move(on_throttled)) {
  if (token.size() < 16) throw std::invalid_argument("the " + realm_ + " token must be at least 16 characters");
  token_digest_ = digest(token);
}

std::optional<http::Response> BearerTokenAuthenticator::on_request(http::RequestContext& ctx) {
  const auto address = http::client_network(FailureThrottle::address_of(ctx.remote));
  const auto now = FailureThrottle::Clock::now();
  if (const auto wait = throttle_.wait(address, now); wait > FailureThrottle::Clock::duration::zero()) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
    return http::make_unavailable(ctx, http::problems::rate_limited,
                                  "Too many failed attempts from this address; wait before trying again.", seconds);
  }
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
  if (throttle_.failed(address, now) && on_throttled_) on_throttled_(address);
  auto r = http::make_problem(ctx, http::problems::unauthorized,
                              "Send the operator token as 'Authorization: Bearer <token>'.");
  r.set_header("WWW-Authenticate", "Bearer realm=\"" + realm_ + "\"");
  return r;
}

}  // namespace octopus::auth
