// Triggers in the embedded database.
#pragma once
#include "store/sql/sql_repository.hpp"
#include "triggers/trigger_repository.hpp"

namespace octopus::triggers {

class SqlTriggerRepository final : public TriggerRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  store::WriteResult create_trigger(const TriggerRecord& trigger) override;
  std::optional<TriggerRecord> get_trigger(const std::string& partner_id, const std::string& id) override;
  TriggerPage list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                            std::size_t limit) override;
  std::vector<TriggerRecord> active_triggers() override;
  void add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) override;
  store::WriteResult delete_trigger(const std::string& partner_id, const std::string& id, std::int64_t now) override;
};

}  // namespace octopus::triggers
