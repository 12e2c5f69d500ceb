// The settlement ledger: what the operator owes each partner, as entries that are only ever
// added (the store refuses UPDATE and DELETE). Beside it, the orders it has settled: one
// row per order and event (its conversion, its cancellation), so an order is settled at most
// once, ever, whatever the engine's stream repeats, and the row and its entries are written
// in one transaction.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/repository.hpp"

namespace octopus::settlement {

// Credits for orders (earned, reversed, capped at 0), debits for the messages a partner had
// sent (charged, one entry per delivery), and the operator's manual adjustments (either sign).
enum class EntryType { earned, reversed, capped, charged, adjusted };

std::string_view to_string(EntryType type);  // "settlement.earned", ..., "charge.messages", "adjustment"
std::optional<EntryType> parse_entry_type(std::string_view text);

// The callback that tells a partner of one entry (the outbox): its id is the `webhook-id`
// every attempt to deliver it carries.
struct WebhookEvent {
  std::string id;  // "msg_..."
  std::string partner_id;
  std::string type;  // the entry's type, e.g. "settlement.earned"
  std::int64_t entry_sequence = 0;
  std::int64_t created_at = 0;
};

struct LedgerEntry {
  std::optional<std::int64_t> sequence;  // the ledger's order, set by the store when appended
  std::string id;                        // "stl_..."
  std::string partner_id;
  EntryType type = EntryType::earned;
  std::int64_t amount_fen = 0;  // credit to the partner; negative for a reversal; 0 when capped
  std::string currency = "CNY";
  std::string order_id;
  std::string product_code;
  std::uint64_t subscriber = 0;     // the operator's id: partners only ever see their token for it
  std::string offer_id;             // the touch the order is attributed to
  std::string source_id;            // its delivery or trigger
  std::string contract_id;          // what priced it
  std::string policy_version;       // the policies in force when it was priced
  std::string reason;               // why a cap held it back, why it was reversed
  std::int64_t occurred_at_ms = 0;  // the order's (or cancellation's) time
  std::int64_t recorded_at = 0;     // Unix seconds
};

enum class OrderEvent { conversion, cancellation };

std::string_view to_string(OrderEvent event);  // "conversion", "cancellation"
std::optional<OrderEvent> parse_order_event(std::string_view text);

// What became of one order event: "earned", "capped", "unattributed" (no message of any
// partner reached the subscriber in the window), "no_contract", "reversed", "not_reversed".
struct OrderOutcome {
  std::string order_id;
  OrderEvent event = OrderEvent::conversion;
  std::string outcome;
  std::string partner_id;  // empty when unattributed
  std::int64_t occurred_at_ms = 0;
  std::int64_t recorded_at = 0;
};

// An outbox event with the entry it tells of.
struct OutboxItem {
  WebhookEvent event;
  LedgerEntry entry;
};

// One order event to settle: its outcome and entries, written together; `conflict` is set
// when the event had been settled before (then nothing of it is written).
struct OrderSettlement {
  OrderOutcome outcome;
  std::vector<LedgerEntry> entries;
  bool conflict = false;
};

// What the operator owes one partner over the whole ledger.
struct PartnerTotals {
  std::string partner_id;
  std::int64_t earned_fen = 0, reversed_fen = 0, charged_fen = 0, adjusted_fen = 0;
  std::size_t entries = 0, capped_entries = 0;
};

class LedgerRepository {
 public:
  virtual ~LedgerRepository() = default;
  // Writes each order event's outcome, its entries and each entry's webhook event, the
  // batch in one transaction (group commit: one disk sync for the batch). An event settled
  // before is marked conflict and nothing of it is written. Fills each entry's sequence.
  virtual void settle_all(std::vector<OrderSettlement>& batch) = 0;
  // How an order's event was settled, if it was.
  virtual std::optional<OrderOutcome> order_outcome(const std::string& order_id, OrderEvent event) = 0;
  // The entries of one order (its earned or capped entry, a reversal), in ledger order.
  virtual std::vector<LedgerEntry> order_entries(const std::string& order_id) = 0;
  // What the contract has earned for orders placed in [from_ms, until_ms): what its monthly
  // cap is measured against (a reversal does not give room back under the cap).
  virtual std::int64_t contract_earned(const std::string& contract_id, std::int64_t from_ms, std::int64_t until_ms) = 0;
  // A partner's entries recorded in [from, until) (Unix seconds), in ledger order.
  virtual std::vector<LedgerEntry> entries_recorded(const std::string& partner_id, std::int64_t from,
                                                    std::int64_t until) = 0;
  // The webhook events of a partner's entries after `after_sequence`, in ledger order.
  virtual std::vector<WebhookEvent> webhook_events(const std::string& partner_id, std::int64_t after_sequence,
                                                   std::size_t limit) = 0;
  // Every partner's outbox after `after_sequence`, in ledger order: what the webhook
  // dispatcher has still to queue.
  virtual std::vector<OutboxItem> outbox_after(std::int64_t after_sequence, std::size_t limit) = 0;
  // A partner's outbox events created in [from, until) (Unix seconds), in ledger order.
  virtual std::vector<OutboxItem> outbox_created(const std::string& partner_id, std::int64_t from,
                                                 std::int64_t until) = 0;
  // Appends one entry that settles no order (a charge, an adjustment) with its outbox event;
  // conflict when a delivery's charge is already in the ledger. Fills the sequence.
  virtual store::WriteResult append(LedgerEntry& entry) = 0;
  // Whether the delivery's messages were charged.
  virtual bool has_charge(const std::string& delivery_id) = 0;
  // Totals per partner (those with entries), by partner id.
  virtual std::vector<PartnerTotals> partner_totals() = 0;
  // How many order events ended in each outcome ("earned", "unattributed", ...).
  virtual std::map<std::string, std::size_t> outcome_counts() = 0;
  // A partner's entries after `after_sequence`, in ledger order.
  virtual store::Page<LedgerEntry, std::int64_t> list_entries(const std::string& partner_id,
                                                              std::int64_t after_sequence, std::size_t limit) = 0;
};

}  // namespace octopus::settlement
