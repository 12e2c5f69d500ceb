#include "settlement/charge_service.hpp"

#include "settlement/ledger_metrics.hpp"
#include "store/resource_id.hpp"

namespace octopus::settlement {

ChargeService::ChargeService(LedgerRepository& ledger, ContractRepository& contracts, policy::SnapshotSource policies,
                             const Clock& clock)
    : ledger_(ledger), contracts_(contracts), policies_(std::move(policies)), clock_(clock) {}

std::optional<Contract> ChargeService::pricing(const std::string& partner_id, const std::string& product_code,
                                               const std::string& channel, std::int64_t at) {
  auto contract = contracts_.contract_at(partner_id, product_code, at);
  if (!contract || contract->message_prices.fen_for(channel) == 0) return std::nullopt;
  return contract;
}

std::optional<LedgerEntry> ChargeService::charge(const DeliveryBill& bill) {
  const auto contract = pricing(bill.partner_id, bill.product_code, bill.channel, bill.finished_at);
  if (!contract || bill.messages <= 0) return std::nullopt;
  const auto fen = message_charge_fen(*contract, bill.channel, bill.messages, bill.segments);
  if (fen == 0) return std::nullopt;
  LedgerEntry e;
  e.id = store::new_resource_id(store::ResourceKind::settlement_entry);
  e.partner_id = bill.partner_id;
  e.type = EntryType::charged;
  e.amount_fen = -fen;
  e.product_code = bill.product_code;
  e.offer_id = bill.offer_id;
  e.source_id = bill.delivery_id;
  e.contract_id = contract->id;
  if (const auto policy = policies_()) e.policy_version = policy->version;
  const bool by_segment = bill.channel == "sms" && contract->message_prices.sms_per_segment;
  e.reason = std::to_string(bill.messages) + " " + bill.channel + " messages delivered" +
             (by_segment ? " x " + std::to_string(bill.segments) + " segments" : std::string()) + " x " +
             std::to_string(contract->message_prices.fen_for(bill.channel)) + " fen";
  e.occurred_at_ms = bill.finished_at * 1000;
  e.recorded_at = clock_.unix_seconds();
  if (ledger_.append(e) == store::WriteResult::conflict) return std::nullopt;  // charged before
  count_appended(e);
  return e;
}

}  // namespace octopus::settlement
