#include "settlement/settlement_service.hpp"

#include "quota/quota_periods.hpp"
#include "store/resource_id.hpp"

namespace octopus::settlement {

SettlementService::SettlementService(SettlementRecords records, const TouchIndex& touches,
                                     policy::SnapshotSource policies, SettlementOptions options, const Clock& clock)
    : records_(records), touches_(touches), policies_(std::move(policies)), options_(options), clock_(clock) {}

Settled SettlementService::on_conversion(const engine::Conversion& c) {
  std::lock_guard lock(mutex_);
  OrderOutcome outcome{c.order_id, OrderEvent::conversion, "", "", c.at_ms, clock_.unix_seconds()};
  const auto touch = touches_.last_touch(c.subscriber, c.product_code, c.at_ms, options_.attribution_window.count());
  if (!touch) {
    outcome.outcome = "unattributed";
    return write(std::move(outcome), {});
  }
  outcome.partner_id = touch->partner_id;
  const auto contract = records_.contracts.contract_at(touch->partner_id, c.product_code, c.at_ms / 1000);
  if (!contract) {
    outcome.outcome = "no_contract";
    return write(std::move(outcome), {});
  }
  const auto policy = policies_();
  auto entries = price(c, *touch, *contract, *policy, outcome.outcome);
  return write(std::move(outcome), std::move(entries));
}

// The order's entry: earned (up to the month's cap), or capped at 0 with the reason.
std::vector<LedgerEntry> SettlementService::price(const engine::Conversion& c, const Touch& touch,
                                                  const Contract& contract, const policy::PolicySnapshot& policy,
                                                  std::string& outcome) {
  const auto month = quota::quota_periods(policy, c.at_ms / 1000);
  const auto earned =
      records_.ledger.contract_earned(contract.id, month.month_starts_at * 1000, month.month_ends_at * 1000);
  const Pricing pricing = price_order(contract, c.amount_fen, earned);
  LedgerEntry e;
  e.id = store::new_resource_id(store::ResourceKind::settlement_entry);
  e.partner_id = touch.partner_id;
  e.type = pricing.paid_fen > 0 || pricing.over_cap_fen == 0 ? EntryType::earned : EntryType::capped;
  e.amount_fen = pricing.paid_fen;
  e.order_id = c.order_id;
  e.product_code = c.product_code;
  e.subscriber = c.subscriber;
  e.offer_id = touch.offer_id;
  e.source_id = touch.source_id;
  e.contract_id = contract.id;
  e.policy_version = policy.version;
  if (pricing.over_cap_fen > 0)
    e.reason = "monthly cap of " + std::to_string(*contract.monthly_cap_fen) +
               " fen: " + std::to_string(pricing.over_cap_fen) + " of " + std::to_string(pricing.uncapped_fen) +
               " fen held back";
  e.occurred_at_ms = c.at_ms;
  e.recorded_at = clock_.unix_seconds();
  outcome = e.type == EntryType::capped ? "capped" : "earned";
  return {e};
}

Settled SettlementService::on_cancellation(const OrderCancellation& cancel) {
  std::lock_guard lock(mutex_);
  OrderOutcome outcome{cancel.order_id, OrderEvent::cancellation, "not_reversed", "",
                       cancel.at_ms,    clock_.unix_seconds()};
  std::vector<LedgerEntry> entries;
  for (const auto& settled : records_.ledger.order_entries(cancel.order_id)) {
    if (settled.type != EntryType::earned) continue;
    outcome.partner_id = settled.partner_id;
    if (cancel.at_ms - settled.occurred_at_ms > options_.reversal_window.count()) break;  // too late to take back
    LedgerEntry reversal = settled;
    reversal.sequence.reset();
    reversal.id = store::new_resource_id(store::ResourceKind::settlement_entry);
    reversal.type = EntryType::reversed;
    reversal.amount_fen = -settled.amount_fen;
    reversal.reason = "order cancelled";
    reversal.occurred_at_ms = cancel.at_ms;
    reversal.recorded_at = outcome.recorded_at;
    if (const auto policy = policies_()) reversal.policy_version = policy->version;
    entries.push_back(std::move(reversal));
    outcome.outcome = "reversed";
  }
  return write(std::move(outcome), std::move(entries));
}

Settled SettlementService::write(OrderOutcome outcome, std::vector<LedgerEntry> entries) {
  if (records_.ledger.settle(outcome, entries) == store::WriteResult::conflict) {
    auto before = records_.ledger.order_outcome(outcome.order_id, outcome.event);
    return {before.value_or(outcome), {}, true};
  }
  return {std::move(outcome), std::move(entries), false};
}

}  // namespace octopus::settlement
