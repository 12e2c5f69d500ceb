// One ledger entry as partners see it, in GET /v1/settlements and in the callback that
// tells them of it: the subscriber named only by the partner's own token, never the
// operator's id.
#pragma once
#include <nlohmann/json.hpp>

#include "settlement/ledger_repository.hpp"
#include "tokens/partner_token.hpp"

namespace octopus::settlement {

nlohmann::json entry_json(const LedgerEntry& entry, const tokens::PartnerTokenizer& tokenizer);

}  // namespace octopus::settlement
