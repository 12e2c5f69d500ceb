// Leases in the store both instances share (the leases table).
#pragma once
#include "coordination/lease_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::coordination {

class SqlLeaseRepository final : public LeaseRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  std::optional<LeaseGrant> acquire(const std::string& name, const std::string& holder, std::int64_t now_ms,
                                    std::int64_t ttl_ms) override;
  void release(const std::string& name, const std::string& holder) override;
};

}  // namespace octopus::coordination
