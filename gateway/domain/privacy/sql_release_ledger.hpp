// The privacy budget's books in the embedded database (append-only by trigger).
#pragma once
#include "privacy/release_ledger.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::privacy {

class SqlReleaseLedger final : public ReleaseLedger, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  std::optional<std::string> find(const std::string& account, const std::string& key) override;
  std::optional<std::string> record(const ReleaseEntry& entry, std::uint64_t cap_milli) override;
  BudgetUse use(const std::string& account, const std::string& period) override;

 private:
  std::optional<std::string> find_in(store::sql::Session& session, const std::string& account, const std::string& key);
  BudgetUse use_in(store::sql::Session& session, const std::string& account, const std::string& period);
};

}  // namespace octopus::privacy
