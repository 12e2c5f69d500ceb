// The admin plane's two stages. AccountAuthenticator proves who calls: an operator account's
// token ("Authorization: Bearer oat_…", looked up by its id, compared by digest in constant
// time; expired, revoked and disabled ones refused), or the bootstrap token from the
// environment, which can do one thing only: create the first admin account, and nothing at
// all once one exists. Failed attempts are slowed per client address. RoleAuthorizer then
// lets the request through only when the account's role is one the route declares.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "accounts/account_repository.hpp"
#include "auth/bearer_gate.hpp"
#include "http/problem.hpp"
#include "http/stage.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::accounts {

inline constexpr http::ProblemType forbidden{"forbidden", 403, "Forbidden"};
inline constexpr const char* kBootstrapPrincipal = "bootstrap";

class AccountAuthenticator final : public http::Stage {
 public:
  // `bootstrap_token`: OCTOPUS_ADMIN_TOKEN (at least 16 characters; empty: none).
  // `on_throttled` hears of each failure that leaves an address throttled (for the audit log).
  AccountAuthenticator(AccountRepository& accounts, const Clock& clock, const std::string& bootstrap_token,
                       std::function<void(std::string_view address)> on_throttled = {});
  std::string_view name() const override { return "admin-authenticate"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;

 private:
  std::optional<http::Response> bootstrap(http::RequestContext& ctx);
  // The account behind a presented token, or why it is refused (an empty why: unknown).
  std::optional<OperatorAccount> account_of(std::string_view text, std::string& why);

  AccountRepository& accounts_;
  const Clock& clock_;
  bool has_bootstrap_ = false;
  std::array<std::uint8_t, 32> bootstrap_digest_{};
  auth::BearerGate gate_;
};

class RoleAuthorizer final : public http::Stage {
 public:
  std::string_view name() const override { return "admin-authorize"; }
  std::optional<http::Response> on_request(http::RequestContext& ctx) override;
};

}  // namespace octopus::accounts
