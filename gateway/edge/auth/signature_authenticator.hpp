// Partner-plane stage 1: proves who is calling. Verifies the request's RFC 9421 Ed25519
// signature against a key in the partner directory, under the gateway's policy:
// covered components (docs/standards.md §2), `created` within the allowed skew, `expires` not
// passed, a nonce never seen before for that key, and an RFC 9530 Content-Digest that
// matches the body. On success the partner becomes the request's principal.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "auth/nonce_cache.hpp"
#include "auth/partner_directory.hpp"
#include "http/stage.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::auth {

struct SignaturePolicy {
  std::int64_t max_skew_seconds = 300;  // |now - created| allowed
  std::size_t max_nonce_length = 128;
  // When set, @authority is computed from this value instead of the Host header (a
  // gateway behind a load balancer must verify what the client addressed).
  std::string public_authority;
};

class SignatureAuthenticator final : public http::Stage {
 public:
  SignatureAuthenticator(const PartnerDirectory& directory, NonceCache& nonces, SignaturePolicy policy,
                         const Clock& clock = system_clock());

  std::string_view name() const override { return "authenticate"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  const PartnerDirectory& directory_;
  NonceCache& nonces_;
  SignaturePolicy policy_;
  const Clock& clock_;
};

// Normalizes a Host header value into RFC 9421 @authority: lower-case host, default
// port (443 for https) dropped.
std::string normalize_authority(std::string_view host);

}  // namespace octopus::auth
