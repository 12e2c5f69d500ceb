// Admin-plane stage: the caller must present `Authorization: Bearer <token>` with the
// operator's token (OCTOPUS_ADMIN_TOKEN). The comparison is constant-time over SHA-256
// digests, so neither the token's content nor its length leaks through timing.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "http/stage.hpp"

namespace octopus::admin {

class AdminTokenAuthenticator final : public http::Stage {
 public:
  // Throws std::invalid_argument when the token is shorter than 16 characters: the
  // admin plane refuses to start with a guessable token.
  // `realm` names the protected plane in WWW-Authenticate ("octopus-admin", "octopus-engine").
  explicit AdminTokenAuthenticator(const std::string& token, std::string realm = "octopus-admin");
  std::string_view name() const override { return "admin-authenticate"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  std::array<std::uint8_t, 32> token_digest_{};
  std::string realm_;
};

}  // namespace octopus::admin
