// The operator's contracts with partners (contract.hpp). A partner has at most one contract
// per product at any moment: the repository refuses one whose dates overlap another's.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "settlement/contract.hpp"
#include "store/repository.hpp"

namespace octopus::settlement {

class ContractRepository {
 public:
  virtual ~ContractRepository() = default;
  // conflict: another contract of the partner for the product overlaps its dates.
  virtual store::WriteResult create_contract(const Contract& contract) = 0;
  // The partner's contract for the product in force at `at_seconds`.
  virtual std::optional<Contract> contract_at(const std::string& partner_id, const std::string& product_code,
                                              std::int64_t at_seconds) = 0;
  virtual std::optional<Contract> get_contract(const std::string& id) = 0;
  // `partner_id` empty: every partner's.
  virtual std::vector<Contract> list_contracts(const std::string& partner_id) = 0;
};

}  // namespace octopus::settlement
