// Stage of the planes operators and services call with a shared secret — the admin plane
// (OCTOPUS_ADMIN_TOKEN) and the engine API (OCTOPUS_ENGINE_TOKEN): the caller must present
// `Authorization: Bearer <token>`. The comparison is constant-time over SHA-256 digests, so
// neither the token's content nor its length leaks through timing. Guessing is slowed per
// client network (BearerGate).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "auth/bearer_gate.hpp"
#include "http/stage.hpp"

namespace octopus::auth {

class BearerTokenAuthenticator final : public http::Stage {
 public:
  // Throws std::invalid_argument when the token is shorter than 16 characters: a plane
  // refuses to start with a guessable token.
  // `realm` names the protected plane in WWW-Authenticate ("octopus-admin", "octopus-engine").
  // `on_throttled` hears of each failure that leaves an address throttled (for the audit log).
  explicit BearerTokenAuthenticator(const std::string& token, std::string realm = "octopus-admin",
                                    std::function<void(std::string_view address)> on_throttled = {});
  std::string_view name() const override { return "admin-authenticate"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  std::array<std::uint8_t, 32> token_digest_{};
  BearerGate gate_;
};

}  // namespace octopus::auth
