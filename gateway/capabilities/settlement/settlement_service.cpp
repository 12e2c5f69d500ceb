#include "settlement/settlement_service.hpp"

#include <algorithm>
#include <map>

#include "quota/quota_periods.hpp"
#include "settlement/ledger_metrics.hpp"
#include "store/resource_id.hpp"

namespace octopus::settlement {

SettlementService::SettlementService(SettlementRecords records, const TouchIndex& touches,
                                     policy::SnapshotSource policies, const Clock& clock)
    : records_(records), touches_(touches), policies_(std::move(policies)), clock_(clock) {}

namespace {
bool is_order(const engine::Conversion& c) { return c.kind == engine::ConversionKind::order; }
}  // namespace

// The order events of one batch, not yet written: what the store cannot tell yet (a repeat
// inside the batch, what the batch's orders earned, their entries) is answered from here.
class SettlementService::Batch {
 public:
  const OrderOutcome* seen(const std::string& order_id, OrderEvent event) const {
    const auto it = outcomes_.find({order_id, event});
    return it == outcomes_.end() ? nullptr : &it->second;
  }
  std::int64_t earned(const std::string& contract_id, std::int64_t month_start) const {
    const auto it = earned_.find({contract_id, month_start});
    return it == earned_.end() ? 0 : it->second;
  }
  std::vector<LedgerEntry> entries_of(const std::string& order_id) const {
    std::vector<LedgerEntry> out;
    for (const auto& s : settlements_)
      for (const auto& e : s.entries)
        if (e.order_id == order_id) out.push_back(e);
    return out;
  }
  // `month_start`: of the month whose cap an earned entry counts against.
  void add(OrderOutcome outcome, std::vector<LedgerEntry> entries, std::int64_t month_start = 0) {
    for (const auto& e : entries)
      if (e.type == EntryType::earned) earned_[{e.contract_id, month_start}] += e.amount_fen;
    outcomes_[{outcome.order_id, outcome.event}] = outcome;
    settlements_.push_back({std::move(outcome), std::move(entries), false});
  }
  std::vector<OrderSettlement>& settlements() { return settlements_; }
  const std::map<std::pair<std::string, std::int64_t>, std::int64_t>& earned_by_month() const { return earned_; }

 private:
  std::vector<OrderSettlement> settlements_;
  std::map<std::pair<std::string, OrderEvent>, OrderOutcome> outcomes_;
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> earned_;
};

Settled SettlementService::on_conversion(const engine::Conversion& c) { return settle({c}).front(); }

Settled SettlementService::on_cancellation(const OrderCancellation& cancel) {
  engine::Conversion c;
  c.kind = engine::ConversionKind::cancellation;
  c.order_id = cancel.order_id;
  c.at_ms = cancel.at_ms;
  return settle({c}).front();
}

std::vector<Settled> SettlementService::settle(const std::vector<engine::Conversion>& events) {
  std::lock_guard lock(mutex_);
  Batch batch;
  std::vector<Settled> out;
  out.reserve(events.size());
  for (const auto& c : events)
    out.push_back(is_order(c) ? conversion(c, batch) : cancellation({c.order_id, c.at_ms}, batch));
  records_.ledger.settle_all(batch.settlements());
  count_settled(batch.settlements());
  const bool any_conflict = std::any_of(batch.settlements().begin(), batch.settlements().end(),
                                        [](const OrderSettlement& s) { return s.conflict; });
  if (any_conflict)
    month_earned_.clear();  // another writer settled some: read the ledger afresh
  else
    for (const auto& [key, fen] : batch.earned_by_month()) month_earned_[key] += fen;
  // Hand back what was written (sequences filled), or the stored outcome of a late repeat.
  auto written = batch.settlements().begin();
  for (auto& s : out) {
    if (s.repeat) continue;
    if (written->conflict) {
      s = {records_.ledger.order_outcome(s.outcome.order_id, s.outcome.event).value_or(s.outcome), {}, true};
    } else {
      s.entries = written->entries;
    }
    ++written;
  }
  return out;
}

Settled SettlementService::conversion(const engine::Conversion& c, Batch& batch) {
  if (const auto* before = batch.seen(c.order_id, OrderEvent::conversion)) return {*before, {}, true};
  if (auto before = records_.ledger.order_outcome(c.order_id, OrderEvent::conversion))
    return {std::move(*before), {}, true};
  OrderOutcome outcome{c.order_id, OrderEvent::conversion, "", "", c.at_ms, clock_.unix_seconds()};
  const auto policy = policies_();
  const auto window = policy->settlement.windows_for(c.product_code).attribution;
  const auto touch = touches_.last_touch(c.subscriber, c.product_code, c.at_ms, window.count());
  const auto contract =
      touch ? records_.contracts.contract_at(touch->partner_id, c.product_code, c.at_ms / 1000) : std::nullopt;
  if (touch) outcome.partner_id = touch->partner_id;
  if (!contract) {
    outcome.outcome = touch ? "no_contract" : "unattributed";
    batch.add(outcome, {});
    return {std::move(outcome), {}, false};
  }
  const auto month = quota::quota_periods(*policy, c.at_ms / 1000);
  const auto earned = month_earned(contract->id, month) + batch.earned(contract->id, month.month_starts_at);
  auto entries = price(c, *touch, *contract, *policy, earned, outcome.outcome);
  batch.add(outcome, entries, month.month_starts_at);
  return {std::move(outcome), std::move(entries), false};
}

std::int64_t SettlementService::month_earned(const std::string& contract_id, const quota::QuotaPeriods& month) {
  const std::pair<std::string, std::int64_t> key{contract_id, month.month_starts_at};
  const auto it = month_earned_.find(key);
  if (it != month_earned_.end()) return it->second;
  const auto earned =
      records_.ledger.contract_earned(contract_id, month.month_starts_at * 1000, month.month_ends_at * 1000);
  month_earned_.emplace(key, earned);
  return earned;
}

// The order's entry: earned (up to the month's cap), or capped at 0 with the reason.
std::vector<LedgerEntry> SettlementService::price(const engine::Conversion& c, const Touch& touch,
                                                  const Contract& contract, const policy::PolicySnapshot& policy,
                                                  std::int64_t earned, std::string& outcome) {
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

Settled SettlementService::cancellation(const OrderCancellation& cancel, Batch& batch) {
  if (const auto* before = batch.seen(cancel.order_id, OrderEvent::cancellation)) return {*before, {}, true};
  if (auto before = records_.ledger.order_outcome(cancel.order_id, OrderEvent::cancellation))
    return {std::move(*before), {}, true};
  OrderOutcome outcome{cancel.order_id, OrderEvent::cancellation, "not_reversed", "",
                       cancel.at_ms,    clock_.unix_seconds()};
  std::vector<LedgerEntry> entries;
  const auto policy = policies_();
  auto settled_entries = records_.ledger.order_entries(cancel.order_id);
  for (auto& e : batch.entries_of(cancel.order_id)) settled_entries.push_back(std::move(e));
  for (const auto& settled : settled_entries) {
    if (settled.type != EntryType::earned) continue;
    outcome.partner_id = settled.partner_id;
    const auto window = policy->settlement.windows_for(settled.product_code).reversal;
    if (cancel.at_ms - settled.occurred_at_ms > window.count()) break;  // too late to take back
    LedgerEntry reversal = settled;
    reversal.sequence.reset();
    reversal.id = store::new_resource_id(store::ResourceKind::settlement_entry);
    reversal.type = EntryType::reversed;
    reversal.amount_fen = -settled.amount_fen;
    reversal.reason = "order cancelled";
    reversal.occurred_at_ms = cancel.at_ms;
    reversal.recorded_at = outcome.recorded_at;
    reversal.policy_version = policy->version;
    entries.push_back(std::move(reversal));
    outcome.outcome = "reversed";
  }
  batch.add(outcome, entries);
  return {std::move(outcome), std::move(entries), false};
}

}  // namespace octopus::settlement
