// Operator accounts on the admin plane (the admin role only; the bootstrap token may call
// the first one, once):
//   POST   /admin/v1/accounts                         create an account and its first token
//   GET    /admin/v1/accounts                         every account and its tokens (never secrets)
//   GET    /admin/v1/accounts/{name}                  one account
//   POST   /admin/v1/accounts/{name}/disable          stop the account and every token of it
//   POST   /admin/v1/accounts/{name}/tokens           issue another token (shown once)
//   DELETE /admin/v1/accounts/{name}/tokens/{token_id} revoke a token
// Every change is audited under the account that made it.
#pragma once
#include <functional>
#include <string>

#include "accounts/account_repository.hpp"
#include "audit/audit_repository.hpp"
#include "http/pipeline.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::accounts {

struct AccountsApiDeps {
  AccountRepository& accounts;
  audit::AuditRepository& audit;
  const Clock& clock;
  std::function<std::string()> policy_version;
};

void register_account_routes(http::Pipeline& admin_plane, AccountsApiDeps deps);

}  // namespace octopus::accounts
