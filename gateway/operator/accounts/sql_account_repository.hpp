// Operator accounts and tokens in the embedded database.
#pragma once
#include "accounts/account_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::accounts {

class SqlAccountRepository final : public AccountRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_account(const OperatorAccount& account, const AccountToken& first_token,
                                    bool only_as_first_admin) override;
  std::optional<OperatorAccount> get_account(const std::string& name) override;
  std::vector<OperatorAccount> list_accounts() override;
  bool any_active_admin() override;
  store::WriteResult disable_account(const std::string& name, std::int64_t at) override;
  store::WriteResult add_token(const AccountToken& token) override;
  std::optional<AccountToken> get_token(const std::string& id) override;
  std::vector<AccountToken> tokens_of(const std::string& account) override;
  store::WriteResult revoke_token(const std::string& account, const std::string& id, std::int64_t at) override;
};

}  // namespace octopus::accounts
