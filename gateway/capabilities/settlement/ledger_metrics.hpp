// What the ledger's writers report once a write has committed: entries appended by type
// (`octopus_ledger_entries_total{type}`) and order events settled by outcome
// (`octopus_settlement_orders_total{outcome}`), the figures the settlement panels and a
// stalled-settlement alert read.
#pragma once
#include <string_view>
#include <vector>

#include "settlement/ledger_repository.hpp"

namespace octopus::settlement {

void count_appended(const std::vector<LedgerEntry>& entries);
void count_appended(const LedgerEntry& entry);
// Every event of a settled batch but those another writer had settled first (conflicts).
void count_settled(const std::vector<OrderSettlement>& batch);

}  // namespace octopus::settlement
