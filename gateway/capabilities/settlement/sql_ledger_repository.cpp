#include "settlement/sql_ledger_repository.hpp"

#include "store/resource_id.hpp"
#include "store/sql/row_mapper.hpp"

namespace octopus::store::sql {
// Entry types are stored by their event names ("settlement.earned"), order events by name.
template <>
struct ColumnValue<settlement::EntryType> : NamedColumnValue<settlement::EntryType, settlement::parse_entry_type> {};
template <>
struct ColumnValue<settlement::OrderEvent> : NamedColumnValue<settlement::OrderEvent, settlement::parse_order_event> {};
}  // namespace octopus::store::sql

namespace octopus::settlement {

using store::WriteResult;
using store::sql::column;
using store::sql::Database;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {
const RowMapper<LedgerEntry> kEntries("ledger_entries", {
                                                            column("sequence", &LedgerEntry::sequence),
                                                            column("id", &LedgerEntry::id),
                                                            column("partner_id", &LedgerEntry::partner_id),
                                                            column("type", &LedgerEntry::type),
                                                            column("amount_fen", &LedgerEntry::amount_fen),
                                                            column("currency", &LedgerEntry::currency),
                                                            column("order_id", &LedgerEntry::order_id),
                                                            column("product_code", &LedgerEntry::product_code),
                                                            column("subscriber", &LedgerEntry::subscriber),
                                                            column("offer_id", &LedgerEntry::offer_id),
                                                            column("source_id", &LedgerEntry::source_id),
                                                            column("contract_id", &LedgerEntry::contract_id),
                                                            column("policy_version", &LedgerEntry::policy_version),
                                                            column("reason", &LedgerEntry::reason),
                                                            column("occurred_at_ms", &LedgerEntry::occurred_at_ms),
                                                            column("recorded_at", &LedgerEntry::recorded_at),
                                                        });
const RowMapper<OrderOutcome> kOutcomes("order_outcomes", {
                                                              column("order_id", &OrderOutcome::order_id),
                                                              column("event", &OrderOutcome::event),
                                                              column("outcome", &OrderOutcome::outcome),
                                                              column("partner_id", &OrderOutcome::partner_id),
                                                              column("occurred_at_ms", &OrderOutcome::occurred_at_ms),
                                                              column("recorded_at", &OrderOutcome::recorded_at),
                                                          });
const RowMapper<WebhookEvent> kEvents("webhook_events", {
                                                            column("id", &WebhookEvent::id),
                                                            column("partner_id", &WebhookEvent::partner_id),
                                                            column("type", &WebhookEvent::type),
                                                            column("entry_sequence", &WebhookEvent::entry_sequence),
                                                            column("created_at", &WebhookEvent::created_at),
                                                        });
}  // namespace

namespace {
// Writes `e` and its outbox event; false (nothing written) when a unique constraint refuses it.
// `entry` is kEntries.insert_generating("sequence"): the store numbers entries.
bool write_entry(Statement& entry, Statement& event, LedgerEntry& e) {
  entry.reset();
  kEntries.bind(entry, e);
  if (!entry.exec_unique()) return false;
  e.sequence = entry.int64(0);
  entry.reset();
  event.reset();
  kEvents.bind(event, {store::new_resource_id(store::ResourceKind::webhook_event), e.partner_id,
                       std::string(to_string(e.type)), *e.sequence, e.recorded_at});
  event.step();
  return true;
}
}  // namespace

void SqlLedgerRepository::settle_all(std::vector<OrderSettlement>& batch) {
  auto session = db_.session();
  Transaction tx(session);
  Statement settled(session, kOutcomes.insert());
  Statement entry(session, kEntries.insert_generating("sequence"));
  Statement event(session, kEvents.insert());
  for (auto& s : batch) {
    settled.reset();
    kOutcomes.bind(settled, s.outcome);
    s.conflict = !settled.exec_unique();  // this order's event was settled before
    if (s.conflict) continue;
    for (auto& e : s.entries)
      if (!write_entry(entry, event, e)) throw store::StoreError("ledger entry " + e.id + " refused");
  }
  tx.commit();
}

WriteResult SqlLedgerRepository::append(LedgerEntry& e) {
  auto session = db_.session();
  Transaction tx(session);
  Statement entry(session, kEntries.insert_generating("sequence"));
  Statement event(session, kEvents.insert());
  if (!write_entry(entry, event, e)) return WriteResult::conflict;  // rolled back
  tx.commit();
  return WriteResult::ok;
}

bool SqlLedgerRepository::has_charge(const std::string& delivery_id) {
  auto session = db_.session();
  Statement st(session, "SELECT 1 FROM ledger_entries WHERE source_id = :source AND type = 'charge.messages'");
  st.bind(":source", delivery_id);
  return st.step();
}

std::optional<OrderOutcome> SqlLedgerRepository::order_outcome(const std::string& order_id, OrderEvent event) {
  auto session = db_.session();
  Statement st(session, kOutcomes.select("WHERE order_id = :order_id AND event = :event"));
  st.bind(":order_id", order_id);
  st.bind(":event", to_string(event));
  if (!st.step()) return std::nullopt;
  return kOutcomes.read(st);
}

std::vector<LedgerEntry> SqlLedgerRepository::order_entries(const std::string& order_id) {
  auto session = db_.session();
  Statement st(session, kEntries.select("WHERE order_id = :order_id ORDER BY sequence"));
  st.bind(":order_id", order_id);
  return kEntries.read_all(st);
}

std::int64_t SqlLedgerRepository::contract_earned(const std::string& contract_id, std::int64_t from_ms,
                                                  std::int64_t until_ms) {
  auto session = db_.session();
  Statement st(session,
               "SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entries WHERE contract_id = :contract "
               "AND type = 'settlement.earned' AND occurred_at_ms >= :from AND occurred_at_ms < :until");
  st.bind(":contract", contract_id).bind(":from", from_ms).bind(":until", until_ms);
  st.step();
  return st.int64(0);
}

std::vector<PartnerTotals> SqlLedgerRepository::partner_totals() {
  auto session = db_.session();
  Statement st(session,
               "SELECT partner_id, "
               "COALESCE(SUM(CASE WHEN type = 'settlement.earned' THEN amount_fen END), 0), "
               "COALESCE(SUM(CASE WHEN type = 'settlement.reversed' THEN amount_fen END), 0), "
               "COALESCE(SUM(CASE WHEN type = 'charge.messages' THEN amount_fen END), 0), "
               "COALESCE(SUM(CASE WHEN type = 'adjustment' THEN amount_fen END), 0), "
               "COUNT(*), SUM(CASE WHEN type = 'settlement.capped' THEN 1 ELSE 0 END) FROM ledger_entries GROUP BY "
               "partner_id ORDER BY partner_id");
  std::vector<PartnerTotals> out;
  while (st.step())
    out.push_back({st.text(0), st.int64(1), st.int64(2), st.int64(3), st.int64(4),
                   static_cast<std::size_t>(st.int64(5)), static_cast<std::size_t>(st.int64(6))});
  return out;
}

std::map<std::string, std::size_t> SqlLedgerRepository::outcome_counts() {
  auto session = db_.session();
  Statement st(session, "SELECT outcome, COUNT(*) FROM order_outcomes GROUP BY outcome");
  std::map<std::string, std::size_t> out;
  while (st.step()) out[st.text(0)] = static_cast<std::size_t>(st.int64(1));
  return out;
}

std::vector<WebhookEvent> SqlLedgerRepository::webhook_events(const std::string& partner_id,
                                                              std::int64_t after_sequence, std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kEvents.select("WHERE partner_id = :partner AND entry_sequence > :after "
                                       "ORDER BY entry_sequence LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after_sequence).bind(":limit", static_cast<std::int64_t>(limit));
  return kEvents.read_all(st);
}

namespace {
// Events and entries read by the same condition, in ledger order, paired by sequence (every
// entry has its event: both are written in one transaction).
std::vector<OutboxItem> pair_up(std::vector<WebhookEvent> events, std::vector<LedgerEntry> entries) {
  std::vector<OutboxItem> out;
  std::size_t j = 0;
  for (auto& event : events) {
    while (j < entries.size() && entries[j].sequence.value_or(0) < event.entry_sequence) ++j;
    if (j < entries.size() && entries[j].sequence == event.entry_sequence)
      out.push_back({std::move(event), std::move(entries[j])});
  }
  return out;
}
}  // namespace

std::vector<OutboxItem> SqlLedgerRepository::outbox_after(std::int64_t after_sequence, std::size_t limit) {
  auto session = db_.session();
  Statement events(session, kEvents.select("WHERE entry_sequence > :after ORDER BY entry_sequence LIMIT :limit"));
  events.bind(":after", after_sequence).bind(":limit", static_cast<std::int64_t>(limit));
  auto found = kEvents.read_all(events);
  if (found.empty()) return {};
  Statement entries(session, kEntries.select("WHERE sequence > :after AND sequence <= :last ORDER BY sequence"));
  entries.bind(":after", after_sequence).bind(":last", found.back().entry_sequence);
  return pair_up(std::move(found), kEntries.read_all(entries));
}

std::vector<OutboxItem> SqlLedgerRepository::outbox_created(const std::string& partner_id, std::int64_t from,
                                                            std::int64_t until) {
  auto session = db_.session();
  Statement events(session, kEvents.select("WHERE partner_id = :partner AND created_at >= :from "
                                           "AND created_at < :until ORDER BY entry_sequence"));
  events.bind(":partner", partner_id).bind(":from", from).bind(":until", until);
  Statement entries(session,
                    kEntries.select("WHERE sequence IN (SELECT entry_sequence FROM webhook_events WHERE partner_id = "
                                    ":partner AND created_at >= :from AND created_at < :until) ORDER BY sequence"));
  entries.bind(":partner", partner_id).bind(":from", from).bind(":until", until);
  return pair_up(kEvents.read_all(events), kEntries.read_all(entries));
}

std::vector<LedgerEntry> SqlLedgerRepository::entries_recorded(const std::string& partner_id, std::int64_t from,
                                                               std::int64_t until) {
  auto session = db_.session();
  Statement st(session, kEntries.select("WHERE partner_id = :partner AND recorded_at >= :from "
                                        "AND recorded_at < :until ORDER BY sequence"));
  st.bind(":partner", partner_id).bind(":from", from).bind(":until", until);
  return kEntries.read_all(st);
}

store::Page<LedgerEntry, std::int64_t> SqlLedgerRepository::list_entries(const std::string& partner_id,
                                                                         std::int64_t after_sequence,
                                                                         std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kEntries.select("WHERE partner_id = :partner AND sequence > :after "
                                        "ORDER BY sequence LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after_sequence);
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kEntries.read_page<std::int64_t>(st, limit, [](const LedgerEntry& e) { return e.sequence.value_or(0); });
}

}  // namespace octopus::settlement
