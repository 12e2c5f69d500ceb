// Turns the engine's orders into ledger entries: each conversion is attributed to the last
// partner whose message for the product reached the subscriber within the attribution
// window (settlement.yaml: by the product's class), priced by that partner's contract in force at the order's time (the
// month's cap applied), and written with its outcome in one transaction, at most once per order, ever. A cancellation
// inside the reversal window takes back what the order earned.
//
// One settlement at a time (a mutex): a month's cap is read and spent in one step. The
// engine's stream may repeat orders (a restart resumes from the last saved position): the
// order's outcome row makes a repeat change nothing. A batch of the stream is settled in one
// transaction (group commit); what earlier orders of the batch earned counts against the
// cap of later ones, and a cancellation sees an order earned earlier in the same batch.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "engine/engine.hpp"
#include "policy/policy_snapshot.hpp"
#include "quota/quota_periods.hpp"
#include "settlement/contract_repository.hpp"
#include "settlement/ledger_repository.hpp"
#include "settlement/touch_index.hpp"
#include "vocabulary/clock.hpp"

namespace octopus::settlement {

struct OrderCancellation {
  std::string order_id;
  std::int64_t at_ms = 0;
};

struct SettlementRecords {
  LedgerRepository& ledger;
  ContractRepository& contracts;
};

// What settling one order event did: its outcome (as stored, or as stored before when the
// event repeats) and the entries it wrote (none for a repeat).
struct Settled {
  OrderOutcome outcome;
  std::vector<LedgerEntry> entries;
  bool repeat = false;
};

class SettlementService {
 public:
  SettlementService(SettlementRecords records, const TouchIndex& touches, policy::SnapshotSource policies,
                    const Clock& clock = system_clock());

  // Throws std::invalid_argument for an order the arithmetic refuses (a negative amount),
  // store::StoreError when the store fails (nothing is then written).
  Settled on_conversion(const engine::Conversion& conversion);
  Settled on_cancellation(const OrderCancellation& cancellation);
  // A batch of the stream (orders and cancellations in stream order), in one transaction;
  // one result per event, in the same order.
  std::vector<Settled> settle(const std::vector<engine::Conversion>& batch);

 private:
  class Batch;
  Settled conversion(const engine::Conversion& c, Batch& batch);
  Settled cancellation(const OrderCancellation& cancel, Batch& batch);
  std::vector<LedgerEntry> price(const engine::Conversion& c, const Touch& touch, const Contract& contract,
                                 const policy::PolicySnapshot& policy, std::int64_t earned, std::string& outcome);

  std::int64_t month_earned(const std::string& contract_id, const quota::QuotaPeriods& month);

  SettlementRecords records_;
  const TouchIndex& touches_;
  policy::SnapshotSource policies_;
  const Clock& clock_;
  std::mutex mutex_;
  // What each contract earned per month (by the month's start), read from the ledger once
  // and kept up to date as entries are written: the cap check would otherwise sum the
  // month's entries again for every order.
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> month_earned_;
};

}  // namespace octopus::settlement
