#include "triggers/sql_trigger_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::triggers {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {
template <std::uint64_t TriggerCounts::*Count>
auto count_of() {
  return [](TriggerRecord& t) -> std::uint64_t& { return t.counts.*Count; };
}

const RowMapper<TriggerRecord> kTriggers(
    "triggers", {
                    column("id", &TriggerRecord::id),
                    column("partner_id", &TriggerRecord::partner_id),
                    column("offer_id", &TriggerRecord::offer_id),
                    column("event_type", &TriggerRecord::event_type),
                    column("segment", &TriggerRecord::segment_json),
                    column("purpose", &TriggerRecord::purpose),
                    column("cooldown_seconds", &TriggerRecord::cooldown_seconds),
                    column("engine_audience_id", &TriggerRecord::engine_audience_id),
                    column("status", &TriggerRecord::status),
                    column("policy_version", &TriggerRecord::policy_version),
                    column("created_at", &TriggerRecord::created_at),
                    column("updated_at", &TriggerRecord::updated_at),
                    column("segment_size", &TriggerRecord::segment_size),
                    column<TriggerRecord>("matched", count_of<&TriggerCounts::matched>()),
                    column<TriggerRecord>("sent", count_of<&TriggerCounts::sent>()),
                    column<TriggerRecord>("no_consent", count_of<&TriggerCounts::no_consent>()),
                    column<TriggerRecord>("capped", count_of<&TriggerCounts::capped>()),
                    column<TriggerRecord>("ineligible", count_of<&TriggerCounts::ineligible>()),
                    column<TriggerRecord>("cooling_down", count_of<&TriggerCounts::cooling_down>()),
                    column<TriggerRecord>("quiet_hours", count_of<&TriggerCounts::quiet_hours>()),
                });
}  // namespace

WriteResult SqlTriggerRepository::create_trigger(const TriggerRecord& t) {
  auto session = db_.session();
  TriggerRecord fresh = t;
  fresh.counts = {};  // a new trigger has counted nothing
  Statement st(session, kTriggers.insert());
  kTriggers.bind(st, fresh);
  if (!st.exec_unique()) return WriteResult::conflict;
  session.connection().announce(kTriggersTopic);
  return WriteResult::ok;
}

std::optional<TriggerRecord> SqlTriggerRepository::get_trigger(const std::string& partner_id, const std::string& id) {
  auto session = db_.session();
  Statement st(session, kTriggers.select("WHERE id = :id AND partner_id = :partner AND status = 'active'"));
  st.bind(":id", id).bind(":partner", partner_id);
  if (!st.step()) return std::nullopt;
  return kTriggers.read(st);
}

TriggerPage SqlTriggerRepository::list_triggers(const std::string& partner_id, const std::optional<std::string>& after,
                                                std::size_t limit) {
  auto session = db_.session();
  Statement st(session, kTriggers.select("WHERE partner_id = :partner AND status = 'active' AND id > :after "
                                         "ORDER BY id LIMIT :limit"));
  st.bind(":partner", partner_id).bind(":after", after.value_or(std::string()));
  st.bind(":limit", static_cast<std::int64_t>(limit + 1));
  return kTriggers.read_page(st, limit);
}

std::vector<TriggerRecord> SqlTriggerRepository::active_triggers() {
  auto session = db_.session();
  Statement st(session, kTriggers.select("WHERE status = 'active' ORDER BY id"));
  return kTriggers.read_all(st);
}

void SqlTriggerRepository::add_trigger_counts(const std::vector<std::pair<std::string, TriggerCounts>>& deltas) {
  if (deltas.empty()) return;
  auto session = db_.session();
  Transaction tx(session);
  Statement st(
      session,
      "UPDATE triggers SET matched = matched + :matched, sent = sent + :sent, "
      "no_consent = no_consent + :no_consent, capped = capped + :capped, ineligible = ineligible + :ineligible, "
      "cooling_down = cooling_down + :cooling_down, quiet_hours = quiet_hours + :quiet_hours WHERE id = :id");
  for (const auto& [id, delta] : deltas) {
    st.reset();
    TriggerRecord change;
    change.id = id;
    change.counts = delta;
    kTriggers.bind(st, change);
    st.step();
  }
  tx.commit();
}

WriteResult SqlTriggerRepository::delete_trigger(const std::string& partner_id, const std::string& id,
                                                 std::int64_t now) {
  auto session = db_.session();
  Statement st(session,
               "UPDATE triggers SET status = 'deleted', updated_at = :now "
               "WHERE id = :id AND partner_id = :partner AND status = 'active'");
  st.bind(":now", now).bind(":id", id).bind(":partner", partner_id);
  st.step();
  if (st.changes() != 1) return WriteResult::not_found;
  session.connection().announce(kTriggersTopic);
  return WriteResult::ok;
}

}  // namespace octopus::triggers
