// Contracts in the embedded database.
#pragma once
#include "settlement/contract_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::settlement {

class SqlContractRepository final : public ContractRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_contract(const Contract& contract) override;
  std::optional<Contract> contract_at(const std::string& partner_id, const std::string& product_code,
                                      std::int64_t at_seconds) override;
  std::optional<Contract> get_contract(const std::string& id) override;
  std::vector<Contract> list_contracts(const std::string& partner_id) override;
};

}  // namespace octopus::settlement
