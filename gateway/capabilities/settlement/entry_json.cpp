#include "settlement/entry_json.hpp"

#include "http/formats.hpp"

namespace octopus::settlement {

nlohmann::json entry_json(const LedgerEntry& e, const tokens::PartnerTokenizer& tokenizer) {
  return {{"id", e.id},
          {"sequence", e.sequence.value_or(0)},
          {"type", to_string(e.type)},
          {"amount_fen", e.amount_fen},
          {"currency", e.currency},
          {"order_id", e.order_id},
          {"product_code", e.product_code},
          {"subscriber_token", e.subscriber ? nlohmann::json(tokenizer.token(e.partner_id, e.subscriber)) : nullptr},
          {"offer_id", e.offer_id},
          {"source_id", e.source_id},
          {"contract_id", e.contract_id},
          {"policy_version", e.policy_version},
          {"reason", e.reason},
          {"occurred_at", http::rfc3339(e.occurred_at_ms / 1000)},
          {"recorded_at", http::rfc3339(e.recorded_at)}};
}

}  // namespace octopus::settlement
