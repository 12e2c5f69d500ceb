#include "settlement/settlements_api.hpp"

#include <charconv>

#include "http/formats.hpp"
#include "http/resource_steps.hpp"

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

class SettlementHandlers {
 public:
  explicit SettlementHandlers(SettlementsApiDeps deps) : deps_(deps) {}

  http::Response list(http::RequestContext& ctx) {
    auto request = http::page_request(ctx, [](std::string_view cursor) { return sequence_of(cursor).has_value(); });
    if (!request) return request.answer();
    const auto after = request->after ? *sequence_of(*request->after) : 0;
    const auto page = deps_.ledger.list_entries(ctx.principal->id, after, request->limit);
    json items = json::array();
    for (const auto& e : page.items) items.push_back(render(e));
    return http::make_json(200, {{"items", std::move(items)},
                                 {"next_cursor", page.next_after ? json(std::to_string(*page.next_after)) : json()}});
  }

 private:
  json render(const LedgerEntry& e) const {
    return {{"id", e.id},
            {"sequence", e.sequence.value_or(0)},
            {"type", to_string(e.type)},
            {"amount_fen", e.amount_fen},
            {"currency", e.currency},
            {"order_id", e.order_id},
            {"product_code", e.product_code},
            {"subscriber_token", deps_.tokenizer.token(e.partner_id, e.subscriber)},
            {"offer_id", e.offer_id},
            {"contract_id", e.contract_id},
            {"policy_version", e.policy_version},
            {"reason", e.reason},
            {"occurred_at", rfc3339_ms(e.occurred_at_ms)},
            {"recorded_at", http::rfc3339(e.recorded_at)}};
  }

  SettlementsApiDeps deps_;
};

}  // namespace

void register_settlement_routes(http::Pipeline& partner_plane, SettlementsApiDeps deps) {
  using H = SettlementHandlers;
  using vocabulary::CapabilityClass;
  using vocabulary::Scope;
  http::add_partner_routes<H>(partner_plane, std::make_shared<H>(deps),
                              {{"GET", "/v1/settlements", &H::list, Scope::settlements_read, CapabilityClass::reads}});
}

}  // namespace octopus::settlement
