#include "settlement/ledger_metrics.hpp"

#include "observability/metrics.hpp"

namespace octopus::settlement {

namespace {

const observability::LabelledCounter kEntries{
    "octopus_ledger_entries_total",
    "Entries appended to the settlement ledger, by type (settlement.earned, settlement.reversed, settlement.capped, "
    "charge.messages, adjustment).",
    "type",
    {"settlement.earned", "settlement.reversed", "settlement.capped", "charge.messages", "adjustment"}};
const observability::LabelledCounter kOrders{
    "octopus_settlement_orders_total",
    "Order events from the engine's conversion stream settled, by outcome (earned, capped, unattributed, "
    "no_contract, reversed, not_reversed).",
    "outcome",
    {"earned", "capped", "unattributed", "no_contract", "reversed", "not_reversed"}};

}  // namespace

void count_appended(const LedgerEntry& entry) {
  observability::metrics().increment(kEntries.series(to_string(entry.type)));
}

void count_appended(const std::vector<LedgerEntry>& entries) {
  for (const auto& e : entries) count_appended(e);
}

void count_settled(const std::vector<OrderSettlement>& batch) {
  for (const auto& s : batch) {
    if (s.conflict) continue;
    observability::metrics().increment(kOrders.series(s.outcome.outcome));
    count_appended(s.entries);
  }
}

}  // namespace octopus::settlement
