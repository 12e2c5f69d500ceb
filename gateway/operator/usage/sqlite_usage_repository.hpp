// Usage history in the embedded database: usage_hourly and usage_daily.
#pragma once
#include "store/sqlite/sqlite_repository.hpp"
#include "usage/usage_history.hpp"

namespace octopus::usage {

class SqliteUsageRepository final : public UsageRepository, store::sqlite::SqliteRepository {
 public:
  using SqliteRepository::SqliteRepository;
  void add_hourly(const std::vector<UsageCount>& counts) override;
  std::vector<UsageCount> history(const std::string& partner, std::int64_t from, std::int64_t to,
                                  Granularity granularity) override;
  void compact(std::int64_t hourly_before, std::int64_t kept_after) override;
};

}  // namespace octopus::usage
