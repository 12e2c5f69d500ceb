// The settlement ledger and the settled orders in the embedded database.
#pragma once
#include "settlement/ledger_repository.hpp"
#include "store/sql/sql_repository.hpp"

namespace octopus::settlement {

class SqlLedgerRepository final : public LedgerRepository, store::sql::SqlRepository {
 public:
  using SqlRepository::SqlRepository;
  void settle_all(std::vector<OrderSettlement>& batch) override;
  store::WriteResult append(LedgerEntry& entry) override;
  bool has_charge(const std::string& delivery_id) override;
  std::optional<OrderOutcome> order_outcome(const std::string& order_id, OrderEvent event) override;
  std::vector<LedgerEntry> order_entries(const std::string& order_id) override;
  std::int64_t contract_earned(const std::string& contract_id, std::int64_t from_ms, std::int64_t until_ms) override;
  std::vector<PartnerTotals> partner_totals() override;
  std::map<std::string, std::size_t> outcome_counts() override;
  std::vector<WebhookEvent> webhook_events(const std::string& partner_id, std::int64_t after_sequence,
                                           std::size_t limit) override;
  std::vector<OutboxItem> outbox_after(std::int64_t after_sequence, std::size_t limit) override;
  std::vector<OutboxItem> outbox_created(const std::string& partner_id, std::int64_t from, std::int64_t until) override;
  std::vector<LedgerEntry> entries_recorded(const std::string& partner_id, std::int64_t from,
                                            std::int64_t until) override;
  store::Page<LedgerEntry, std::int64_t> list_entries(const std::string& partner_id, std::int64_t after_sequence,
                                                      std::size_t limit) override;
};

}  // namespace octopus::settlement
