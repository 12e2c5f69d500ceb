// Usage history in the embedded database: usage_hourly and usage_daily.
#pragma once
#include "store/sql/sql_repository.hpp"
#include "usage/usage_history.hpp"

namespace octopus::usage {

class SqlUsageRepository final : public UsageRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  void add_hourly(const std::vector<UsageCount>& counts) override;
  std::vector<UsageCount> history(const std::string& partner, std::int64_t from, std::int64_t to,
                                  Granularity granularity) override;
  void compact(std::int64_t hourly_before, std::int64_t kept_after) override;
};

}  // namespace octopus::usage
