// Debits a partner for the messages its deliveries had the operator send: one
// `charge.messages` entry per finished delivery (never per subscriber), priced by the
// partner's contract for the offer's product in force when the delivery finished, on the
// billed figure: the delivery's released `delivered` count, the one the partner itself is
// shown (docs/privacy.md, "Which figures money depends on"). A delivery is charged at most
// once, ever (the store refuses a second charge entry for it).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "policy/policy_snapshot.hpp"
#include "settlement/contract_repository.hpp"
#include "settlement/ledger_repository.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::settlement {

// What a finished delivery is billed on.
struct DeliveryBill {
  std::string partner_id, delivery_id, offer_id, product_code;
  std::string channel;           // "sms", "push", "outbound_call"
  std::int64_t messages = 0;     // the billed figure
  std::int64_t segments = 1;     // SMS segments per message
  std::int64_t finished_at = 0;  // Unix seconds: which contract is in force
};

class ChargeService {
 public:
  ChargeService(LedgerRepository& ledger, ContractRepository& contracts, policy::SnapshotSource policies,
                const Clock& clock = system_clock());

  // The contract that prices `channel` messages of the partner's `product_code` offers at
  // `at` (Unix seconds); nullopt when none does (nothing to charge).
  std::optional<Contract> pricing(const std::string& partner_id, const std::string& product_code,
                                  const std::string& channel, std::int64_t at);
  // The entry written, or nullopt: nothing to charge (no contract for the product then, no
  // price for the channel, no message billed), or the delivery was charged before.
  std::optional<LedgerEntry> charge(const DeliveryBill& bill);
  bool charged(const std::string& delivery_id) { return ledger_.has_charge(delivery_id); }

 private:
  LedgerRepository& ledger_;
  ContractRepository& contracts_;
  policy::SnapshotSource policies_;
  const Clock& clock_;
};

}  // namespace octopus::settlement
