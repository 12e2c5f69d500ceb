// Where operator accounts and their tokens are kept.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "accounts/operator_account.hpp"
#include "store/repository.hpp"

namespace octopus::accounts {

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;
  // Creates the account with its first token, in one transaction. `only_as_first_admin`:
  // refused (conflict) when an active admin account exists already (the bootstrap token's
  // one use, safe against two callers racing). Conflict as well when the name is taken.
  virtual store::WriteResult create_account(const OperatorAccount& account, const AccountToken& first_token,
                                            bool only_as_first_admin) = 0;
  virtual std::optional<OperatorAccount> get_account(const std::string& name) = 0;
  virtual std::vector<OperatorAccount> list_accounts() = 0;
  virtual bool any_active_admin() = 0;
  // Disabling keeps the account (the audit log names it) and stops every token of it.
  // Conflict, in the same statement, when it is the last active admin (so two admins
  // disabling each other at once cannot leave none); not_found when there is no such account.
  virtual store::WriteResult disable_account(const std::string& name, std::int64_t at) = 0;

  virtual store::WriteResult add_token(const AccountToken& token) = 0;  // not_found: no such account
  virtual std::optional<AccountToken> get_token(const std::string& id) = 0;
  virtual std::vector<AccountToken> tokens_of(const std::string& account) = 0;
  // not_found when the account has no such token; revoking twice keeps the first time.
  virtual store::WriteResult revoke_token(const std::string& account, const std::string& id, std::int64_t at) = 0;
};

}  // namespace octopus::accounts
