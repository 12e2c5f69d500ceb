#include "settlement/sql_contract_repository.hpp"

#include "store/sql/row_mapper.hpp"

namespace octopus::store::sql {
// Pricing models are stored by name ("cpa", "cps").
template <>
struct ColumnValue<settlement::PricingModel>
    : NamedColumnValue<settlement::PricingModel, settlement::parse_pricing_model> {};
// Message prices are stored as {"sms": fen, "push": fen, "outbound_call": fen}; whether SMS
// is priced per segment has its own column.
template <>
struct ColumnValue<settlement::MessagePrices> {
  static void bind(Statement& st, int i, const settlement::MessagePrices& p) {
    st.bind(
        i,
        std::string_view(
            nlohmann::json{{"sms", p.sms_fen}, {"push", p.push_fen}, {"outbound_call", p.outbound_call_fen}}.dump()));
  }
  static settlement::MessagePrices read(const Statement& st, int col) {
    const auto j = nlohmann::json::parse(st.text(col), nullptr, false);
    settlement::MessagePrices p;
    if (!j.is_object()) return p;
    p.sms_fen = j.value("sms", std::int64_t{0});
    p.push_fen = j.value("push", std::int64_t{0});
    p.outbound_call_fen = j.value("outbound_call", std::int64_t{0});
    return p;
  }
};
}  // namespace octopus::store::sql

namespace octopus::settlement {

using store::WriteResult;
using store::sql::column;
using store::sql::RowMapper;
using store::sql::Statement;
using store::sql::Transaction;

namespace {
const RowMapper<Contract> kContracts(
    "contracts",
    {
        column("id", &Contract::id),
        column("partner_id", &Contract::partner_id),
        column("product_code", &Contract::product_code),
        column("model", &Contract::model),
        column("cpa_fen", &Contract::cpa_fen),
        column("cps_basis_points", &Contract::cps_basis_points),
        column("monthly_cap_fen", &Contract::monthly_cap_fen),
        column<Contract>("message_fen", [](Contract& c) -> MessagePrices& { return c.message_prices; }),
        // read after message_fen, which resets it
        column<Contract>("sms_per_segment", [](Contract& c) -> bool& { return c.message_prices.sms_per_segment; }),
        column("effective_from", &Contract::effective_from),
        column("effective_until", &Contract::effective_until),
        column("created_by", &Contract::created_by),
        column("policy_version", &Contract::policy_version),
        column("created_at", &Contract::created_at),
    });
}  // namespace

WriteResult SqlContractRepository::create_contract(const Contract& c) {
  auto session = db_.session();
  Transaction tx(session);
  Statement overlap(session,
                    "SELECT COUNT(*) FROM contracts WHERE partner_id = :partner AND product_code = :product "
                    "AND effective_from < :until AND :from < effective_until");
  overlap.bind(":partner", c.partner_id).bind(":product", c.product_code);
  overlap.bind(":from", c.effective_from).bind(":until", c.effective_until);
  overlap.step();
  if (overlap.int64(0) > 0) return WriteResult::conflict;
  Statement st(session, kContracts.insert());
  kContracts.bind(st, c);
  if (!st.exec_unique()) return WriteResult::conflict;
  tx.commit();
  return WriteResult::ok;
}

std::optional<Contract> SqlContractRepository::contract_at(const std::string& partner_id,
                                                           const std::string& product_code, std::int64_t at_seconds) {
  auto session = db_.session();
  Statement st(session, kContracts.select("WHERE partner_id = :partner AND product_code = :product "
                                          "AND effective_from <= :at AND :at < effective_until"));
  st.bind(":partner", partner_id).bind(":product", product_code).bind(":at", at_seconds);
  if (!st.step()) return std::nullopt;
  return kContracts.read(st);
}

std::optional<Contract> SqlContractRepository::get_contract(const std::string& id) {
  auto session = db_.session();
  Statement st(session, kContracts.select("WHERE id = :id"));
  st.bind(":id", id);
  if (!st.step()) return std::nullopt;
  return kContracts.read(st);
}

std::vector<Contract> SqlContractRepository::list_contracts(const std::string& partner_id) {
  auto session = db_.session();
  Statement st(session, kContracts.select("WHERE (:partner = '' OR partner_id = :partner) "
                                          "ORDER BY partner_id, product_code, effective_from"));
  st.bind(":partner", partner_id);
  return kContracts.read_all(st);
}

}  // namespace octopus::settlement
