// Partner-plane stage 2: the authenticated partner must hold the scope its route
// requires. Runs after SignatureAuthenticator.
#pragma once
#include "http/stage.hpp"

namespace octopus::auth {

class ScopeAuthorizer final : public http::Stage {
 public:
  std::string_view name() const override { return "authorize"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;
};

}  // namespace octopus::auth
