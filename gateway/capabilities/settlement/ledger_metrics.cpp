#include "settlement/ledger_metrics.hpp"

#include <string>

#include "observability/metrics.hpp"

namespace octopus::settlement {

namespace {

const observability::MetricFamily kEntries{
    "octopus_ledger_entries_total", observability::MetricType::counter,
    "Entries appended to the settlement ledger, by type (settlement.earned, settlement.reversed, settlement.capped, "
    "charge.messages, adjustment)."};
const observability::MetricFamily kOrders{
    "octopus_settlement_orders_total", observability::MetricType::counter,
    "Order events from the engine's conversion stream settled, by outcome (earned, capped, unattributed, "
    "no_contract, reversed, not_reversed)."};

constexpr const char* kOutcomes[] = {"earned", "capped", "unattributed", "no_contract", "reversed", "not_reversed"};

std::string entries_series(EntryType type) {
  return "octopus_ledger_entries_total{type=\"" + std::string(to_string(type)) + "\"}";
}

std::string orders_series(std::string_view outcome) {
  return "octopus_settlement_orders_total{outcome=\"" + observability::label_value(outcome) + "\"}";
}

// Every type and outcome from start, so a rate over them exists before the first order.
const bool kZeroes = [] {
  for (const auto type :
       {EntryType::earned, EntryType::reversed, EntryType::capped, EntryType::charged, EntryType::adjusted})
    observability::metrics().increment(entries_series(type), 0);
  for (const auto* outcome : kOutcomes) observability::metrics().increment(orders_series(outcome), 0);
  return true;
}();

}  // namespace

void count_appended(const LedgerEntry& entry) { observability::metrics().increment(entries_series(entry.type)); }

void count_appended(const std::vector<LedgerEntry>& entries) {
  for (const auto& e : entries) count_appended(e);
}

void count_settled(const std::vector<OrderSettlement>& batch) {
  for (const auto& s : batch) {
    if (s.conflict) continue;
    observability::metrics().increment(orders_series(s.outcome.outcome));
    count_appended(s.entries);
  }
}

}  // namespace octopus::settlement
