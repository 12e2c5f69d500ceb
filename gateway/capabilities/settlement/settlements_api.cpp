#include "settlement/settlements_api.hpp"

#include <charconv>

#include "http/formats.hpp"
#include "http/resource_steps.hpp"
#include "quota/quota_periods.hpp"
#include "settlement/entry_json.hpp"
#include "settlement/statement.hpp"

namespace octopus::settlement {

using nlohmann::json;

namespace {

// Cursors are ledger sequences, in decimal.
std::optional<std::int64_t> sequence_of(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || text.empty() || text.size() > 19)
    return std::nullopt;
  return value;
}

std::string rfc3339_ms(std::int64_t unix_ms) { return http::rfc3339(unix_ms / 1000); }

// "YYYY-MM" → the middle of that month (the 15th, 00:00 UTC), inside the local month in any
// time zone; nullopt for anything else.
std::optional<std::int64_t> mid_month(std::string_view month) {
  if (month.size() != 7 || month[4] != '-') return std::nullopt;
  return http::parse_rfc3339(std::string(month) + "-15T00:00:00Z");
}

// Text CSV cells need no quoting: ids, codes, numbers and times hold no comma or quote.
std::string csv_of(const std::vector<LedgerEntry>& entries, const tokens::PartnerTokenizer& tokenizer) {
  std::string out =
      "sequence,id,type,amount_fen,currency,order_id,product_code,subscriber_token,offer_id,"
      "contract_id,occurred_at,recorded_at\r\n";
  for (const auto& e : entries) {
    out += std::to_string(e.sequence.value_or(0)) + "," + e.id + "," + std::string(to_string(e.type)) + "," +
           std::to_string(e.amount_fen) + "," + e.currency + "," + e.order_id + "," + e.product_code + "," +
           (e.subscriber ? tokenizer.token(e.partner_id, e.subscriber) : std::string()) + "," + e.offer_id + "," +
           e.contract_id + "," + rfc3339_ms(e.occurred_at_ms) + "," + http::rfc3339(e.recorded_at) + "\r\n";
  }
  return out;
}

json statement_json(const Statement& s, std::int64_t now) {
  json products = json::array();
  for (const auto& [code, t] : s.by_product)
    products.push_back({{"product_code", code},
                        {"earned_fen", t.earned_fen},
                        {"reversed_fen", t.reversed_fen},
                        {"charged_fen", t.charged_fen},
                        {"entries", t.entries}});
  return {{"month", s.month},
          {"currency", "CNY"},
          {"from", http::rfc3339(s.from)},
          {"until", http::rfc3339(s.until)},
          {"complete", s.until <= now},
          {"entries", s.entries},
          {"totals",
           {{"earned_fen", s.earned_fen},
            {"reversed_fen", s.reversed_fen},
            {"charged_fen", s.charged_fen},
            {"adjusted_fen", s.adjusted_fen},
            {"net_fen", s.net_fen}}},
          {"capped_entries", s.capped_entries},
          {"products", std::move(products)},
          {"digest", {{"algorithm", "sha-256"}, {"value", s.digest}}}};
}

class SettlementHandlers {
 public:
  explicit SettlementHandlers(SettlementsApiDeps deps) : deps_(deps) {}

  // One calendar month (the policy time zone's) of the partner's entries, by when they
  // were recorded: as JSON totals and digest, or (Accept: text/csv) the entries themselves.
  http::Response statement(http::RequestContext& ctx) {
    const auto& month = ctx.path_params.at("month");
    const auto middle = mid_month(month);
    if (!middle)
      return http::make_problem(ctx, http::problems::not_found, "A statement is named by its month: YYYY-MM.");
    const auto period = quota::quota_periods(*ctx.policy, *middle);
    const auto entries = deps_.ledger.entries_recorded(ctx.principal->id, period.month_starts_at, period.month_ends_at);
    if (ctx.request.header("accept").find("text/csv") != std::string_view::npos) {
      http::Response r;
      r.status = 200;
      r.set_header("Content-Type", "text/csv; charset=utf-8");
      r.body = csv_of(entries, deps_.tokenizer);
      return r;
    }
    const auto s = build_statement(month, period.month_starts_at, period.month_ends_at, entries);
    return http::make_json(200, statement_json(s, deps_.clock.unix_seconds()));
  }

  http::Response list(http::RequestContext& ctx) {
    auto request = http::page_request(ctx, [](std::string_view cursor) { return sequence_of(cursor).has_value(); });
    if (!request) return request.answer();
    const auto after = request->after ? *sequence_of(*request->after) : 0;
    const auto page = deps_.ledger.list_entries(ctx.principal->id, after, request->limit);
    json items = json::array();
    for (const auto& e : page.items) items.push_back(entry_json(e, deps_.tokenizer));
    return http::make_json(200, {{"items", std::move(items)},
                                 {"next_cursor", page.next_after ? json(std::to_string(*page.next_after)) : json()}});
  }

 private:
  SettlementsApiDeps deps_;
};

}  // namespace

void register_settlement_routes(http::Pipeline& partner_plane, SettlementsApiDeps deps) {
  using H = SettlementHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  http::add_partner_routes<H>(
      partner_plane, std::make_shared<H>(deps),
      {{"GET", "/v1/settlements", &H::list, Scope::settlements_read, CapabilityClass::reads},
       {"GET", "/v1/settlement-statements/{month}", &H::statement, Scope::settlements_read, CapabilityClass::reads}});
}

}  // namespace octopus::settlement
